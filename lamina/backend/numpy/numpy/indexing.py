"""numpy kernels: indexing, selection and sorting: take, where, get_item, sort, argsort, searchsorted."""

from __future__ import annotations

import numpy as np

from lamina import config
from lamina.backend.common.dtypes import FLOAT_TYPES, result_type, standardize_dtype
from lamina.backend.common.variable_base import VariableBase
from lamina.backend.numpy._convert import Tensor, promote, promote_many, t, to_float  # noqa: F401
from lamina.backend.numpy.core import to_native_dtype

_I32 = np.dtype("int32")


def _key(k):
    """One index item: lists, Variables and foreign arrays become numpy arrays."""
    if isinstance(k, (list, VariableBase)):
        return t(k)
    return k


def get_item(x, key):
    x = t(x)
    if type(key) is tuple:
        return x[tuple(_key(k) for k in key)]
    return x[_key(key)]


def _index_array(op, indices):
    if isinstance(indices, int):
        return indices
    indices = t(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, received dtype {indices.dtype}.")
    return indices


def take(x, indices, axis=None):
    return np.take(t(x), _index_array("take", indices), axis=axis)


def take_along_axis(x, indices, axis=None):
    x = t(x)
    indices = _index_array("take_along_axis", indices)
    if axis is None:
        return np.take_along_axis(x.reshape(-1), indices, axis=0)
    return np.take_along_axis(x, indices, axis=axis)


def where(condition, x1, x2):
    x1, x2 = promote(x1, x2)
    return np.where(t(condition), x1, x2)


def nonzero(x):
    return tuple(i.astype(_I32) for i in np.nonzero(t(x)))


def select(condlist, choicelist, default=0):
    conds = [t(c) for c in condlist]
    for c in conds:
        if c.dtype != np.bool_:
            raise TypeError(f"select: conditions must be boolean tensors, received dtype {c.dtype}.")
    choices = promote_many(*choicelist, default)
    default = choices.pop()
    return np.select(conds, choices, default)


def sort(x, axis=-1):
    return np.sort(t(x), axis=axis)


def argsort(x, axis=-1):
    return np.argsort(t(x), axis=axis, kind="stable").astype(_I32)


def argpartition(x, kth, axis=-1):
    return np.argpartition(t(x), kth, axis=axis).astype(_I32)


def searchsorted(sorted_sequence, values, side="left"):
    seq = t(sorted_sequence)
    if seq.ndim != 1:
        raise ValueError(f"searchsorted: sorted_sequence must be 1-D, received shape {seq.shape}.")
    return np.asarray(np.searchsorted(seq, t(values), side=side), dtype=_I32)


def digitize(x, bins):
    bins = t(bins)
    if bins.ndim != 1:
        raise ValueError(f"digitize: bins must be 1-D, received shape {bins.shape}.")
    return np.asarray(np.digitize(t(x), bins), dtype=_I32)


def bincount(x, weights=None, minlength=0):
    x = t(x)
    if x.dtype.kind not in "iub":
        raise TypeError(f"bincount: x must hold non-negative integers, received dtype {x.dtype}.")
    if weights is None:
        dtype = "int32"
    else:
        weights = t(weights)
        dtype = result_type(x.dtype, weights.dtype)
        if weights.shape != x.shape:
            raise ValueError(f"bincount: weights must have the shape of x {x.shape}, received {weights.shape}.")
    if x.ndim == 1:
        out = np.bincount(x, weights, minlength=minlength)
    elif x.ndim == 2:
        length = max(minlength, int(x.max()) + 1 if x.size else 0)
        rows = [np.bincount(r, None if weights is None else weights[i], minlength=length) for i, r in enumerate(x)]
        out = np.stack(rows) if rows else np.zeros((0, length))
    else:
        raise ValueError(f"bincount: x must be 1-D or 2-D, received shape {x.shape}.")
    return out.astype(dtype)


def _fit(a, size, dim, fill):
    """Pad (with ``fill``) or truncate ``a`` along ``dim`` to ``size``."""
    n = a.shape[dim]
    if n > size:
        return np.take(a, np.arange(size), axis=dim)
    if n < size:
        widths = [(0, 0)] * a.ndim
        widths[dim] = (0, size - n)
        return np.pad(a, widths, constant_values=fill)
    return a


def unique(x, return_index=False, return_inverse=False, return_counts=False, axis=None,
           size=None, fill_value=None):
    x = t(x)
    values, index, inverse, counts = np.unique(
        x, return_index=True, return_inverse=True, return_counts=True, axis=axis, equal_nan=False
    )
    if size is not None:
        dim = 0 if axis is None else axis
        values = _fit(values, size, dim, 0 if fill_value is None else fill_value)
        index, counts = _fit(index, size, 0, 0), _fit(counts, size, 0, 0)
    out = [values]
    if return_index:
        out.append(index.astype(_I32))
    if return_inverse:
        out.append(inverse.reshape(x.shape if axis is None else -1).astype(_I32))
    if return_counts:
        out.append(counts.astype(_I32))
    return out


def histogram(x, bins=10, range=None):
    x = t(x)
    if x.ndim != 1:
        raise ValueError(f"histogram: x must be 1-D, received shape {x.shape}.")
    name = standardize_dtype(x.dtype)
    dtype = to_native_dtype(name if name in FLOAT_TYPES else config.floatx())
    counts, edges = np.histogram(x, bins=bins, range=range)
    return counts.astype(dtype), edges.astype(dtype)
