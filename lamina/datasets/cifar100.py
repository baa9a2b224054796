"""CIFAR-100 (``keras.datasets.cifar100``): 32x32 RGB uint8 images of 100 fine / 20 coarse classes.

Reads the extracted python files (train, test) from the folder given as
``path`` or Keras's cache
(``~/.keras/datasets/cifar-100-python-target/cifar-100-python`` or
``~/.keras/datasets/cifar-100-python``), with a restricted unpickler.

Example:
    >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.cifar100.load_data(label_mode="coarse")
"""

from __future__ import annotations

import os

from lamina.datasets import _cifar, _files

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
_FOLDERS = (os.path.join("cifar-100-python-target", "cifar-100-python"), "cifar-100-python")


def load_data(label_mode: str = "fine", path: str | None = None):
    """``(x_train, y_train), (x_test, y_test)``; ``label_mode`` 'fine' (100 classes) or 'coarse' (20)."""
    where = "cifar100.load_data"
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"{where}: `label_mode` must be 'fine' or 'coarse'; received {label_mode!r}.")
    folder = _files.locate_folder(path, _FOLDERS, "train", _ORIGIN, _HASH, "cifar-100-python-target", where)
    key = f"{label_mode}_labels"
    x_train, y_train = _cifar.load_batch(os.path.join(folder, "train"), label_key=key, where=where)
    x_test, y_test = _cifar.load_batch(os.path.join(folder, "test"), label_key=key, where=where)
    return _cifar.finish(x_train, y_train, x_test, y_test)
