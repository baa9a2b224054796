"""California housing prices (``keras.datasets.california_housing``): 8 features, median value in $.

Reads Keras's ``california_housing.npz`` (keys x, y); ``version='small'``
keeps the first 600 samples.

Example:
    >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.california_housing.load_data(version="small")
"""

from __future__ import annotations

from lamina.datasets import _files
from lamina.datasets.boston_housing import load_npz_xy

_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version: str = "large", path: str = "california_housing.npz", test_split: float = 0.2,
              seed: int = 113):
    """``(x_train, y_train), (x_test, y_test)``; 'large' = all 20,640 samples, 'small' = the first 600."""
    where = "california_housing.load_data"
    if not 0 <= test_split < 1:
        raise ValueError(f"{where}: `test_split` must be in [0, 1); received {test_split}.")
    if version not in ("small", "large"):
        raise ValueError(f"{where}: `version` must be 'small' or 'large'; received {version!r}.")
    x, y = load_npz_xy(path, "california_housing.npz", _HASH, where)
    if version == "small":
        x, y = x[:600], y[:600]
    return _files.split_train_test(x, y, test_split, seed, where)
