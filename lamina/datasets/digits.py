"""scikit-learn's bundled 8x8 digits (1,797 images, labels 0-9), readable offline.

Reads ``sklearn/datasets/data/digits.csv.gz`` from the installed scikit-learn
(without importing it), or the file given as ``path`` (the same format: one
row per image, 64 pixel values 0-16 then the label, comma-separated).

Example:
    >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.digits.load_data()
    >>> x_train = x_train.astype("float32") / 16.0      # pixels are 0..16
"""

from __future__ import annotations

import gzip
import importlib.util
import os

import numpy as np

from lamina.datasets import _files


def bundled_path() -> str | None:
    """Location of scikit-learn's digits.csv.gz, or None when scikit-learn is not installed."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        candidate = os.path.join(root, "datasets", "data", "digits.csv.gz")
        if os.path.isfile(candidate):
            return candidate
    return None


def load_digits(path: str | None = None):
    """All digits: ``(images uint8 (n, 8, 8) with values 0..16, labels uint8 (n,))`` in file order."""
    where = "digits.load_data"
    if path is None:
        path = bundled_path()
        if path is None:
            raise FileNotFoundError(f"{where}: scikit-learn's bundled digits.csv.gz was not found; install "
                                    "scikit-learn or pass the file as `path`.")
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{where}: the digits file {path!r} does not exist.")
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt") as f:
            table = np.loadtxt(f, delimiter=",", ndmin=2)
    except (OSError, ValueError, EOFError) as e:
        raise ValueError(f"{where}: cannot read {path!r} as comma-separated digits ({e}).") from None
    if table.shape[1] != 65:
        raise ValueError(f"{where}: expected 65 columns (64 pixels + label) in {path!r}; found {table.shape[1]}.")
    return table[:, :64].reshape(-1, 8, 8).astype("uint8"), table[:, 64].astype("uint8")


def load_data(path: str | None = None, test_split: float = 0.2, seed: int = 113):
    """``(x_train, y_train), (x_test, y_test)``: the digits shuffled with ``RandomState(seed)`` and split."""
    x, y = load_digits(path)
    return _files.split_train_test(x, y, test_split, seed, "digits.load_data")
