"""numpy kernels: convolutions: conv, conv_transpose, depthwise_conv, separable_conv.

Called by ``lamina.ops.nn`` with normalized arguments: ``strides`` and
``dilation_rate`` tuples of ints, ``padding`` a tuple of explicit
``(before, after)`` pairs per spatial dimension, ``data_format`` a string.
Kernels are in Keras's layout. The work is done on channels-last arrays as
a strided window view (``sliding_window_view``) contracted with the kernel
by ``tensordot``/``einsum``: no Python loop over pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lamina.backend.numpy._convert import promote, promote_many, t, to_float  # noqa: F401


def _to_last(x, data_format):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def _from_last(y, data_format):
    return np.moveaxis(y, -1, 1) if data_format == "channels_first" else y


def _windows(x, window, strides, padding, dilation):
    """Channels-last ``x`` as a view ``(N, *out, C, *window)`` of its (padded) sliding windows."""
    n = x.ndim - 2
    if any(p != (0, 0) for p in padding):
        x = np.pad(x, ((0, 0), *padding, (0, 0)))
    effective = tuple((k - 1) * d + 1 for k, d in zip(window, dilation))
    w = sliding_window_view(x, effective, axis=tuple(range(1, n + 1)))
    if any(s != 1 for s in strides) or any(d != 1 for d in dilation):
        w = w[(slice(None),) + tuple(slice(None, None, s) for s in strides) + (slice(None),)
              + tuple(slice(None, None, d) for d in dilation)]
    return w


def _conv_last(x, kernel, strides, padding, dilation, groups):
    """Channels-last convolution of ``x`` with a ``(*window, C // groups, O)`` kernel."""
    n = x.ndim - 2
    w = _windows(x, kernel.shape[:n], strides, padding, dilation)
    if groups == 1:
        return np.tensordot(w, kernel, axes=(list(range(n + 1, 2 * n + 2)), [n, *range(n)]))
    batch_out = w.shape[: n + 1]
    cg, out = kernel.shape[n], kernel.shape[n + 1]
    w = w.reshape(*batch_out, groups, cg, *w.shape[n + 2:])
    k = kernel.reshape(*kernel.shape[:n], cg, groups, out // groups)
    win = list(range(n + 3, 2 * n + 3))
    y = np.einsum(w, [*range(n + 1), n + 1, n + 2, *win], k, [*win, n + 2, n + 1, 2 * n + 3],
                  [*range(n + 1), n + 1, 2 * n + 3], optimize=True)
    return y.reshape(*batch_out, out)


def conv(inputs, kernel, strides, padding, data_format, dilation_rate):
    x, k = promote(inputs, kernel)
    x = _to_last(x, data_format)
    groups = x.shape[-1] // k.shape[-2]
    return _from_last(_conv_last(x, k, strides, padding, dilation_rate, groups), data_format)


def _depthwise_last(x, kernel, strides, padding, dilation):
    n = x.ndim - 2
    channels = kernel.shape[-2]
    k = kernel.reshape(*kernel.shape[:n], 1, channels * kernel.shape[-1])
    return _conv_last(x, k, strides, padding, dilation, channels)


def depthwise_conv(inputs, kernel, strides, padding, data_format, dilation_rate):
    x, k = promote(inputs, kernel)
    x = _to_last(x, data_format)
    return _from_last(_depthwise_last(x, k, strides, padding, dilation_rate), data_format)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides, padding, data_format, dilation_rate):
    x, dk, pk = promote_many(inputs, depthwise_kernel, pointwise_kernel)
    x = _to_last(x, data_format)
    y = _depthwise_last(x, dk, strides, padding, dilation_rate)
    y = np.tensordot(y, pk.reshape(pk.shape[-2], pk.shape[-1]), axes=1)
    return _from_last(y, data_format)


def conv_transpose(inputs, kernel, strides, padding, data_format, dilation_rate):
    x, k = promote(inputs, kernel)
    x = _to_last(x, data_format)
    n = x.ndim - 2
    if any(s != 1 for s in strides):
        spread = np.zeros((x.shape[0], *[(d - 1) * s + 1 for d, s in zip(x.shape[1:-1], strides)], x.shape[-1]),
                          dtype=x.dtype)
        spread[(slice(None),) + tuple(slice(None, None, s) for s in strides)] = x
        x = spread
    # The transposed convolution is a stride-1 convolution of the spread input
    # with the spatially flipped kernel, its (out, in) axes read as (O, I).
    k = np.flip(k, axis=tuple(range(n)))
    w = _windows(x, k.shape[:n], (1,) * n, padding, dilation_rate)
    y = np.tensordot(w, k, axes=(list(range(n + 1, 2 * n + 2)), [n + 1, *range(n)]))
    return _from_last(y, data_format)
