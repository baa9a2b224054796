"""MNIST digits (``keras.datasets.mnist``): 28x28 uint8 grayscale images, labels 0-9.

Reads Keras's ``mnist.npz`` (keys x_train, y_train, x_test, y_test) from
``path`` or ``~/.keras/datasets/``.

Example:
    >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.mnist.load_data()
"""

from __future__ import annotations

import numpy as np

from lamina.datasets import _files

_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path: str = "mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)``: uint8 arrays (60000/10000, 28, 28) and (n,) in the full set."""
    where = "mnist.load_data"
    file = _files.locate(path, "mnist.npz", _files.KERAS_ORIGIN + "mnist.npz", _HASH, where)
    try:
        with np.load(file, allow_pickle=False) as f:
            keys = ("x_train", "y_train", "x_test", "y_test")
            _files.require_keys(f, keys, file, where)
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    except (OSError, ValueError) as e:
        if str(e).startswith(where):
            raise
        raise ValueError(f"{where}: cannot read {file!r} as an .npz of plain arrays ({e}).") from None
