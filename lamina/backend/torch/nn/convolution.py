"""torch kernels: convolutions: conv, conv_transpose, depthwise_conv, separable_conv.

Called by ``lamina.ops.nn`` with normalized arguments: ``strides`` and
``dilation_rate`` tuples of ints, ``padding`` a tuple of explicit
``(before, after)`` pairs per spatial dimension, ``data_format`` a string.
Channels-last inputs are viewed as NC... with ``movedim`` (no copy: torch
runs the convolution in channels-last memory format and the result moves
back as a view); Keras kernels ``(*window, in, out)`` are permuted to
torch's ``(out, in, *window)``.
"""

from __future__ import annotations

import torch.nn.functional as F

from lamina.backend.torch._convert import promote, promote_many

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _to_first(x, data_format):
    return x.movedim(-1, 1) if data_format == "channels_last" else x


def _from_first(y, data_format):
    return y.movedim(1, -1) if data_format == "channels_last" else y


def _torch_padding(x, padding):
    """(input, torch padding argument): symmetric pairs go to torch, others are padded here."""
    if all(lo == hi for lo, hi in padding):
        return x, tuple(lo for lo, _ in padding)
    flat = []
    for lo, hi in reversed(padding):
        flat += [lo, hi]
    return F.pad(x, flat), 0


def _weight(kernel, n):
    """Keras ``(*window, in, out)`` as torch ``(out, in, *window)``."""
    return kernel.permute(n + 1, n, *range(n))


def _conv_first(x, kernel, strides, padding, dilation, groups):
    n = x.ndim - 2
    x, pad = _torch_padding(x, padding)
    return _CONV[n](x, _weight(kernel, n), None, strides, pad, dilation, groups)


def conv(inputs, kernel, strides, padding, data_format, dilation_rate):
    x, k = promote(inputs, kernel)
    x = _to_first(x, data_format)
    groups = x.shape[1] // k.shape[-2]
    return _from_first(_conv_first(x, k, strides, padding, dilation_rate, groups), data_format)


def _depthwise_first(x, kernel, strides, padding, dilation):
    n = x.ndim - 2
    channels = kernel.shape[-2]
    k = kernel.reshape(*kernel.shape[:n], 1, channels * kernel.shape[-1])
    return _conv_first(x, k, strides, padding, dilation, channels)


def depthwise_conv(inputs, kernel, strides, padding, data_format, dilation_rate):
    x, k = promote(inputs, kernel)
    x = _to_first(x, data_format)
    return _from_first(_depthwise_first(x, k, strides, padding, dilation_rate), data_format)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides, padding, data_format, dilation_rate):
    x, dk, pk = promote_many(inputs, depthwise_kernel, pointwise_kernel)
    x = _to_first(x, data_format)
    n = x.ndim - 2
    y = _depthwise_first(x, dk, strides, padding, dilation_rate)
    y = _CONV[n](y, _weight(pk, n))
    return _from_first(y, data_format)


def conv_transpose(inputs, kernel, strides, padding, data_format, dilation_rate):
    x, k = promote(inputs, kernel)
    x = _to_first(x, data_format)
    n = x.ndim - 2
    # ``padding`` pads the stride-spread input; torch instead crops its natural
    # output ((in - 1) * stride + window) by ``window - 1 - pad`` on each side.
    crops = [((k.shape[i] - 1) * dilation_rate[i] - lo, (k.shape[i] - 1) * dilation_rate[i] - hi)
             for i, (lo, hi) in enumerate(padding)]
    shared = tuple(max(min(c), 0) for c in crops)
    y = _CONV_T[n](x, _weight(k, n), None, strides, shared, 0, 1, dilation_rate)
    if any(c != (s, s) for c, s in zip(crops, shared)):
        flat = []
        for (lo, hi), s in zip(reversed(crops), reversed(shared)):
            flat += [s - lo, s - hi]  # negative: crop; positive: extend with zeros
        y = F.pad(y, flat)
    return _from_first(y, data_format)
