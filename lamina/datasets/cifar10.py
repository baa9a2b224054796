"""CIFAR-10 (``keras.datasets.cifar10``): 32x32 RGB uint8 images of 10 classes.

Reads the extracted python batches (data_batch_1..5, test_batch) from the
folder given as ``path`` or Keras's cache
(``~/.keras/datasets/cifar-10-batches-py-target/cifar-10-batches-py``, or the
older ``~/.keras/datasets/cifar-10-batches-py``). The batches are pickles:
they are read with a restricted unpickler that refuses anything but arrays.

Example:
    >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.cifar10.load_data()
"""

from __future__ import annotations

import os

import numpy as np

from lamina.datasets import _cifar, _files

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
_FOLDERS = (os.path.join("cifar-10-batches-py-target", "cifar-10-batches-py"), "cifar-10-batches-py")


def load_data(path: str | None = None):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (channels_last by default) and labels (n, 1).

    ``path`` (a lamina extension; Keras has none): the folder with the batch files.
    """
    where = "cifar10.load_data"
    folder = _files.locate_folder(path, _FOLDERS, "data_batch_1", _ORIGIN, _HASH, "cifar-10-batches-py-target",
                                  where)
    xs, ys = [], []
    for i in range(1, 6):
        x, y = _cifar.load_batch(os.path.join(folder, f"data_batch_{i}"), where=where)
        xs.append(x)
        ys.extend(y)
    x_test, y_test = _cifar.load_batch(os.path.join(folder, "test_batch"), where=where)
    return _cifar.finish(np.concatenate(xs), ys, x_test, y_test, label_dtype="uint8")
