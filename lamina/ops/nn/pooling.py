"""Pooling: max_pool, average_pool, adaptive pooling (part of ``lamina.ops.nn``).

Inputs are ``(batch, *spatial, channels)`` (``"channels_last"``, the default
from ``lamina.config.image_data_format()``) or ``(batch, channels, *spatial)``,
with 1 to 3 spatial dimensions. ``"same"`` padding is TensorFlow's (the odd
pixel at the end); padded positions never win a max and are not counted in
an average.
"""

from __future__ import annotations

from lamina.backend import impl as B
from lamina.backend.common.dtypes import result_type
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec
from lamina.ops.nn.convolution import (
    _data_format, _hashable, _int_tuple, _join, _padding, _plan_cache, _split, _window_out,
)


@_plan_cache
def _pool_plan(op, x_shape, pool_size, strides, padding, data_format):
    """Check a pooling op's arguments; return (pool_size, strides, pads, data_format, out_shape)."""
    data_format = _data_format(data_format, op)
    padding = _padding(padding, op)
    batch, spatial, channels = _split(x_shape, data_format, op)
    n = len(spatial)
    pool_size = _int_tuple(pool_size, n, "pool_size", op)
    strides = pool_size if strides is None else _int_tuple(strides, n, "strides", op)

    def describe():
        return (f"Received inputs of shape {x_shape}, pool_size={pool_size}, strides={strides}, "
                f"data_format='{data_format}'.")

    out_spatial, pads = [], []
    for i in range(n):
        o, p = _window_out(spatial[i], pool_size[i], strides[i], padding, describe, op)
        out_spatial.append(o)
        pads.append(p)
    pads = None if any(p is None for p in pads) else tuple(pads)
    return pool_size, strides, pads, data_format, _join(batch, out_spatial, channels, data_format)


@_plan_cache
def _adaptive_plan(op, x_shape, output_size, data_format):
    """Check an adaptive pooling op's arguments; return (output_size, data_format, out_shape)."""
    data_format = _data_format(data_format, op)
    batch, spatial, channels = _split(x_shape, data_format, op)
    output_size = _int_tuple(output_size, len(spatial), "output_size", op)
    for size in spatial:
        if size == 0:
            raise ValueError(f"{op}: cannot pool an input with an empty spatial dimension, received shape {x_shape}.")
    return output_size, data_format, _join(batch, output_size, channels, data_format)


def _float_dtype(x):
    return _spec.float_dtype_of(x)


def _max_pool_spec(inputs, pool_size, strides=None, padding="valid", data_format=None):
    plan = _pool_plan("max_pool", _spec.shape_of(inputs), _hashable(pool_size), _hashable(strides), padding,
                      data_format)
    return KerasTensor(plan[-1], dtype=result_type(_spec.dtype_of(inputs)))


def _average_pool_spec(inputs, pool_size, strides=None, padding="valid", data_format=None):
    plan = _pool_plan("average_pool", _spec.shape_of(inputs), _hashable(pool_size), _hashable(strides),
                      padding, data_format)
    return KerasTensor(plan[-1], dtype=_float_dtype(inputs))


def _adaptive_max_spec(inputs, output_size, data_format=None):
    plan = _adaptive_plan("adaptive_max_pool", _spec.shape_of(inputs), _hashable(output_size), data_format)
    return KerasTensor(plan[-1], dtype=result_type(_spec.dtype_of(inputs)))


def _adaptive_average_spec(inputs, output_size, data_format=None):
    plan = _adaptive_plan("adaptive_average_pool", _spec.shape_of(inputs), _hashable(output_size), data_format)
    return KerasTensor(plan[-1], dtype=_float_dtype(inputs))


@symbolic_op(_max_pool_spec)
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over windows of ``pool_size`` (``strides`` defaults to ``pool_size``).

    Example:
        >>> lamina.ops.max_pool(lamina.ops.ones((2, 5, 5, 3)), 2, padding="same").shape
        (2, 3, 3, 3)
    """
    pool_size, strides, pads, data_format, _ = _pool_plan(
        "max_pool", _spec.shape_of(inputs), _hashable(pool_size), _hashable(strides), padding, data_format)
    return B.nn.max_pool(inputs, pool_size, strides, pads, data_format)


@symbolic_op(_average_pool_spec)
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over windows of ``pool_size``; with ``"same"``, padding is left out of the count.

    Integer inputs give floatx results.

    Example:
        >>> lamina.ops.average_pool(lamina.ops.ones((2, 6, 6, 3)), (2, 3)).shape
        (2, 3, 2, 3)
    """
    pool_size, strides, pads, data_format, _ = _pool_plan(
        "average_pool", _spec.shape_of(inputs), _hashable(pool_size), _hashable(strides), padding, data_format)
    return B.nn.average_pool(inputs, pool_size, strides, pads, data_format)


@symbolic_op(_adaptive_max_spec)
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed spatial ``output_size`` (int or tuple), with PyTorch's windows.

    Output cell ``i`` of a dimension of size ``n`` pools positions
    ``floor(i * n / out)`` to ``ceil((i + 1) * n / out)`` (exclusive).

    Example:
        >>> lamina.ops.adaptive_max_pool(lamina.ops.ones((2, 7, 9, 3)), (2, 3)).shape
        (2, 2, 3, 3)
    """
    output_size, data_format, _ = _adaptive_plan(
        "adaptive_max_pool", _spec.shape_of(inputs), _hashable(output_size), data_format)
    return B.nn.adaptive_max_pool(inputs, output_size, data_format)


@symbolic_op(_adaptive_average_spec)
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed spatial ``output_size`` (int or tuple), with PyTorch's windows.

    Example:
        >>> lamina.ops.adaptive_average_pool(lamina.ops.ones((2, 7, 9, 3)), 1).shape
        (2, 1, 1, 3)
    """
    output_size, data_format, _ = _adaptive_plan(
        "adaptive_average_pool", _spec.shape_of(inputs), _hashable(output_size), data_format)
    return B.nn.adaptive_average_pool(inputs, output_size, data_format)
