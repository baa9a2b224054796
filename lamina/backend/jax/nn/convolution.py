"""jax kernels: convolutions: conv, conv_transpose, depthwise_conv, separable_conv.

Called by ``lamina.ops.nn`` with normalized arguments: ``strides`` and
``dilation_rate`` tuples of ints, ``padding`` a tuple of explicit
``(before, after)`` pairs per spatial dimension, ``data_format`` a string.
Everything is one ``jax.lax.conv_general_dilated`` call whose dimension
numbers name Keras's layouts, so nothing is transposed.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp
from jax import lax

from lamina.backend.jax._convert import promote, promote_many


@functools.lru_cache(maxsize=None)
def _dimension_numbers(n, data_format, kernel_layout="IO"):
    spatial = "DHW"[3 - n:]
    lhs = "N" + spatial + "C" if data_format == "channels_last" else "NC" + spatial
    return (lhs, spatial + kernel_layout, lhs)


def _channels(x, data_format):
    return x.shape[-1] if data_format == "channels_last" else x.shape[1]


def _conv(x, kernel, strides, padding, data_format, dilation, groups):
    n = x.ndim - 2
    return lax.conv_general_dilated(
        x, kernel, strides, padding, rhs_dilation=dilation,
        dimension_numbers=_dimension_numbers(n, data_format), feature_group_count=groups)


def conv(inputs, kernel, strides, padding, data_format, dilation_rate):
    x, k = promote(inputs, kernel)
    groups = _channels(x, data_format) // k.shape[-2]
    return _conv(x, k, strides, padding, data_format, dilation_rate, groups)


def _depthwise(x, kernel, strides, padding, data_format, dilation):
    n = x.ndim - 2
    channels = kernel.shape[-2]
    k = kernel.reshape(*kernel.shape[:n], 1, channels * kernel.shape[-1])
    return _conv(x, k, strides, padding, data_format, dilation, channels)


def depthwise_conv(inputs, kernel, strides, padding, data_format, dilation_rate):
    x, k = promote(inputs, kernel)
    return _depthwise(x, k, strides, padding, data_format, dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides, padding, data_format, dilation_rate):
    x, dk, pk = promote_many(inputs, depthwise_kernel, pointwise_kernel)
    n = x.ndim - 2
    y = _depthwise(x, dk, strides, padding, data_format, dilation_rate)
    return _conv(y, pk, (1,) * n, ((0, 0),) * n, data_format, (1,) * n, 1)


def conv_transpose(inputs, kernel, strides, padding, data_format, dilation_rate):
    x, k = promote(inputs, kernel)
    n = x.ndim - 2
    # A stride-1 convolution of the stride-spread (lhs-dilated) input with the
    # spatially flipped kernel, whose (out, in) axes are read as (O, I).
    return lax.conv_general_dilated(
        x, jnp.flip(k, axis=tuple(range(n))), (1,) * n, padding, lhs_dilation=strides,
        rhs_dilation=dilation_rate, dimension_numbers=_dimension_numbers(n, data_format, "OI"))
