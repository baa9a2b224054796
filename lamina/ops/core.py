"""Core ops: conversion, casting, shapes, control flow (``lamina.ops`` top level)."""

from __future__ import annotations

from lamina.backend import impl as B
from lamina.backend.common.dtypes import standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops._spec import shape_of


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` as a backend tensor (KerasTensors pass through); ``ragged`` is accepted for Keras compatibility."""
    if isinstance(x, KerasTensor):
        return x if dtype is None else cast(x, dtype)
    return B.core.convert_to_tensor(x, dtype=None if dtype is None else standardize_dtype(dtype), sparse=sparse)


def convert_to_numpy(x):
    """``x`` as a NumPy array."""
    if isinstance(x, KerasTensor):
        raise TypeError(f"convert_to_numpy: {x.name} is a symbolic tensor and holds no data.")
    return B.core.convert_to_numpy(x)


def _cast_spec(x, dtype):
    return KerasTensor(shape_of(x), dtype=standardize_dtype(dtype))


@symbolic_op(_cast_spec)
def cast(x, dtype):
    """Cast ``x`` to ``dtype``."""
    return B.core.cast(x, standardize_dtype(dtype))


def shape(x) -> tuple:
    """The shape of ``x`` as a tuple (None for unknown symbolic dimensions)."""
    return shape_of(x)


def is_tensor(x) -> bool:
    """True for a tensor of the selected backend."""
    return B.core.is_tensor(x)


def dtype(x) -> str:
    """The standardized dtype name of ``x``."""
    return standardize_dtype(x.dtype)
from lamina.ops.control_flow import *  # noqa: F401,F403
