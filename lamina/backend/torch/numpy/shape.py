"""torch kernels: shape manipulation: reshape, transpose, concatenate, stack, split, pad, tile, flip, tril.

Where torch differs from NumPy (split by indices, padding modes on any rank and
dtype, roll with broadcast shifts, tril of a 1-D tensor) the kernels follow NumPy.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F

from lamina.backend.torch._convert import Tensor, promote, promote_many, t, to_float  # noqa: F401


def reshape(x, newshape):
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    return torch.reshape(t(x), newshape)


def transpose(x, axes=None):
    x = t(x)
    if axes is None:
        return x.permute(tuple(range(x.ndim - 1, -1, -1)))
    return x.permute(tuple(axes))


def expand_dims(x, axis):
    x = t(x)
    if isinstance(axis, int):
        return x.unsqueeze(axis)
    out_ndim = x.ndim + len(axis)
    for a in sorted(int(a) % out_ndim for a in axis):
        x = x.unsqueeze(a)
    return x


def squeeze(x, axis=None):
    x = t(x)
    if axis is None:
        return torch.squeeze(x)
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(
                f"squeeze: cannot squeeze axis {a} of a tensor of shape {tuple(x.shape)}: its size is not 1."
            )
    return torch.squeeze(x, dim=axes)


def ravel(x):
    return t(x).reshape(-1)


def broadcast_to(x, shape):
    return torch.broadcast_to(t(x), shape)


def _same(xs):
    """The inputs as tensors of one promoted dtype (no work when they already agree)."""
    first = xs[0]
    if isinstance(first, Tensor) and all(isinstance(x, Tensor) and x.dtype == first.dtype for x in xs):
        return list(xs)
    return promote_many(*xs)


def concatenate(xs, axis=0):
    xs = _same(xs)
    if axis is None:
        return torch.cat([x.reshape(-1) for x in xs])
    return torch.cat(xs, dim=axis)


def stack(x, axis=0):
    return torch.stack(_same(x), dim=axis)


def hstack(xs):
    return torch.hstack(_same(xs))


def vstack(xs):
    return torch.vstack(_same(xs))


def dstack(xs):
    return torch.dstack(_same(xs))


def append(x1, x2, axis=None):
    x1, x2 = promote(x1, x2)
    if axis is None:
        return torch.cat([x1.reshape(-1), x2.reshape(-1)])
    return torch.cat([x1, x2], dim=axis)


def _slices(x, bounds, axis):
    lead = (slice(None),) * (axis % x.ndim)
    return [x[lead + (slice(lo, hi),)] for lo, hi in zip(bounds[:-1], bounds[1:])]


def split(x, indices_or_sections, axis=0):
    x = t(x)
    if isinstance(indices_or_sections, (int, np.integer)):
        k, n = int(indices_or_sections), x.shape[axis]
        if n % k:
            raise ValueError(
                f"split: the size of axis {axis} ({n}) is not divisible into {k} equal "
                "sections; use array_split for unequal sections."
            )
        return list(torch.split(x, n // k, dim=axis))
    points = [int(i) for i in np.asarray(indices_or_sections).reshape(-1)]
    return _slices(x, [0] + points + [None], axis)


def array_split(x, indices_or_sections, axis=0):
    x = t(x)
    if isinstance(indices_or_sections, (int, np.integer)):
        k, n = int(indices_or_sections), x.shape[axis]
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        return list(torch.split(x, sizes, dim=axis))
    return split(x, indices_or_sections, axis=axis)


def tile(x, repeats):
    reps = (int(repeats),) if isinstance(repeats, (int, np.integer)) else tuple(int(r) for r in repeats)
    return torch.tile(t(x), reps)


def repeat(x, repeats, axis=None):
    x = t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if not isinstance(repeats, int):
        repeats = t(repeats)
        repeats = int(repeats) if repeats.ndim == 0 else repeats.to(device=x.device, dtype=torch.int64)
    return torch.repeat_interleave(x, repeats, dim=axis)


def flip(x, axis=None):
    x = t(x)
    if axis is None:
        return torch.flip(x, tuple(range(x.ndim)))
    return torch.flip(x, tuple(axis) if isinstance(axis, (list, tuple)) else (axis,))


def roll(x, shift, axis=None):
    x = t(x)
    if axis is None:
        return torch.roll(x, shift)
    shifts = list(shift) if isinstance(shift, (list, tuple)) else [shift]
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(axes) == 1:
        axes = axes * len(shifts)
    return torch.roll(x, tuple(int(s) for s in shifts), tuple(int(a) for a in axes))


def rot90(array, k=1, axes=(0, 1)):
    return torch.rot90(t(array), k, tuple(axes))


def moveaxis(x, source, destination):
    src = tuple(source) if isinstance(source, (list, tuple)) else source
    dst = tuple(destination) if isinstance(destination, (list, tuple)) else destination
    return torch.movedim(t(x), src, dst)


def swapaxes(x, axis1, axis2):
    return torch.swapaxes(t(x), axis1, axis2)


@functools.lru_cache(maxsize=256)
def _pad_source(mode, n, before, after):
    """For each padded position along one axis, the index of the input element it copies."""
    i = np.arange(-before, n + after)
    if mode == "edge":
        return np.clip(i, 0, n - 1)
    if mode == "wrap":
        return i % n
    if mode == "reflect":
        if n == 1:
            return np.zeros_like(i)
        period = 2 * (n - 1)
        j = i % period
        return np.where(j < n, j, period - j)
    period = 2 * n  # symmetric
    j = i % period
    return np.where(j < n, j, period - 1 - j)


def _stat(mode, x, axis):
    if mode == "maximum":
        return torch.amax(x, dim=axis, keepdim=True)
    if mode == "minimum":
        return torch.amin(x, dim=axis, keepdim=True)
    xf = x if (x.is_floating_point() or x.is_complex()) else x.to(torch.float64)
    if mode == "mean":
        s = torch.mean(xf, dim=axis, keepdim=True)
    else:  # median: the mean of the two middle values, as in NumPy
        srt = torch.sort(xf, dim=axis).values
        n = x.shape[axis]
        s = (srt.narrow(axis, (n - 1) // 2, 1) + srt.narrow(axis, n // 2, 1)) / 2
    if not (x.is_floating_point() or x.is_complex()):
        s = torch.round(s)
    return s.to(x.dtype)


def pad(x, pad_width, mode="constant", constant_values=None):
    x = t(x)
    if mode in ("constant", "empty"):
        flat = []
        for before, after in reversed(pad_width):
            flat += [before, after]
        value = 0 if constant_values is None else constant_values
        if isinstance(value, (Tensor, np.ndarray)) and value.ndim == 0:
            value = value.item()
        if not isinstance(value, (int, float, bool)):
            raise ValueError(f"pad: on the torch backend constant_values must be a scalar, received {value!r}.")
        return F.pad(x, flat, mode="constant", value=value)
    if mode == "linear_ramp":
        raise NotImplementedError("pad: mode='linear_ramp' is not supported on the torch backend.")
    for axis, (before, after) in enumerate(pad_width):
        if not (before or after):
            continue
        n = x.shape[axis]
        if n == 0:
            raise ValueError(f"pad: cannot pad an empty axis ({axis}) with mode={mode!r}.")
        if mode in ("maximum", "minimum", "mean", "median"):
            s = _stat(mode, x, axis)
            parts = [s.expand(*[before if i == axis else -1 for i in range(x.ndim)]), x,
                     s.expand(*[after if i == axis else -1 for i in range(x.ndim)])]
            x = torch.cat(parts, dim=axis)
        else:
            idx = torch.as_tensor(_pad_source(mode, n, before, after), device=x.device)
            x = torch.index_select(x, axis, idx)
    return x


def _at_least_2d(x):
    return x.expand(x.shape[0], x.shape[0]) if x.ndim == 1 else x


def tril(x, k=0):
    return torch.tril(_at_least_2d(t(x)), diagonal=k)


def triu(x, k=0):
    return torch.triu(_at_least_2d(t(x)), diagonal=k)


def diag(x, k=0):
    x = t(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"diag: x must be 1-D or 2-D, received shape {tuple(x.shape)}.")
    return torch.diag(x, diagonal=k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    return torch.diagonal(t(x), offset=offset, dim1=axis1, dim2=axis2)


def diagflat(x, k=0):
    return torch.diagflat(t(x), offset=k)


def unravel_index(indices, shape):
    idx = t(indices)
    out = []
    for d in reversed(shape):
        out.append(torch.remainder(idx, d))
        idx = torch.div(idx, d, rounding_mode="floor")
    return tuple(reversed(out))
