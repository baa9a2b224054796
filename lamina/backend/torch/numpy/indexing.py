"""torch kernels: indexing, selection and sorting: take, where, get_item, sort, argsort, searchsorted.

``get_item`` follows NumPy where torch does not: negative slice steps (done with
a flip), integer indices mixed with index tensors (NumPy treats the ints as
advanced indices), non-int64 integer index tensors.
"""

from __future__ import annotations

import operator

import numpy as np
import torch

from lamina import config
from lamina.backend.common.dtypes import FLOAT_TYPES, result_type
from lamina.backend.torch._convert import Tensor, promote, promote_many, t, to_float  # noqa: F401
from lamina.backend.torch.core import _DTYPES, _NAMES

_INDEX_DTYPES = (torch.int64, torch.int32)


# --------------------------------------------------------------------------
# get_item
# --------------------------------------------------------------------------
def _basic(k) -> bool:
    tk = type(k)
    if tk is int or k is None or k is Ellipsis:
        return True
    if tk is slice:
        step = k.step
        return step is None or (type(step) is int and step > 0)
    return False


def get_item(x, key):
    x = t(x)
    if type(key) is not tuple:
        if _basic(key):
            return x[key]
        key = (key,)
    elif all(_basic(k) for k in key):
        return x[key]
    return _numpy_style_get_item(x, key)


def _as_index(k):
    """An index item other than int/slice/None/Ellipsis as a bool or int32/int64 tensor."""
    if not isinstance(k, Tensor):
        k = t(k)
    if k.dtype == torch.bool or k.dtype in _INDEX_DTYPES:
        return k
    if k.is_floating_point() or k.is_complex():
        raise IndexError(f"get_item: index tensors must be integers or booleans, received dtype {_NAMES[k.dtype]}.")
    return k.long()  # uint8 would otherwise be read as a mask


def _norm_slice(s: slice) -> slice:
    return slice(*(None if v is None else operator.index(v) for v in (s.start, s.stop, s.step)))


def _numpy_style_get_item(x, key):
    items = []
    for k in key:
        if k is None or k is Ellipsis or isinstance(k, bool):
            items.append(k)
        elif isinstance(k, slice):
            items.append(_norm_slice(k))
        elif isinstance(k, (int, np.integer)):
            items.append(int(k))
        else:
            items.append(_as_index(k))

    def width(k):  # axes of x that an item consumes
        if k is None or k is Ellipsis or isinstance(k, bool):
            return 0
        if isinstance(k, Tensor) and k.dtype == torch.bool:
            return k.ndim
        return 1

    consumed = sum(width(k) for k in items)
    # Negative steps: flip those axes once, then slice forwards.
    flips, out, dim = [], [], 0
    for k in items:
        if k is Ellipsis:
            dim += x.ndim - consumed
        elif isinstance(k, slice) and k.step is not None and k.step < 0:
            n = x.shape[dim]
            start, stop, step = k.indices(n)
            count = len(range(start, stop, step))
            first = n - 1 - start
            k = slice(first, first + count * -step, -step) if count else slice(0, 0)
            flips.append(dim)
        out.append(k)
        dim += width(k)
    if flips:
        x = torch.flip(x, flips)
    # NumPy counts ints as advanced indices once an index tensor is present; torch applies them
    # first. Turning them into tensors of the broadcast shape gives NumPy's result layout.
    has_array = any(isinstance(k, Tensor) and k.ndim > 0 for k in out)
    has_int = any(type(k) is int or (isinstance(k, Tensor) and k.ndim == 0 and k.dtype != torch.bool) for k in out)
    if has_array and has_int:
        expanded = []
        for k in out:
            if isinstance(k, Tensor) and k.dtype == torch.bool and k.ndim > 0:
                expanded.extend(torch.nonzero(k, as_tuple=True))
            else:
                expanded.append(k)
        shape = torch.broadcast_shapes(*[k.shape for k in expanded if isinstance(k, Tensor) and k.dtype != torch.bool])
        out = []
        for k in expanded:
            if type(k) is int:
                k = torch.full(shape, k, dtype=torch.int64, device=x.device)
            elif isinstance(k, Tensor) and k.ndim == 0 and k.dtype != torch.bool:
                k = k.expand(shape)
            out.append(k)
    return x[tuple(out)]


# --------------------------------------------------------------------------
# take, take_along_axis
# --------------------------------------------------------------------------
def _int_tensor(op, indices, device):
    idx = indices if isinstance(indices, Tensor) else t(indices)
    if idx.is_floating_point() or idx.is_complex() or idx.dtype == torch.bool:
        raise TypeError(f"{op}: indices must be integers, received dtype {_NAMES[idx.dtype]}.")
    if idx.device != device:
        idx = idx.to(device)
    return idx


def take(x, indices, axis=None):
    x = t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axis % x.ndim
    if isinstance(indices, int):
        return x.select(axis, indices)
    idx = _int_tensor("take", indices, x.device)
    if idx.dtype not in _INDEX_DTYPES:
        idx = idx.long()
    # One advanced index: negative indices wrap, and the index shape replaces the axis.
    return x[(slice(None),) * axis + (idx,)] if axis else x[idx]


def take_along_axis(x, indices, axis=None):
    x = t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    idx = _int_tensor("take_along_axis", indices, x.device).long()
    n = x.shape[axis]
    idx = torch.where(idx < 0, idx + n, idx)
    return torch.take_along_dim(x, idx, dim=axis)


# --------------------------------------------------------------------------
# where, nonzero, select
# --------------------------------------------------------------------------
def _bool(c):
    c = t(c)
    return c if c.dtype == torch.bool else c != 0


def _adopts(tensor, scalar) -> bool:
    """True when a weak Python scalar takes ``tensor``'s dtype (no conversion needed)."""
    if type(scalar) is float:
        return tensor.is_floating_point()
    return type(scalar) is int and tensor.dtype != torch.bool and not tensor.is_complex()


def where(condition, x1, x2):
    condition = _bool(condition)
    if isinstance(x1, Tensor) and _adopts(x1, x2) or isinstance(x2, Tensor) and _adopts(x2, x1):
        return torch.where(condition, x1, x2)
    x1, x2 = promote(x1, x2)
    return torch.where(condition, x1, x2)


def nonzero(x):
    return tuple(i.to(torch.int32) for i in torch.nonzero(t(x), as_tuple=True))


def select(condlist, choicelist, default=0):
    conds = [t(c) for c in condlist]
    for c in conds:
        if c.dtype != torch.bool:
            raise TypeError(f"select: conditions must be boolean tensors, received dtype {_NAMES[c.dtype]}.")
    choices = promote_many(*choicelist, default)
    out = choices.pop()
    for c, choice in zip(reversed(conds), reversed(choices)):
        out = torch.where(c, choice, out)
    shape = torch.broadcast_shapes(*[c.shape for c in conds], *[c.shape for c in choices])
    return out if out.shape == shape else out.expand(shape)


# --------------------------------------------------------------------------
# sorting and searching
# --------------------------------------------------------------------------
def sort(x, axis=-1):
    x = t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.sort(x, dim=axis).values


def argsort(x, axis=-1):
    x = t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)


def argpartition(x, kth, axis=-1):
    # A full (stable) sort is one valid partition.
    return argsort(x, axis=axis)


def searchsorted(sorted_sequence, values, side="left"):
    seq, values = promote(sorted_sequence, values)
    if seq.ndim != 1:
        raise ValueError(f"searchsorted: sorted_sequence must be 1-D, received shape {tuple(seq.shape)}.")
    if values.ndim == 0:
        return torch.searchsorted(seq, values.reshape(1), side=side, out_int32=True).reshape(())
    return torch.searchsorted(seq, values, side=side, out_int32=True)


def digitize(x, bins):
    x, bins = promote(x, bins)
    if bins.ndim != 1:
        raise ValueError(f"digitize: bins must be 1-D, received shape {tuple(bins.shape)}.")
    return torch.bucketize(x, bins, right=True, out_int32=True)


def bincount(x, weights=None, minlength=0):
    x = t(x)
    if x.is_floating_point() or x.is_complex():
        raise TypeError(f"bincount: x must hold non-negative integers, received dtype {_NAMES[x.dtype]}.")
    if weights is None:
        dtype = torch.int32
    else:
        weights = t(weights)
        dtype = _DTYPES[result_type(_NAMES[x.dtype], _NAMES[weights.dtype])]
        if weights.shape != x.shape:
            raise ValueError(
                f"bincount: weights must have the shape of x {tuple(x.shape)}, received {tuple(weights.shape)}."
            )
    if x.ndim == 1:
        out = torch.bincount(x, weights=weights, minlength=minlength)
    elif x.ndim == 2:
        rows = x.shape[0]
        length = max(minlength, int(x.max()) + 1 if x.numel() else 0)
        offsets = torch.arange(rows, device=x.device).unsqueeze(1) * length
        flat = (x.long() + offsets).reshape(-1)
        w = None if weights is None else weights.reshape(-1)
        out = torch.bincount(flat, weights=w, minlength=rows * length).reshape(rows, length)
    else:
        raise ValueError(f"bincount: x must be 1-D or 2-D, received shape {tuple(x.shape)}.")
    return out.to(dtype)


def _fit(a, size, dim, fill):
    n = a.shape[dim]
    if n > size:
        return a.narrow(dim, 0, size)
    if n < size:
        shape = list(a.shape)
        shape[dim] = size - n
        return torch.cat([a, torch.full(shape, fill, dtype=a.dtype, device=a.device)], dim=dim)
    return a


def unique(x, return_index=False, return_inverse=False, return_counts=False, axis=None,
           size=None, fill_value=None):
    x = t(x)
    values, inverse, counts = torch.unique(x, sorted=True, return_inverse=True, return_counts=True, dim=axis)
    dim = 0 if axis is None else axis % x.ndim
    out = [values]
    if return_index:
        flat = inverse.reshape(-1)
        m = flat.numel()
        first = torch.full((values.shape[dim],), m, dtype=torch.int64, device=x.device)
        index = first.scatter_reduce(0, flat, torch.arange(m, device=x.device), reduce="amin")
    if size is not None:
        out[0] = _fit(values, size, dim, 0 if fill_value is None else fill_value)
        counts = _fit(counts, size, 0, 0)
        if return_index:
            index = _fit(index, size, 0, 0)
    if return_index:
        out.append(index.to(torch.int32))
    if return_inverse:
        out.append(inverse.reshape(x.shape if axis is None else (-1,)).to(torch.int32))
    if return_counts:
        out.append(counts.to(torch.int32))
    return out


def histogram(x, bins=10, range=None):
    x = t(x)
    if x.ndim != 1:
        raise ValueError(f"histogram: x must be 1-D, received shape {tuple(x.shape)}.")
    name = _NAMES[x.dtype]
    dtype = _DTYPES[name if name in FLOAT_TYPES else config.floatx()]
    x = x.to(dtype)
    if range is not None:
        lo, hi = float(range[0]), float(range[1])
    elif x.numel():
        lo, hi = float(x.min()), float(x.max())
    else:
        lo, hi = 0.0, 1.0
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = torch.linspace(lo, hi, bins + 1, dtype=torch.float64, device=x.device).to(dtype)
    idx = torch.bucketize(x, edges, right=True) - 1
    keep = (x >= edges[0]) & (x <= edges[-1])
    idx = torch.clamp(idx, max=bins - 1)[keep]
    counts = torch.bincount(idx, minlength=bins)
    return counts.to(dtype), edges
