"""jax kernels: pooling: max_pool, average_pool, adaptive pooling.

Called by ``lamina.ops.nn`` with normalized arguments (tuples of ints,
explicit ``(before, after)`` padding pairs, a data_format string). Pooling is
``lax.reduce_window`` (differentiable max / sum); the per-window counts of
"same" averages and the adaptive windows depend only on shapes, so they are
computed once with NumPy and enter the trace as constants.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np
from jax import lax

from lamina.backend.jax._convert import t, to_float


def _spatial_axes(ndim, data_format):
    n = ndim - 2
    return tuple(range(1, n + 1)) if data_format == "channels_last" else tuple(range(2, n + 2))


def _window_args(ndim, pool_size, strides, padding, data_format):
    dims, steps, pads = [1] * ndim, [1] * ndim, [(0, 0)] * ndim
    for a, k, s, p in zip(_spatial_axes(ndim, data_format), pool_size, strides, padding):
        dims[a], steps[a], pads[a] = k, s, tuple(p)
    return tuple(dims), tuple(steps), tuple(pads)


def _lowest(dtype):
    if jnp.issubdtype(dtype, jnp.floating):
        return np.array(-np.inf, dtype=dtype)
    if dtype == jnp.bool_:
        return np.array(False)
    return np.array(np.iinfo(dtype).min, dtype=dtype)


def max_pool(inputs, pool_size, strides, padding, data_format):
    x = t(inputs)
    dims, steps, pads = _window_args(x.ndim, pool_size, strides, padding, data_format)
    return lax.reduce_window(x, _lowest(x.dtype), lax.max, dims, steps, pads)


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
    dims, steps, pads = _window_args(x.ndim, pool_size, strides, padding, data_format)
    total = lax.reduce_window(x, np.array(0, dtype=x.dtype), lax.add, dims, steps, pads)
    if all(p == (0, 0) for p in padding):
        return total / np.array(np.prod(pool_size), dtype=x.dtype)
    axes = _spatial_axes(x.ndim, data_format)
    counts = _window_counts(tuple(x.shape[a] for a in axes), tuple(total.shape[a] for a in axes), pool_size,
                            strides, padding, axes, x.ndim)
    return total / counts.astype(x.dtype)


@functools.lru_cache(maxsize=256)
def _adaptive_windows(size, out):
    """PyTorch's adaptive windows of one dimension: (index matrix (out, width) clipped, valid mask)."""
    starts = (np.arange(out) * size) // out
    ends = -((-(np.arange(out) + 1) * size) // out)
    width = int((ends - starts).max())
    index = np.minimum(starts[:, None] + np.arange(width), (ends - 1)[:, None])
    mask = np.arange(width) < (ends - starts)[:, None]
    return index, mask, ends - starts


def _adaptive(x, output_size, data_format, use_max):
    for a, out in zip(_spatial_axes(x.ndim, data_format), output_size):
        size = x.shape[a]
        if size % out == 0:
            x = x.reshape(*x.shape[:a], out, size // out, *x.shape[a + 1:])
            x = x.max(axis=a + 1) if use_max else x.mean(axis=a + 1, dtype=x.dtype)
            continue
        index, mask, lengths = _adaptive_windows(size, out)
        gathered = jnp.take(x, index, axis=a)  # (..., out, width, ...)
        if use_max:
            x = gathered.max(axis=a + 1)
        else:
            tail = (1,) * (x.ndim - a - 1)
            weights = (mask / lengths[:, None]).astype(x.dtype).reshape(mask.shape + tail)
            x = (gathered * weights).sum(axis=a + 1)
    return x


def adaptive_max_pool(inputs, output_size, data_format):
    return _adaptive(t(inputs), output_size, data_format, True)


def adaptive_average_pool(inputs, output_size, data_format):
    return _adaptive(to_float(inputs), output_size, data_format, False)
