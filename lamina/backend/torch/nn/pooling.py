"""torch kernels: pooling: max_pool, average_pool, adaptive pooling.

Called by ``lamina.ops.nn`` with normalized arguments (tuples of ints,
explicit ``(before, after)`` padding pairs, a data_format string).
Channels-last inputs are viewed as NC... with ``movedim`` (no copy).
Symmetric padding is left to torch; the asymmetric "same" case pads here and,
for averages, rescales by the number of real positions in each window.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from lamina.backend.torch._convert import t, to_float

_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
_ADAPTIVE_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
_ADAPTIVE_AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}


def _to_first(x, data_format):
    return x.movedim(-1, 1) if data_format == "channels_last" else x


def _from_first(y, data_format):
    return y.movedim(1, -1) if data_format == "channels_last" else y


def _flat(padding):
    flat = []
    for lo, hi in reversed(padding):
        flat += [lo, hi]
    return flat


def _lowest(dtype):
    if dtype.is_floating_point:
        return float("-inf")
    if dtype == torch.bool:
        return False
    return torch.iinfo(dtype).min


def max_pool(inputs, pool_size, strides, padding, data_format):
    x = _to_first(t(inputs), data_format)
    n = x.ndim - 2
    if not x.is_floating_point():
        # torch has no integer max-pool kernel on CPU: exact windows by unfold + amax instead.
        if any(lo or hi for lo, hi in padding):
            x = F.pad(x, _flat(padding), value=_lowest(x.dtype))
        for i, (k, s) in enumerate(zip(pool_size, strides)):
            x = x.unfold(2 + i, k, s).amax(-1)
        return _from_first(x, data_format)
    if all(lo == hi for lo, hi in padding):
        y = _MAX[n](x, pool_size, strides, tuple(lo for lo, _ in padding))
    else:
        y = _MAX[n](F.pad(x, _flat(padding), value=_lowest(x.dtype)), pool_size, strides)
    return _from_first(y, data_format)


@functools.lru_cache(maxsize=256)
def _window_scale(sizes, outs, pool_size, strides, padding, dtype, device):
    """Per output window: pool volume / number of real (not padded) positions in it."""
    scale = torch.ones((), dtype=torch.float64)
    for size, out, k, s, (before, _) in zip(sizes, outs, pool_size, strides, padding):
        starts = torch.arange(out, dtype=torch.float64) * s - before
        counts = torch.minimum(starts + k, torch.tensor(float(size))) - torch.clamp(starts, min=0)
        scale = scale[..., None] * (k / counts)
    return scale.to(dtype=dtype, device=device)


def average_pool(inputs, pool_size, strides, padding, data_format):
    x = _to_first(to_float(inputs), data_format)
    n = x.ndim - 2
    if all(lo == hi for lo, hi in padding):
        y = _AVG[n](x, pool_size, strides, tuple(lo for lo, _ in padding), False, False)
    else:
        y = _AVG[n](F.pad(x, _flat(padding)), pool_size, strides, 0, False, True)
        y = y * _window_scale(tuple(x.shape[2:]), tuple(y.shape[2:]), pool_size, strides, padding, y.dtype,
                              y.device)
    return _from_first(y, data_format)


def _size_arg(output_size):
    return output_size[0] if len(output_size) == 1 else output_size


def adaptive_max_pool(inputs, output_size, data_format):
    x = _to_first(t(inputs), data_format)
    n = x.ndim - 2
    if x.is_floating_point():
        y = _ADAPTIVE_MAX[n](x, _size_arg(output_size))
    else:  # torch has no integer kernel: exact in float64 for |values| < 2**53
        y = _ADAPTIVE_MAX[n](x.to(torch.float64), _size_arg(output_size)).to(x.dtype)
    return _from_first(y, data_format)


def adaptive_average_pool(inputs, output_size, data_format):
    x = _to_first(to_float(inputs), data_format)
    return _from_first(_ADAPTIVE_AVG[x.ndim - 2](x, _size_arg(output_size)), data_format)
