"""Small helpers shared by the built-in callbacks."""

from __future__ import annotations

import numpy as np


def to_float(value) -> float:
    """A Python float from a number, NumPy scalar, backend tensor or lamina Variable."""
    from lamina import ops

    if hasattr(value, "assign") and hasattr(value, "numpy"):  # lamina Variable
        value = value.numpy()
    elif ops.is_tensor(value):
        value = ops.convert_to_numpy(value)
    return float(np.asarray(value))


def optimizers_of(model, callback_name: str) -> list:
    """[(name suffix, optimizer)]: one entry, or one per inner optimizer of a multi-optimizer."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError(f"{callback_name}: the model has no optimizer; call model.compile() first.")
    inner = getattr(optimizer, "optimizers", None)
    if inner:
        return [(opt.name, opt) for opt in inner]
    return [(None, optimizer)]
