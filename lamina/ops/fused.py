"""Fused layer bodies: one backend kernel where the backend has one, the general ops elsewhere.

The result always equals the general ops' (float tolerance): a backend kernel declines (returns
None) any case whose dtypes or shapes it does not cover, and the general path runs instead.

Example:
    >>> from lamina.ops import fused
    >>> y = fused.dense(x, layer.kernel, layer.bias)   # == ops.add(ops.matmul(x, kernel), bias)
"""

from __future__ import annotations

from lamina.backend import impl as B
from lamina.core.operation import any_symbolic
from lamina.ops import nn
from lamina.ops.nn import convolution as C
from lamina.ops.numpy import add, matmul, reshape


def dense(inputs, kernel, bias=None):
    """``inputs @ kernel + bias`` (``bias`` may be None), as ``Dense`` computes it."""
    kernels = getattr(B, "fused", None)
    if kernels is not None and not any_symbolic((inputs,)):
        out = kernels.dense(inputs, kernel, bias)
        if out is not None:
            return out
    out = matmul(inputs, kernel)
    return out if bias is None else add(out, bias)


def conv(inputs, kernel, bias=None, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """``ops.conv(inputs, kernel, ...)`` plus ``bias`` (or None) along the channel axis, as the Conv
    layers compute it; the bias goes inside the backend's convolution kernel where it has one (torch)."""
    kernels = getattr(B, "fused", None)
    if kernels is not None and not any_symbolic((inputs,)):
        plan = C._conv_plan("conv", "conv", C._spec.shape_of(inputs), C._spec.shape_of(kernel),
                            C._hashable(strides), padding, data_format, C._hashable(dilation_rate))
        if plan[1] is not None:
            out = kernels.conv(inputs, kernel, bias, plan[0], plan[1], plan[2], plan[3])
            if out is not None:
                return out
    out = C.conv(inputs, kernel, strides=strides, padding=padding, data_format=data_format,
                 dilation_rate=dilation_rate)
    if bias is None:
        return out
    if C._data_format(data_format, "conv") == "channels_first":
        bias = reshape(bias, (1, -1) + (1,) * (len(out.shape) - 2))
    return add(out, bias)


def batch_normalization(x, axis: int, gamma=None, beta=None, epsilon: float = 1e-3, mean=None, variance=None):
    """``(outputs, mean, variance)``: ``x`` normalized over every axis but ``axis`` with the given
    ``mean``/``variance`` (inference), or, when they are None, with the batch's own moments
    (training), which are returned too; then scaled by ``gamma`` and shifted by ``beta``."""
    kernels = getattr(B, "fused", None)
    if kernels is not None and not any_symbolic((x,)):
        result = kernels.batch_norm(x, axis, gamma, beta, epsilon, mean, variance)
        if result is not None:
            return result
    if mean is None:
        rank = len(x.shape)
        mean, variance = nn.moments(x, axes=[a for a in range(rank) if a != axis % rank])
    out = nn.batch_normalization(x, mean, variance, axis=axis, offset=beta, scale=gamma, epsilon=epsilon)
    return out, mean, variance
