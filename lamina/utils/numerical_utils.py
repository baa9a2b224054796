"""``to_categorical`` and ``normalize`` (``keras.utils``).

Example:
    >>> lamina.utils.to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.], [0., 0., 1.], [0., 1., 0.]])
"""

from __future__ import annotations

import numpy as np


def to_categorical(x, num_classes: int | None = None):
    """Class indices -> one-hot matrix (``float64`` NumPy for array-likes, an ``ops.one_hot`` tensor for tensors).

    A trailing dimension of size 1 is dropped first, as in Keras.
    """
    from lamina import backend, ops

    if backend.is_tensor(x):
        shape = tuple(x.shape)
        if len(shape) > 1 and shape[-1] == 1:
            x = ops.reshape(x, shape[:-1])
        if num_classes is None:
            num_classes = int(ops.convert_to_numpy(ops.max(x))) + 1
        return ops.one_hot(x, num_classes)
    try:
        x = np.array(x, dtype="int64")
    except (TypeError, ValueError) as e:
        raise ValueError(f"to_categorical: expected integer class indices; received {x!r} ({e}).") from None
    shape = x.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(flat)) + 1 if flat.size else 0
    if flat.size and (flat.min() < 0 or flat.max() >= num_classes):
        raise ValueError(f"to_categorical: class indices must be in [0, {num_classes}); received values from "
                         f"{int(flat.min())} to {int(flat.max())}.")
    out = np.zeros((flat.shape[0], num_classes))
    out[np.arange(flat.shape[0]), flat] = 1
    return out.reshape(tuple(shape) + (num_classes,))


def normalize(x, axis: int = -1, order: int = 2):
    """Divide ``x`` by its ``order``-norm along ``axis`` (zero norms count as 1); NumPy in, NumPy out.

    Backend tensors go through ``lamina.ops.normalize`` and stay tensors.
    """
    if isinstance(x, np.ndarray):
        norms = np.linalg.norm(x, ord=order, axis=axis)
        norms = np.where(norms == 0, 1, np.atleast_1d(norms))
        return x / np.expand_dims(norms, -1 if axis is None else axis)
    from lamina import ops

    return ops.normalize(x, axis=axis, order=order)
