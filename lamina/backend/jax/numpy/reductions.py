"""jax kernels: reductions and scans: sum, mean, max, std, argmax, cumsum, median, quantile.

Output dtypes follow Keras 3 (see lamina/ops/numpy/reductions.py); the rules
are precomputed per input dtype so a call costs one dict lookup. Every kernel
is traceable (no Python branching on values), so it works under ``jax.jit``.
"""

from __future__ import annotations

import builtins
import functools

import jax
import jax.numpy as jnp
import numpy as np

from lamina import config
from lamina.backend.common.dtypes import ALLOWED_DTYPES, result_type
from lamina.backend.jax._convert import t
from lamina.backend.jax.core import to_native_dtype

_NAMES = tuple(d for d in ALLOWED_DTYPES if d != "string")
_F32 = jnp.dtype("float32")
_F64 = jnp.dtype("float64")
_I32 = jnp.dtype("int32")
_BOOL = jnp.dtype("bool")


def _native(name):
    return jnp.dtype(to_native_dtype(name))


def _table(rule) -> dict:
    """{input dtype: output dtype} for a rule on dtype names."""
    return {_native(n): _native(rule(n)) for n in _NAMES}


def _acc(name: str) -> str:
    if name in ("bool", "int8", "int16"):
        return "int32"
    if name in ("uint8", "uint16"):
        return "uint32"
    return name


_SUM = _table(lambda n: _acc(result_type(n)))          # sum, nansum
_PROD = _table(_acc)                                    # prod, nanprod
_NARROW = _table(lambda n: result_type(n))              # nanmax, nanmin
_MEAN = _table(lambda n: n if n.startswith(("float", "bfloat", "complex")) else "float32")


def _ax(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _is_float(x) -> bool:
    return jnp.issubdtype(x.dtype, jnp.inexact)


def _floatx():
    return _native(config.floatx())


def _float_out(x):
    """``result_type(x, float)``: floats keep their narrowed type, everything else becomes floatx."""
    return _NARROW[x.dtype] if _is_float(x) else _floatx()


def _compute(out):
    """The dtype a float statistic is computed in: float64 and complex stay, the rest uses float32."""
    return out if out == _F64 or jnp.issubdtype(out, jnp.complexfloating) else _F32


# ---------------------------------------------------------------- sums and means
def sum(x, axis=None, keepdims=False):
    x = t(x)
    return jnp.sum(x, axis=_ax(axis), keepdims=keepdims, dtype=_SUM[x.dtype])


def nansum(x, axis=None, keepdims=False):
    x = t(x)
    return jnp.nansum(x, axis=_ax(axis), keepdims=keepdims, dtype=_SUM[x.dtype])


def mean(x, axis=None, keepdims=False):
    x = t(x)
    out = _MEAN[x.dtype]
    if x.dtype == out and out != _F32:
        return jnp.mean(x, axis=_ax(axis), keepdims=keepdims, dtype=_compute(out)).astype(out)
    return jnp.mean(x, axis=_ax(axis), keepdims=keepdims, dtype=out)


def nanmean(x, axis=None, keepdims=False):
    x = t(x)
    out = _float_out(x)
    return jnp.nanmean(x.astype(_compute(out)), axis=_ax(axis), keepdims=keepdims).astype(out)


def prod(x, axis=None, keepdims=False, dtype=None):
    x = t(x)
    out = _PROD[x.dtype] if dtype is None else _native(dtype)
    return jnp.prod(x, axis=_ax(axis), keepdims=keepdims, dtype=out)


def nanprod(x, axis=None, keepdims=False):
    x = t(x)
    return jnp.nanprod(x, axis=_ax(axis), keepdims=keepdims, dtype=_PROD[x.dtype])


def average(x, axis=None, weights=None):
    x = t(x)
    if weights is None:
        out = _float_out(x)
        return jnp.mean(x.astype(_compute(out)), axis=_ax(axis)).astype(out)
    w = t(weights)
    out = _native(result_type(x.dtype, float, w.dtype))
    cd = _compute(out)
    x, w = x.astype(cd), w.astype(cd)
    if w.shape != x.shape:
        if w.ndim != 1 or axis is None or isinstance(axis, (list, tuple)) or w.shape[0] != x.shape[axis]:
            raise ValueError(f"weights of shape {w.shape} do not fit x of shape {x.shape} along axis {axis!r}")
        shape = [1] * x.ndim
        shape[axis] = w.shape[0]
        w = jnp.broadcast_to(w.reshape(shape), x.shape)
    return (jnp.sum(x * w, axis=_ax(axis)) / jnp.sum(w, axis=_ax(axis))).astype(out)


# ---------------------------------------------------------------- extremes
def max(x, axis=None, keepdims=False, initial=None):
    return jnp.max(t(x), axis=_ax(axis), keepdims=keepdims, initial=initial)


def min(x, axis=None, keepdims=False, initial=None):
    return jnp.min(t(x), axis=_ax(axis), keepdims=keepdims, initial=initial)


def amax(x, axis=None, keepdims=False):
    return jnp.max(t(x), axis=_ax(axis), keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    return jnp.min(t(x), axis=_ax(axis), keepdims=keepdims)


def _nan_extreme(fn, fill, x, axis, keepdims):
    x = t(x)
    if not _is_float(x):
        return fn(x, axis=_ax(axis), keepdims=keepdims).astype(_NARROW[x.dtype])
    return _nan_extreme_float(fn, fill, x, _ax(axis), keepdims)


@functools.partial(jax.jit, static_argnums=(0, 1, 3, 4))
def _nan_extreme_float(fn, fill, x, axis, keepdims):
    mask = jnp.isnan(x)
    out = fn(jnp.where(mask, fill, x), axis=_ax(axis), keepdims=keepdims)
    out = jnp.where(jnp.all(mask, axis=_ax(axis), keepdims=keepdims), jnp.nan, out)
    return out.astype(_NARROW[x.dtype])


def nanmax(x, axis=None, keepdims=False):
    return _nan_extreme(jnp.max, -jnp.inf, x, axis, keepdims)


def nanmin(x, axis=None, keepdims=False):
    return _nan_extreme(jnp.min, jnp.inf, x, axis, keepdims)


def ptp(x, axis=None, keepdims=False):
    x = t(x)
    if x.dtype == _BOOL:
        raise TypeError("boolean inputs are not supported (max - min is undefined for bool)")
    return jnp.ptp(x, axis=_ax(axis), keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    return jnp.argmax(t(x), axis=axis, keepdims=keepdims).astype(_I32)


def argmin(x, axis=None, keepdims=False):
    return jnp.argmin(t(x), axis=axis, keepdims=keepdims).astype(_I32)


def _nan_arg(fn, fill, x, axis, keepdims):
    x = t(x)
    if not _is_float(x):
        return fn(x, axis=axis, keepdims=keepdims).astype(_I32)
    return _nan_arg_float(fn, fill, x, axis, keepdims)


@functools.partial(jax.jit, static_argnums=(0, 1, 3, 4))
def _nan_arg_float(fn, fill, x, axis, keepdims):
    mask = jnp.isnan(x)
    idx = fn(jnp.where(mask, fill, x), axis=axis, keepdims=keepdims).astype(_I32)
    return jnp.where(jnp.all(mask, axis=axis, keepdims=keepdims), jnp.int32(-1), idx)


def nanargmax(x, axis=None, keepdims=False):
    return _nan_arg(jnp.argmax, -jnp.inf, x, axis, keepdims)


def nanargmin(x, axis=None, keepdims=False):
    return _nan_arg(jnp.argmin, jnp.inf, x, axis, keepdims)


# ---------------------------------------------------------------- spread
def std(x, axis=None, keepdims=False):
    x = t(x)
    out = x.dtype if _is_float(x) else _floatx()
    return jnp.std(x.astype(_compute(out)), axis=_ax(axis), keepdims=keepdims).astype(out)


def var(x, axis=None, keepdims=False):
    x = t(x)
    out = _float_out(x)
    return jnp.var(x.astype(_compute(out)), axis=_ax(axis), keepdims=keepdims).astype(out)


def nanstd(x, axis=None, keepdims=False):
    x = t(x)
    out = _float_out(x)
    return jnp.nanstd(x.astype(_compute(out)), axis=_ax(axis), keepdims=keepdims).astype(out)


def nanvar(x, axis=None, keepdims=False):
    x = t(x)
    out = _float_out(x)
    return jnp.nanvar(x.astype(_compute(out)), axis=_ax(axis), keepdims=keepdims).astype(out)


# ---------------------------------------------------------------- order statistics
def _median_out(x):
    return _floatx() if x.dtype == np.int64 else _float_out(x)


def _quantile(x, q, axis, method, keepdims, out, ignore_nan, scale=None):
    """Quantiles by sorting, with numpy's methods ("nearest" rounds half to even, as numpy does;
    jnp.quantile rounds differently and jnp.percentile misses q=100 with "lower")."""
    cd = _compute(out)
    q = jnp.asarray(q, dtype=cd)
    if scale is not None:
        q = q / scale
    ndim = x.ndim
    if axis is None:
        axes = tuple(range(ndim))
    else:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        for a in axes:
            if not -ndim <= a < ndim:
                raise IndexError(f"axis {a} is out of bounds for a tensor of rank {ndim}")
        axes = tuple(a % ndim for a in axes)
    return _sorted_quantile(x.astype(cd), q, axes, method, keepdims, out, ignore_nan)


@functools.partial(jax.jit, static_argnums=(2, 3, 4, 5, 6))
def _sorted_quantile(x, q, axes, method, keepdims, out, ignore_nan):
    cd = x.dtype
    ndim = x.ndim
    others = [i for i in range(ndim) if i not in axes]
    y = jnp.transpose(x, others + list(axes)).reshape([x.shape[i] for i in others] + [-1])
    n = y.shape[-1]
    nan_mask = jnp.isnan(y)
    ys = jnp.sort(y, axis=-1)  # NaNs sort last
    if ignore_nan:
        count = jnp.sum(~nan_mask, axis=-1, keepdims=True).astype(cd)
    else:
        count = jnp.full(y.shape[:-1] + (1,), n, dtype=cd)
    pos = q.reshape(-1) * (count - 1)
    if method == "nearest":
        lo = hi = jnp.round(pos)
    else:
        lo, hi = jnp.floor(pos), jnp.ceil(pos)
    lo_i = jnp.clip(lo.astype(jnp.int32), 0, builtins.max(n - 1, 0))
    hi_i = jnp.clip(hi.astype(jnp.int32), 0, builtins.max(n - 1, 0))
    v_lo = jnp.take_along_axis(ys, lo_i, axis=-1)
    v_hi = jnp.take_along_axis(ys, hi_i, axis=-1)
    if method in ("lower", "nearest"):
        r = v_lo
    elif method == "higher":
        r = v_hi
    elif method == "midpoint":
        r = jnp.where(hi_i == lo_i, v_lo, (v_lo + v_hi) / 2)
    else:
        frac = pos - lo
        diff = v_hi - v_lo
        r = jnp.where(frac >= 0.5, v_hi - diff * (1 - frac), v_lo + diff * frac)
        r = jnp.where(hi_i == lo_i, v_lo, r)
    if ignore_nan:
        r = jnp.where(count == 0, jnp.nan, r)
    else:
        r = jnp.where(jnp.any(nan_mask, axis=-1, keepdims=True), jnp.nan, r)
    if q.ndim == 0:
        r = r[..., 0]
    else:
        r = jnp.moveaxis(r, -1, 0).reshape(q.shape + r.shape[:-1])
    if keepdims:
        r = r.reshape(q.shape + tuple(1 if i in axes else d for i, d in enumerate(x.shape)))
    return r.astype(out)


def median(x, axis=None, keepdims=False):
    x = t(x)
    return _quantile(x, 0.5, _ax(axis), "linear", keepdims, _median_out(x), False)


def nanmedian(x, axis=None, keepdims=False):
    x = t(x)
    return _quantile(x, 0.5, _ax(axis), "linear", keepdims, _float_out(x), True)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    x = t(x)
    return _quantile(x, q, _ax(axis), method, keepdims, _median_out(x), False)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    x = t(x)
    return _quantile(x, q, _ax(axis), method, keepdims, _median_out(x), True)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    x = t(x)
    out = x.dtype if _is_float(x) else _floatx()
    return _quantile(x, q, _ax(axis), method, keepdims, out, False, 100)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    x = t(x)
    return _quantile(x, q, _ax(axis), method, keepdims, _float_out(x), True, 100)


# ---------------------------------------------------------------- logic and counting
def all(x, axis=None, keepdims=False):
    return jnp.all(t(x), axis=_ax(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    return jnp.any(t(x), axis=_ax(axis), keepdims=keepdims)


def count_nonzero(x, axis=None):
    return jnp.count_nonzero(t(x), axis=_ax(axis)).astype(_I32)


# ---------------------------------------------------------------- scans
def _scan_dtype(x, dtype):
    out = x.dtype if dtype is None else _native(dtype)
    return _I32 if out == _BOOL else out


def cumsum(x, axis=None, dtype=None):
    x = t(x)
    return jnp.cumsum(x, axis=axis, dtype=_scan_dtype(x, dtype))


def cumprod(x, axis=None, dtype=None):
    x = t(x)
    return jnp.cumprod(x, axis=axis, dtype=_scan_dtype(x, dtype))


def nancumsum(x, axis=None, dtype=None):
    x = t(x)
    return jnp.nancumsum(x, axis=axis, dtype=_scan_dtype(x, dtype))


def nancumprod(x, axis=None, dtype=None):
    x = t(x)
    return jnp.nancumprod(x, axis=axis, dtype=_scan_dtype(x, dtype))
