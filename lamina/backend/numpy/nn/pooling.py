"""numpy kernels: pooling: max_pool, average_pool, adaptive pooling.

Called by ``lamina.ops.nn`` with normalized arguments (tuples of ints,
explicit ``(before, after)`` padding pairs, a data_format string). Windows are
reduced one spatial axis at a time with whole-array ufunc calls on strided views.
"""

from __future__ import annotations

import functools

import numpy as np

from lamina.backend.numpy._convert import t, to_float


def _spatial_axes(ndim, data_format):
    n = ndim - 2
    return tuple(range(1, n + 1)) if data_format == "channels_last" else tuple(range(2, n + 2))


def _pad(x, axes, padding, fill):
    if all(p == (0, 0) for p in padding):
        return x
    widths = [(0, 0)] * x.ndim
    for a, p in zip(axes, padding):
        widths[a] = p
    return np.pad(x, widths, constant_values=fill)


def _strided(x, axis, start, count, step):
    """The view ``x[..., start : start + (count - 1) * step + 1 : step, ...]`` along ``axis``."""
    index = [slice(None)] * x.ndim
    index[axis] = slice(start, start + (count - 1) * step + 1, step)
    return x[tuple(index)]


def _reduce_windows(x, pool_size, strides, axes, ufunc):
    """Reduce (max or sum) over sliding windows, one spatial axis at a time (both are separable).

    Per axis this is ``pool - 1`` whole-array ufunc calls on strided views, no
    per-pixel loop and no window gather.
    """
    for a, k, s in zip(axes, pool_size, strides):
        out = (x.shape[a] - k) // s + 1
        if k == 1:
            x = _strided(x, a, 0, out, s)
            continue
        y = ufunc(_strided(x, a, 0, out, s), _strided(x, a, 1, out, s))
        for j in range(2, k):
            ufunc(y, _strided(x, a, j, out, s), out=y)
        x = y
    return x


def _lowest(dtype):
    if np.issubdtype(dtype, np.integer):
        return np.iinfo(dtype).min
    if dtype == np.bool_:
        return False
    return -np.inf


def max_pool(inputs, pool_size, strides, padding, data_format):
    x = t(inputs)
    axes = _spatial_axes(x.ndim, data_format)
    return _reduce_windows(_pad(x, axes, padding, _lowest(x.dtype)), pool_size, strides, axes, np.maximum)


@functools.lru_cache(maxsize=256)
def _window_counts(sizes, outs, pool_size, strides, padding, spatial_axes, ndim):
    """How many real (not padded) positions each output window covers, shaped to broadcast."""
    counts = np.ones((), dtype=np.float64)
    for size, out, k, s, (before, _) in zip(sizes, outs, pool_size, strides, padding):
        starts = np.arange(out) * s - before
        counts = np.multiply.outer(counts, np.minimum(starts + k, size) - np.maximum(starts, 0))
    shape = [1] * ndim
    for a, d in zip(spatial_axes, counts.shape):
        shape[a] = d
    return counts.reshape(shape)


def average_pool(inputs, pool_size, strides, padding, data_format):
    x = to_float(inputs)
    axes = _spatial_axes(x.ndim, data_format)
    total = _reduce_windows(_pad(x, axes, padding, 0), pool_size, strides, axes, np.add)
    if all(p == (0, 0) for p in padding):
        return total / np.asarray(np.prod(pool_size), dtype=x.dtype)
    counts = _window_counts(tuple(x.shape[a] for a in axes), tuple(total.shape[a] for a in axes), pool_size,
                            strides, padding, axes, x.ndim)
    return total / counts.astype(x.dtype)


@functools.lru_cache(maxsize=256)
def _adaptive_windows(size, out):
    """PyTorch's adaptive windows of one dimension: (index matrix (out, width) clipped, lengths)."""
    starts = (np.arange(out) * size) // out
    ends = -((-(np.arange(out) + 1) * size) // out)
    lengths = ends - starts
    index = np.minimum(starts[:, None] + np.arange(lengths.max()), (ends - 1)[:, None])
    return index, lengths


def _adaptive(x, output_size, data_format, reduce):
    for a, out in zip(_spatial_axes(x.ndim, data_format), output_size):
        size = x.shape[a]
        if size % out == 0:
            x = x.reshape(*x.shape[:a], out, size // out, *x.shape[a + 1:])
            x = reduce(x, a + 1)
            continue
        index, lengths = _adaptive_windows(size, out)
        gathered = np.take(x, index, axis=a)  # (..., out, width, ...)
        if reduce is _max_along:
            x = gathered.max(axis=a + 1)
        else:
            valid = (np.arange(index.shape[1]) < lengths[:, None]).astype(x.dtype)
            valid = valid.reshape(valid.shape + (1,) * (x.ndim - a - 1))
            lengths = lengths.reshape((-1,) + (1,) * (x.ndim - a - 1)).astype(x.dtype)
            x = (gathered * valid).sum(axis=a + 1) / lengths
    return x


def _max_along(x, axis):
    return x.max(axis=axis)


def _mean_along(x, axis):
    return x.mean(axis=axis, dtype=x.dtype)


def adaptive_max_pool(inputs, output_size, data_format):
    return _adaptive(t(inputs), output_size, data_format, _max_along)


def adaptive_average_pool(inputs, output_size, data_format):
    return _adaptive(to_float(inputs), output_size, data_format, _mean_along)
