"""numpy kernels: reductions and scans: sum, mean, max, std, argmax, cumsum, median, quantile.

Output dtypes follow Keras 3 (see lamina/ops/numpy/reductions.py); the rules
are precomputed per input dtype so a call costs one dict lookup.
"""

from __future__ import annotations

import numpy as np

from lamina import config
from lamina.backend.common.dtypes import ALLOWED_DTYPES, result_type
from lamina.backend.numpy._convert import t
from lamina.backend.numpy.core import to_native_dtype

_NAMES = tuple(d for d in ALLOWED_DTYPES if d != "string")
_F32 = np.dtype("float32")
_F64 = np.dtype("float64")
_I32 = np.dtype("int32")
_BOOL = np.dtype("bool")


def _table(rule) -> dict:
    """{input numpy dtype: output numpy dtype} for a rule on dtype names."""
    return {np.dtype(to_native_dtype(n)): np.dtype(to_native_dtype(rule(n))) for n in _NAMES}


def _acc(name: str) -> str:
    if name in ("bool", "int8", "int16"):
        return "int32"
    if name in ("uint8", "uint16"):
        return "uint32"
    return name


_SUM = _table(lambda n: _acc(result_type(n)))          # sum, nansum: narrowed, then widened
_PROD = _table(_acc)                                    # prod, nanprod, trace
_NARROW = _table(lambda n: result_type(n))              # nanmax, nanmin
_MEAN = _table(lambda n: n if n.startswith(("float", "bfloat", "complex")) else "float32")


def _ax(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _is_float(x) -> bool:
    return x.dtype.kind in "fc" or x.dtype.name == "bfloat16"


def _float_out(x):
    """``result_type(x, float)``: floats keep their narrowed type, everything else becomes floatx."""
    if _is_float(x):
        return _NARROW[x.dtype]
    return np.dtype(to_native_dtype(config.floatx()))


def _compute(out):
    """The dtype to compute a float statistic in: float64 stays, the rest uses float32."""
    return out if out == _F64 or out.kind == "c" else _F32


# ---------------------------------------------------------------- sums and means
def sum(x, axis=None, keepdims=False):
    x = t(x)
    return np.sum(x, axis=_ax(axis), keepdims=keepdims, dtype=_SUM[x.dtype])


def nansum(x, axis=None, keepdims=False):
    x = t(x)
    return np.nansum(x, axis=_ax(axis), keepdims=keepdims, dtype=_SUM[x.dtype])


def mean(x, axis=None, keepdims=False):
    x = t(x)
    out = _MEAN[x.dtype]
    if x.dtype == out and out != _F32 and out != _F64:
        return np.mean(x, axis=_ax(axis), keepdims=keepdims, dtype=_compute(out)).astype(out)
    return np.mean(x, axis=_ax(axis), keepdims=keepdims, dtype=out)


def nanmean(x, axis=None, keepdims=False):
    x = t(x)
    out = _float_out(x)
    return np.nanmean(x.astype(_compute(out)), axis=_ax(axis), keepdims=keepdims).astype(out)


def prod(x, axis=None, keepdims=False, dtype=None):
    x = t(x)
    out = _PROD[x.dtype] if dtype is None else np.dtype(to_native_dtype(dtype))
    return np.prod(x, axis=_ax(axis), keepdims=keepdims, dtype=out)


def nanprod(x, axis=None, keepdims=False):
    x = t(x)
    return np.nanprod(x, axis=_ax(axis), keepdims=keepdims, dtype=_PROD[x.dtype])


def average(x, axis=None, weights=None):
    x = t(x)
    if weights is None:
        out = _float_out(x)
        return np.mean(x.astype(_compute(out)), axis=_ax(axis)).astype(out)
    w = t(weights)
    out = np.dtype(to_native_dtype(result_type(x.dtype, float, w.dtype)))
    cd = _compute(out)
    x, w = x.astype(cd), w.astype(cd)
    if w.shape != x.shape:
        if w.ndim != 1 or axis is None or isinstance(axis, (list, tuple)) or w.shape[0] != x.shape[axis]:
            raise ValueError(f"weights of shape {w.shape} do not fit x of shape {x.shape} along axis {axis!r}")
        shape = [1] * x.ndim
        shape[axis] = w.shape[0]
        w = np.broadcast_to(w.reshape(shape), x.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.sum(x * w, axis=_ax(axis)) / np.sum(w, axis=_ax(axis))).astype(out)


# ---------------------------------------------------------------- extremes
def max(x, axis=None, keepdims=False, initial=None):
    x = t(x)
    if initial is None:
        return np.max(x, axis=_ax(axis), keepdims=keepdims)
    return np.max(x, axis=_ax(axis), keepdims=keepdims, initial=initial)


def min(x, axis=None, keepdims=False, initial=None):
    x = t(x)
    if initial is None:
        return np.min(x, axis=_ax(axis), keepdims=keepdims)
    return np.min(x, axis=_ax(axis), keepdims=keepdims, initial=initial)


def amax(x, axis=None, keepdims=False):
    return np.max(t(x), axis=_ax(axis), keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    return np.min(t(x), axis=_ax(axis), keepdims=keepdims)


def _nan_extreme(fn, x, axis, keepdims):
    x = t(x)
    if not _is_float(x):
        return fn(x, axis=_ax(axis), keepdims=keepdims).astype(_NARROW[x.dtype])
    mask = np.isnan(x)
    fill = -np.inf if fn is np.max else np.inf
    out = fn(np.where(mask, fill, x), axis=_ax(axis), keepdims=keepdims)
    out = np.where(np.all(mask, axis=_ax(axis), keepdims=keepdims), np.nan, out)
    return out.astype(_NARROW[x.dtype])


def nanmax(x, axis=None, keepdims=False):
    return _nan_extreme(np.max, x, axis, keepdims)


def nanmin(x, axis=None, keepdims=False):
    return _nan_extreme(np.min, x, axis, keepdims)


def ptp(x, axis=None, keepdims=False):
    x = t(x)
    if x.dtype == _BOOL:
        raise TypeError("boolean inputs are not supported (max - min is undefined for bool)")
    return np.ptp(x, axis=_ax(axis), keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    return np.argmax(t(x), axis=axis, keepdims=keepdims).astype(_I32)


def argmin(x, axis=None, keepdims=False):
    return np.argmin(t(x), axis=axis, keepdims=keepdims).astype(_I32)


def _nan_arg(fn, fill, x, axis, keepdims):
    x = t(x)
    if not _is_float(x):
        return fn(x, axis=axis, keepdims=keepdims).astype(_I32)
    mask = np.isnan(x)
    idx = fn(np.where(mask, fill, x), axis=axis, keepdims=keepdims).astype(_I32)
    return np.where(np.all(mask, axis=axis, keepdims=keepdims), np.int32(-1), idx)


def nanargmax(x, axis=None, keepdims=False):
    return _nan_arg(np.argmax, -np.inf, x, axis, keepdims)


def nanargmin(x, axis=None, keepdims=False):
    return _nan_arg(np.argmin, np.inf, x, axis, keepdims)


# ---------------------------------------------------------------- spread
def std(x, axis=None, keepdims=False):
    x = t(x)
    out = x.dtype if _is_float(x) else np.dtype(to_native_dtype(config.floatx()))
    return np.std(x, axis=_ax(axis), keepdims=keepdims, dtype=_compute(out)).astype(out)


def var(x, axis=None, keepdims=False):
    x = t(x)
    out = _float_out(x)
    return np.var(x, axis=_ax(axis), keepdims=keepdims, dtype=_compute(out)).astype(out)


def nanstd(x, axis=None, keepdims=False):
    x = t(x)
    out = _float_out(x)
    return np.nanstd(x.astype(_compute(out)), axis=_ax(axis), keepdims=keepdims).astype(out)


def nanvar(x, axis=None, keepdims=False):
    x = t(x)
    out = _float_out(x)
    return np.nanvar(x.astype(_compute(out)), axis=_ax(axis), keepdims=keepdims).astype(out)


# ---------------------------------------------------------------- order statistics
def _median_out(x):
    return np.dtype(to_native_dtype(config.floatx())) if x.dtype == np.int64 else _float_out(x)


def median(x, axis=None, keepdims=False):
    x = t(x)
    out = _median_out(x)
    return np.median(x.astype(_compute(out)), axis=_ax(axis), keepdims=keepdims).astype(out)


def nanmedian(x, axis=None, keepdims=False):
    x = t(x)
    out = _float_out(x)
    return np.nanmedian(x.astype(_compute(out)), axis=_ax(axis), keepdims=keepdims).astype(out)


def _quantile(fn, x, q, axis, method, keepdims, out):
    cd = _compute(out)
    q = np.asarray(q, dtype=cd) if not isinstance(q, np.ndarray) else q.astype(cd)
    return fn(x.astype(cd), q, axis=_ax(axis), method=method, keepdims=keepdims).astype(out)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    x = t(x)
    return _quantile(np.quantile, x, q, axis, method, keepdims, _median_out(x))


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    x = t(x)
    return _quantile(np.nanquantile, x, q, axis, method, keepdims, _median_out(x))


def percentile(x, q, axis=None, method="linear", keepdims=False):
    x = t(x)
    out = x.dtype if _is_float(x) else np.dtype(to_native_dtype(config.floatx()))
    return _quantile(np.percentile, x, q, axis, method, keepdims, out)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    x = t(x)
    return _quantile(np.nanpercentile, x, q, axis, method, keepdims, _float_out(x))


# ---------------------------------------------------------------- logic and counting
def all(x, axis=None, keepdims=False):
    return np.all(t(x), axis=_ax(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    return np.any(t(x), axis=_ax(axis), keepdims=keepdims)


def count_nonzero(x, axis=None):
    return np.asarray(np.count_nonzero(t(x), axis=_ax(axis)), dtype=_I32)


# ---------------------------------------------------------------- scans
def _scan_dtype(x, dtype):
    if dtype is None:
        return _I32 if x.dtype == _BOOL else x.dtype
    out = np.dtype(to_native_dtype(dtype))
    return _I32 if out == _BOOL else out


def cumsum(x, axis=None, dtype=None):
    x = t(x)
    return np.cumsum(x, axis=axis, dtype=_scan_dtype(x, dtype))


def cumprod(x, axis=None, dtype=None):
    x = t(x)
    return np.cumprod(x, axis=axis, dtype=_scan_dtype(x, dtype))


def nancumsum(x, axis=None, dtype=None):
    x = t(x)
    return np.nancumsum(x, axis=axis, dtype=_scan_dtype(x, dtype))


def nancumprod(x, axis=None, dtype=None):
    x = t(x)
    return np.nancumprod(x, axis=axis, dtype=_scan_dtype(x, dtype))
