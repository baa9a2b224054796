"""jax kernels: indexing, selection and sorting: take, where, get_item, sort, argsort, searchsorted."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import config
from lamina.backend.common.dtypes import FLOAT_TYPES, result_type, standardize_dtype
from lamina.backend.common.variable_base import VariableBase
from lamina.backend.jax._convert import Tensor, promote, promote_many, t, to_float  # noqa: F401
from lamina.backend.jax.core import to_native_dtype

_I32 = jnp.int32


def _key(k):
    """One index item: lists and Variables become arrays (jax refuses list indices)."""
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
    if not jnp.issubdtype(indices.dtype, jnp.integer):
        raise TypeError(f"{op}: indices must be integers, received dtype {indices.dtype}.")
    return indices


def take(x, indices, axis=None):
    return jnp.take(t(x), _index_array("take", indices), axis=axis)


def take_along_axis(x, indices, axis=None):
    x = t(x)
    indices = _index_array("take_along_axis", indices)
    if axis is None:
        return jnp.take_along_axis(x.reshape(-1), indices, axis=0)
    return jnp.take_along_axis(x, indices, axis=axis)


def where(condition, x1, x2):
    x1, x2 = promote(x1, x2)
    return jnp.where(t(condition), x1, x2)


def nonzero(x):
    return tuple(i.astype(_I32) for i in jnp.nonzero(t(x)))


def select(condlist, choicelist, default=0):
    conds = [t(c) for c in condlist]
    for c in conds:
        if c.dtype != jnp.bool_:
            raise TypeError(f"select: conditions must be boolean tensors, received dtype {c.dtype}.")
    choices = promote_many(*choicelist, default)
    default = choices.pop()
    return jnp.select(conds, choices, default)


def sort(x, axis=-1):
    return jnp.sort(t(x), axis=axis)


def argsort(x, axis=-1):
    return jnp.argsort(t(x), axis=axis, stable=True).astype(_I32)


def argpartition(x, kth, axis=-1):
    x = t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return jnp.argpartition(x, kth, axis=axis).astype(_I32)


def searchsorted(sorted_sequence, values, side="left"):
    seq = t(sorted_sequence)
    if seq.ndim != 1:
        raise ValueError(f"searchsorted: sorted_sequence must be 1-D, received shape {seq.shape}.")
    seq, values = promote(seq, values)
    return jnp.searchsorted(seq, values, side=side).astype(_I32)


def digitize(x, bins):
    bins = t(bins)
    if bins.ndim != 1:
        raise ValueError(f"digitize: bins must be 1-D, received shape {bins.shape}.")
    return jnp.digitize(t(x), bins).astype(_I32)


def bincount(x, weights=None, minlength=0):
    x = t(x)
    if not (jnp.issubdtype(x.dtype, jnp.integer) or x.dtype == jnp.bool_):
        raise TypeError(f"bincount: x must hold non-negative integers, received dtype {x.dtype}.")
    if weights is None:
        dtype = "int32"
    else:
        weights = t(weights)
        dtype = result_type(standardize_dtype(x.dtype), standardize_dtype(weights.dtype))
        if weights.shape != x.shape:
            raise ValueError(f"bincount: weights must have the shape of x {x.shape}, received {weights.shape}.")
    if x.ndim not in (1, 2):
        raise ValueError(f"bincount: x must be 1-D or 2-D, received shape {x.shape}.")
    length = max(minlength, int(x.max()) + 1 if x.size else 0)
    if x.ndim == 1:
        out = jnp.bincount(x, weights, length=length)
    else:
        rows = x.shape[0]
        flat = (x.astype(_I32) + jnp.arange(rows, dtype=_I32)[:, None] * length).reshape(-1)
        w = None if weights is None else weights.reshape(-1)
        out = jnp.bincount(flat, w, length=rows * length).reshape(rows, length)
    return out.astype(to_native_dtype(dtype))


def unique(x, return_index=False, return_inverse=False, return_counts=False, axis=None,
           size=None, fill_value=None):
    x = t(x)
    values, index, inverse, counts = jnp.unique(
        x, return_index=True, return_inverse=True, return_counts=True, axis=axis,
        size=size, fill_value=0 if size is not None and fill_value is None else fill_value,
    )
    out = [values]
    if return_index:
        if size is not None:
            n = jnp.count_nonzero(counts)
            index = jnp.where(jnp.arange(size) < n, index, 0)
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
    x = x.astype(dtype)
    if range is None and x.size:
        lo, hi = float(x.min()), float(x.max())
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        range = (lo, hi)
    counts, edges = jnp.histogram(x, bins=bins, range=range)
    return counts.astype(dtype), edges.astype(dtype)
