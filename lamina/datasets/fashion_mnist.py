"""Fashion-MNIST (``keras.datasets.fashion_mnist``): 28x28 uint8 images of 10 clothing classes.

Reads the four gzipped IDX files Keras downloads into
``~/.keras/datasets/fashion-mnist/`` (or the folder given as ``path``):
train-labels-idx1-ubyte.gz, train-images-idx3-ubyte.gz,
t10k-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz.

Example:
    >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.fashion_mnist.load_data()
"""

from __future__ import annotations

import gzip
import os

import numpy as np

from lamina.datasets import _files

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz")


def _read(path, offset, where):
    try:
        with gzip.open(path, "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)
    except (OSError, EOFError, ValueError) as e:
        raise ValueError(f"{where}: cannot read the gzipped IDX file {path!r} ({e}).") from None


def load_data(path: str | None = None):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (n, 28, 28) and labels (n,).

    ``path`` (a lamina extension; Keras has none): a folder holding the four files.
    """
    where = "fashion_mnist.load_data"
    paths = []
    for name in FILES:
        given = None if path is None else os.path.join(os.fspath(path), name)
        paths.append(_files.locate(given, name, _files.KERAS_ORIGIN + name, None, where, subdir="fashion-mnist"))
    y_train = _read(paths[0], 8, where)
    x_train = _read(paths[1], 16, where)
    y_test = _read(paths[2], 8, where)
    x_test = _read(paths[3], 16, where)
    for x, y, p in ((x_train, y_train, paths[1]), (x_test, y_test, paths[3])):
        if x.size != len(y) * 28 * 28:
            raise ValueError(f"{where}: {p!r} holds {x.size} pixels; expected {len(y)} images of 28x28.")
    return (x_train.reshape(-1, 28, 28), y_train), (x_test.reshape(-1, 28, 28), y_test)
