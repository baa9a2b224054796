"""Reductions and scans: sum, mean, max, std, argmax, cumsum, median, quantile (part of ``lamina.ops.numpy``)."""

from __future__ import annotations

from lamina.backend import impl as B
from lamina.core.keras_tensor import KerasTensor  # noqa: F401
from lamina.core.operation import symbolic_op  # noqa: F401
from lamina.ops import _spec  # noqa: F401
from lamina.backend.common.dtypes import result_type


def _sum_spec(x, axis=None, keepdims=False):
    dtype = result_type(_spec.dtype_of(x))
    if dtype in ("bool", "int8", "int16", "uint8", "uint16"):
        dtype = "int32"
    return KerasTensor(_spec.reduce_shape(_spec.shape_of(x), axis, keepdims), dtype=dtype)


@symbolic_op(_sum_spec)
def sum(x, axis=None, keepdims=False):
    """Sum of elements over ``axis`` (all axes when None)."""
    return B.numpy.sum(x, axis=axis, keepdims=keepdims)


def _mean_spec(x, axis=None, keepdims=False):
    return KerasTensor(_spec.reduce_shape(_spec.shape_of(x), axis, keepdims), dtype=_spec.float_dtype_of(x))


@symbolic_op(_mean_spec)
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``."""
    return B.numpy.mean(x, axis=axis, keepdims=keepdims)
