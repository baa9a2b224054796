"""Boston housing prices (``keras.datasets.boston_housing``): 13 features, price in k$.

Reads Keras's ``boston_housing.npz`` (keys x, y). Keras warns this dataset has
an ethical problem (a feature encoding racial self-segregation); prefer
``california_housing``.

Example:
    >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.boston_housing.load_data()
"""

from __future__ import annotations

import numpy as np

from lamina.datasets import _files

_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_npz_xy(path, default_name, file_hash, where):
    file = _files.locate(path, default_name, _files.KERAS_ORIGIN + default_name, file_hash, where)
    try:
        with np.load(file, allow_pickle=False) as f:
            _files.require_keys(f, ("x", "y"), file, where)
            return f["x"], f["y"]
    except (OSError, ValueError) as e:
        if str(e).startswith(where):
            raise
        raise ValueError(f"{where}: cannot read {file!r} as an .npz of plain arrays ({e}).") from None


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113):
    """``(x_train, y_train), (x_test, y_test)`` after a ``RandomState(seed)`` shuffle."""
    where = "boston_housing.load_data"
    if not 0 <= test_split < 1:
        raise ValueError(f"{where}: `test_split` must be in [0, 1); received {test_split}.")
    x, y = load_npz_xy(path, "boston_housing.npz", _HASH, where)
    return _files.split_train_test(x, y, test_split, seed, where)
