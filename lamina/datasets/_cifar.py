"""Reading the CIFAR python batches (pickled dicts of arrays and bytes) without running code."""

from __future__ import annotations

import numpy as np

from lamina import config
from lamina.datasets import _files


def load_batch(fpath, label_key: str = "labels", where: str = "cifar.load_batch"):
    """One CIFAR batch file -> ``(data (n, 3, 32, 32) uint8, labels list)``, via the safe unpickler."""
    try:
        with open(fpath, "rb") as f:
            content = _files.safe_unpickle(f, where, encoding="bytes")
    except OSError as e:
        raise ValueError(f"{where}: cannot read the CIFAR batch {fpath!r} ({e}).") from None
    if not isinstance(content, dict):
        raise ValueError(f"{where}: {fpath!r} is not a CIFAR batch (expected a pickled dict; found "
                         f"{type(content).__name__}).")
    content = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in content.items()}
    if "data" not in content or label_key not in content:
        raise ValueError(f"{where}: the CIFAR batch {fpath!r} lacks 'data' or {label_key!r} (found "
                         f"{sorted(content)}).")
    data = np.asarray(content["data"], dtype="uint8")
    return data.reshape(data.shape[0], 3, 32, 32), content[label_key]


def finish(x_train, y_train, x_test, y_test, label_dtype=None):
    """Labels to (n, 1) (``label_dtype``, else NumPy's default for the list, as Keras), images to channels_last."""
    y_train = np.reshape(np.asarray(y_train, dtype=label_dtype), (-1, 1))
    y_test = np.reshape(np.asarray(y_test, dtype=label_dtype), (-1, 1))
    if config.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test.astype(x_train.dtype), y_test)
