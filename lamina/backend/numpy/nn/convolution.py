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

from lamina.backend.numpy._convert import promote, promote_many


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
    w = _windows(x, kernel.shape[:n], strides, padding, dilation)  # (N, *out, C, *window)
    batch_out = w.shape[: n + 1]
    out = kernel.shape[-1]
    if groups == 1:
        # im2col with the channel axis innermost (the copy then reads x's rows in
        # order), then one matrix product with the kernel as (window * C, O).
        cols = w.transpose(*range(n + 1), *range(n + 2, 2 * n + 2), n + 1).reshape(-1, kernel[..., 0].size)
        return (cols @ kernel.reshape(-1, out)).reshape(*batch_out, out)
    cg = kernel.shape[n]
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
    window, out = k.shape[:n], k.shape[n]
    sizes = x.shape[1:-1]
    # Scatter form: every input pixel adds ``x @ kernel[offset].T`` at
    # ``pixel * stride + offset * dilation`` of the full ("natural") output of
    # size (in - 1) * stride + window; ``padding`` (on the spread input) then
    # says how much of it to keep: crop ``window - 1 - pad`` per side.
    effective = [(w - 1) * d + 1 for w, d in zip(window, dilation_rate)]
    # One matrix product for all kernel offsets: (..., in) @ (in, window * out).
    contributions = (x @ np.moveaxis(k, -1, 0).reshape(k.shape[-1], -1)).reshape(*x.shape[:-1], *window, out)
    natural = np.zeros((x.shape[0], *[(i - 1) * s + e for i, s, e in zip(sizes, strides, effective)], out),
                       dtype=contributions.dtype)
    for offset in np.ndindex(*window):
        target = tuple(slice(o * d, o * d + (i - 1) * s + 1, s)
                       for o, d, i, s in zip(offset, dilation_rate, sizes, strides))
        natural[(slice(None), *target)] += contributions[(Ellipsis, *offset, slice(None))]
    crops = [(e - 1 - lo, e - 1 - hi) for e, (lo, hi) in zip(effective, padding)]
    if any(hi < 0 for _, hi in crops):  # a pad beyond the natural output: zeros
        natural = np.pad(natural, [(0, 0), *[(0, max(-hi, 0)) for _, hi in crops], (0, 0)])
    y = natural[(slice(None), *[slice(lo, natural.shape[1 + i] - max(hi, 0)) for i, (lo, hi) in enumerate(crops)])]
    return _from_last(y, data_format)
