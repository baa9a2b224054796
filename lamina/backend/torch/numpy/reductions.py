"""torch kernels: reductions and scans: sum, mean, max, std, argmax, cumsum, median, quantile.

Output dtypes follow Keras 3 (see lamina/ops/numpy/reductions.py). Torch needs
care where NumPy does not:

- ``axis=()`` means "reduce nothing" in NumPy but "reduce everything" in some
  torch reductions, so it is handled before torch sees it;
- ``prod`` and friends take a single dim, so tuples reduce one axis at a time;
- uint16/uint32/uint64 tensors support almost no arithmetic in torch, so they
  are computed in int64 and cast back;
- quantiles are computed by sorting (numpy's methods, NaN propagation, any
  size), since ``torch.quantile`` rejects half precision and large inputs and
  ``torch.median`` returns the lower middle value.
"""

from __future__ import annotations

import builtins
import math as _math

import torch

from lamina import config
from lamina.backend.common.dtypes import ALLOWED_DTYPES, result_type, standardize_dtype
from lamina.backend.torch._convert import t
from lamina.backend.torch.core import _DTYPES, _NAMES

_F32, _F64, _I32, _I64, _BOOL = torch.float32, torch.float64, torch.int32, torch.int64, torch.bool
_UNSIGNED_WIDE = (torch.uint16, torch.uint32, torch.uint64)
_LOW_FLOATS = (torch.float16, torch.bfloat16)


def _table(rule) -> dict:
    """{input torch dtype: output torch dtype} for a rule on dtype names."""
    return {_DTYPES[n]: _DTYPES[rule(n)] for n in ALLOWED_DTYPES if n in _DTYPES}


def _acc(name: str) -> str:
    """Keras's accumulation rule on torch: small ints and bools give int32 (torch has no uint32 math)."""
    if name in ("bool", "int8", "int16", "uint8", "uint16", "uint32"):
        return "int32"
    return name


_SUM = _table(lambda n: _acc(result_type(n)))          # sum, nansum
_PROD = _table(_acc)                                    # prod, nanprod
_NARROW = _table(lambda n: "int32" if result_type(n) == "uint32" else result_type(n))  # nanmax, nanmin
_MEAN = _table(lambda n: n if n.startswith(("float", "bfloat", "complex")) else "float32")


def _is_none_axis(axis) -> bool:
    return type(axis) is tuple and not axis or type(axis) is list and not axis


def _canon(a, ndim: int) -> int:
    if not -ndim <= a < builtins.max(ndim, 1):
        raise IndexError(f"axis {a} is out of bounds for a tensor of rank {ndim}")
    return a % ndim if ndim else 0


def _dims(axis, ndim: int):
    """None, an int or a tuple of non-negative ints (torch accepts all three for most reductions)."""
    if axis is None or isinstance(axis, int):
        return axis
    return tuple(_canon(a, ndim) for a in axis)


def _wide(x):
    """Tensors torch cannot compute on (uint16/32/64) as int64."""
    return x.to(_I64) if x.dtype in _UNSIGNED_WIDE else x


def _is_float(x) -> bool:
    return x.is_floating_point() or x.is_complex()


def _floatx():
    return _DTYPES[config.floatx()]


def _float_out(x):
    """``result_type(x, float)``: floats keep their narrowed type, everything else becomes floatx."""
    return _NARROW[x.dtype] if _is_float(x) else _floatx()


def _compute(out):
    """The dtype a float statistic is computed in: float64 and complex stay, the rest uses float32."""
    return out if out == _F64 or out.is_complex else _F32


def _keep_all(r, ndim: int, keepdims: bool):
    return r.reshape((1,) * ndim) if keepdims else r


def _reduce_each(fn, x, axis, keepdims, **kwargs):
    """Apply a single-dim torch reduction over None / an int / a tuple of axes."""
    if axis is None:
        return _keep_all(fn(x.reshape(-1), 0, **kwargs), x.ndim, keepdims)
    if isinstance(axis, int):
        return fn(x, axis, keepdim=keepdims, **kwargs)
    for a in sorted(_dims(axis, x.ndim), reverse=True):
        x = fn(x, a, keepdim=keepdims, **kwargs)
    return x


# ---------------------------------------------------------------- sums and means
def sum(x, axis=None, keepdims=False):
    x = t(x)
    out = _SUM[x.dtype]
    if _is_none_axis(axis):
        return x.to(out)
    if x.dtype in _UNSIGNED_WIDE or x.dtype == _I64 or x.dtype == _F64:
        acc = _I64 if x.dtype != _F64 else _F64
    else:
        acc = out
    if axis is None:
        r = torch.sum(x, dtype=acc)
        r = r.reshape((1,) * x.ndim) if keepdims else r
    else:
        r = torch.sum(x, dim=_dims(axis, x.ndim), keepdim=keepdims, dtype=acc)
    return r if r.dtype == out else r.to(out)


def nansum(x, axis=None, keepdims=False):
    x = t(x)
    if _is_float(x):
        x = torch.where(torch.isnan(x), torch.zeros((), dtype=x.dtype, device=x.device), x)
    return sum(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    x = t(x)
    out = _MEAN[x.dtype]
    if x.dtype != out or x.dtype in _LOW_FLOATS:
        x = _wide(x).to(_compute(out))
    if _is_none_axis(axis):
        return x.to(out)
    if axis is None:
        r = torch.mean(x)
        r = r.reshape((1,) * x.ndim) if keepdims else r
    else:
        r = torch.mean(x, dim=_dims(axis, x.ndim), keepdim=keepdims)
    return r if r.dtype == out else r.to(out)


def _nan_count_and_sum(x, axis, keepdims):
    mask = torch.isnan(x)
    clean = torch.where(mask, torch.zeros((), dtype=x.dtype, device=x.device), x)
    count = (~mask).to(x.dtype)
    dims = _dims(axis, x.ndim)
    if dims is None:
        return _keep_all(count.sum(), x.ndim, keepdims), _keep_all(clean.sum(), x.ndim, keepdims)
    return count.sum(dim=dims, keepdim=keepdims), clean.sum(dim=dims, keepdim=keepdims)


def nanmean(x, axis=None, keepdims=False):
    x = t(x)
    out = _float_out(x)
    x = _wide(x).to(_compute(out))
    if _is_none_axis(axis):
        return x.to(out)
    count, total = _nan_count_and_sum(x, axis, keepdims)
    return (total / count).to(out)


def prod(x, axis=None, keepdims=False, dtype=None):
    x = t(x)
    out = _PROD[x.dtype] if dtype is None else _DTYPES[standardize_dtype(dtype)]
    acc = _I64 if out in _UNSIGNED_WIDE or x.dtype in _UNSIGNED_WIDE else out
    if _is_none_axis(axis):
        return x.to(out)
    x = _wide(x)
    if axis is None:
        r = torch.prod(x, dtype=acc)
        r = r.reshape((1,) * x.ndim) if keepdims else r
    else:
        r = _reduce_each(torch.prod, x, axis, keepdims, dtype=acc)
    return r if r.dtype == out else r.to(out)


def nanprod(x, axis=None, keepdims=False):
    x = t(x)
    if _is_float(x):
        x = torch.where(torch.isnan(x), torch.ones((), dtype=x.dtype, device=x.device), x)
    return prod(x, axis=axis, keepdims=keepdims)


def average(x, axis=None, weights=None):
    x = t(x)
    if weights is None:
        out = _float_out(x)
        return mean(_wide(x).to(_compute(out)), axis=axis).to(out)
    w = t(weights)
    out = _DTYPES[result_type(_NAMES[x.dtype], float, _NAMES[w.dtype])]
    cd = _compute(out)
    x, w = _wide(x).to(cd), _wide(w).to(cd)
    if w.shape != x.shape:
        if w.ndim != 1 or axis is None or isinstance(axis, (list, tuple)) or w.shape[0] != x.shape[axis]:
            raise ValueError(
                f"weights of shape {tuple(w.shape)} do not fit x of shape {tuple(x.shape)} along axis {axis!r}"
            )
        shape = [1] * x.ndim
        shape[axis] = w.shape[0]
        w = w.reshape(shape).expand(x.shape)
    if _is_none_axis(axis):
        return x.to(out)
    dims = _dims(axis, x.ndim)
    if dims is None:
        return (torch.sum(x * w) / torch.sum(w)).to(out)
    return (torch.sum(x * w, dim=dims) / torch.sum(w, dim=dims)).to(out)


# ---------------------------------------------------------------- extremes
def _extreme(fn, x, axis, keepdims, initial=None):
    x = t(x)
    if _is_none_axis(axis):
        r = x
    else:
        dtype = x.dtype
        xw = _wide(x)
        dims = () if axis is None else _dims(axis, x.ndim)
        if x.numel() == 0 and initial is not None:
            axes = range(x.ndim) if axis is None else ((dims,) if isinstance(dims, int) else dims)
            axes = {a % x.ndim for a in axes}
            shape = [1 if i in axes else d for i, d in enumerate(x.shape) if keepdims or i not in axes]
            return torch.full(shape, initial, dtype=dtype, device=x.device)
        r = fn(xw, dim=dims, keepdim=keepdims)
        if axis is None and keepdims:
            r = r.reshape((1,) * x.ndim)
        if r.dtype != dtype:
            r = r.to(dtype)
    if initial is not None:
        bound = torch.as_tensor(initial, dtype=r.dtype, device=r.device)
        r = torch.maximum(r, bound) if fn is torch.amax else torch.minimum(r, bound)
    return r


def max(x, axis=None, keepdims=False, initial=None):
    return _extreme(torch.amax, x, axis, keepdims, initial)


def min(x, axis=None, keepdims=False, initial=None):
    return _extreme(torch.amin, x, axis, keepdims, initial)


def amax(x, axis=None, keepdims=False):
    return _extreme(torch.amax, x, axis, keepdims)


def amin(x, axis=None, keepdims=False):
    return _extreme(torch.amin, x, axis, keepdims)


def _nan_extreme(fn, x, axis, keepdims):
    x = t(x)
    out = _NARROW[x.dtype]
    if not _is_float(x):
        return _extreme(fn, x, axis, keepdims).to(out)
    mask = torch.isnan(x)
    fill = torch.tensor(-_math.inf if fn is torch.amax else _math.inf, dtype=x.dtype, device=x.device)
    r = _extreme(fn, torch.where(mask, fill, x), axis, keepdims)
    all_nan = all(mask, axis=axis, keepdims=keepdims)
    r = torch.where(all_nan, torch.tensor(_math.nan, dtype=x.dtype, device=x.device), r)
    return r.to(out)


def nanmax(x, axis=None, keepdims=False):
    return _nan_extreme(torch.amax, x, axis, keepdims)


def nanmin(x, axis=None, keepdims=False):
    return _nan_extreme(torch.amin, x, axis, keepdims)


def ptp(x, axis=None, keepdims=False):
    x = t(x)
    if x.dtype == _BOOL:
        raise TypeError("boolean inputs are not supported (max - min is undefined for bool)")
    xw = _wide(x)
    r = _extreme(torch.amax, xw, axis, keepdims) - _extreme(torch.amin, xw, axis, keepdims)
    return r if r.dtype == x.dtype else r.to(x.dtype)


def _arg(fn, x, axis, keepdims):
    if x.dtype == _BOOL:
        x = x.to(torch.uint8)
    elif x.dtype in _UNSIGNED_WIDE:
        x = x.to(_I64)
    if axis is None:
        r = fn(x)
        return (r.reshape((1,) * x.ndim) if keepdims else r).to(_I32)
    return fn(x, dim=axis, keepdim=keepdims).to(_I32)


def argmax(x, axis=None, keepdims=False):
    return _arg(torch.argmax, t(x), axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    return _arg(torch.argmin, t(x), axis, keepdims)


def _nan_arg(fn, fill, x, axis, keepdims):
    x = t(x)
    if not _is_float(x):
        return _arg(fn, x, axis, keepdims)
    mask = torch.isnan(x)
    idx = _arg(fn, torch.where(mask, torch.tensor(fill, dtype=x.dtype, device=x.device), x), axis, keepdims)
    if axis is None:
        all_nan = _keep_all(mask.all(), x.ndim, keepdims)
    else:
        all_nan = mask.all(dim=axis, keepdim=keepdims)
    return torch.where(all_nan, torch.tensor(-1, dtype=_I32, device=x.device), idx)


def nanargmax(x, axis=None, keepdims=False):
    return _nan_arg(torch.argmax, -_math.inf, x, axis, keepdims)


def nanargmin(x, axis=None, keepdims=False):
    return _nan_arg(torch.argmin, _math.inf, x, axis, keepdims)


# ---------------------------------------------------------------- spread
def _var(x, axis, keepdims, out):
    x = _wide(x).to(_compute(out))
    if _is_none_axis(axis):
        return torch.zeros_like(x, dtype=out)
    if axis is None:
        return _keep_all(torch.var(x, correction=0), x.ndim, keepdims).to(out)
    return torch.var(x, dim=_dims(axis, x.ndim), correction=0, keepdim=keepdims).to(out)


def std(x, axis=None, keepdims=False):
    x = t(x)
    out = x.dtype if _is_float(x) else _floatx()
    return torch.sqrt(_var(x, axis, keepdims, _compute(out))).to(out)


def var(x, axis=None, keepdims=False):
    x = t(x)
    return _var(x, axis, keepdims, _float_out(x))


def _nanvar(x, axis, keepdims, out):
    x = _wide(x).to(_compute(out))
    if _is_none_axis(axis):
        return torch.where(torch.isnan(x), x, torch.zeros_like(x)).to(out)
    count, total = _nan_count_and_sum(x, axis, True)
    centered = torch.where(torch.isnan(x), torch.zeros((), dtype=x.dtype, device=x.device), x - total / count)
    _, sq = _nan_count_and_sum(centered * centered, axis, keepdims)
    if not keepdims:
        count = count.reshape(sq.shape)
    return sq / count


def nanvar(x, axis=None, keepdims=False):
    x = t(x)
    out = _float_out(x)
    return _nanvar(x, axis, keepdims, out).to(out)


def nanstd(x, axis=None, keepdims=False):
    x = t(x)
    out = _float_out(x)
    return torch.sqrt(_nanvar(x, axis, keepdims, out)).to(out)


# ---------------------------------------------------------------- order statistics
def _median_out(x):
    return _floatx() if x.dtype == _I64 else _float_out(x)


def _quantile(x, q, axis, method, keepdims, out, ignore_nan, scale=1.0):
    """Quantiles by sorting: numpy's interpolation methods over any axes, for any float dtype."""
    cd = _compute(out)
    x = _wide(x).to(cd)
    q = torch.as_tensor(q, dtype=cd, device=x.device)
    if scale != 1.0:
        q = q / scale
    ndim = x.ndim
    if axis is None:
        axes = tuple(range(ndim))
    elif isinstance(axis, int):
        axes = (_canon(axis, ndim),)
    else:
        axes = _dims(axis, ndim)
    others = [i for i in range(ndim) if i not in axes]
    y = x.permute(others + list(axes)) if axes != tuple(range(ndim - len(axes), ndim)) else x
    y = y.reshape([x.shape[i] for i in others] + [-1])
    n = y.shape[-1]
    ys = torch.sort(y, dim=-1).values  # NaNs sort last
    nan_mask = torch.isnan(y)
    if ignore_nan:
        count = (~nan_mask).sum(-1, keepdim=True).to(cd)
    else:
        count = torch.full(y.shape[:-1] + (1,), float(n), dtype=cd, device=x.device)
    qv = q.reshape(-1)
    pos = qv * (count - 1)  # (..., k)
    last = builtins.max(n - 1, 0)
    if method == "nearest":
        lo = hi = torch.round(pos)
    elif method in ("lower", "higher", "linear", "midpoint"):
        lo, hi = torch.floor(pos), torch.ceil(pos)
    else:
        raise ValueError(f"unknown method {method!r}")
    lo_i = lo.to(_I64).clamp(0, last)
    hi_i = hi.to(_I64).clamp(0, last)
    v_lo = torch.gather(ys, -1, lo_i)
    v_hi = torch.gather(ys, -1, hi_i)
    if method in ("lower", "nearest"):
        r = v_lo
    elif method == "higher":
        r = v_hi
    elif method == "midpoint":
        r = torch.where(hi_i == lo_i, v_lo, (v_lo + v_hi) / 2)
    else:
        frac = pos - lo
        diff = v_hi - v_lo
        r = torch.where(frac >= 0.5, v_hi - diff * (1 - frac), v_lo + diff * frac)
        r = torch.where(hi_i == lo_i, v_lo, r)
    nan_value = torch.tensor(_math.nan, dtype=cd, device=x.device)
    if ignore_nan:
        r = torch.where(count == 0, nan_value, r)
    else:
        r = torch.where(nan_mask.any(-1, keepdim=True), nan_value, r)
    # r: other dims + (k,) -> q dims + kept dims
    if q.ndim == 0:
        r = r.squeeze(-1)
    else:
        r = r.movedim(-1, 0).reshape(tuple(q.shape) + tuple(r.shape[:-1]))
    if keepdims:
        kept = [1 if i in axes else d for i, d in enumerate(x.shape)]
        r = r.reshape(tuple(q.shape) + tuple(kept))
    return r.to(out)


def median(x, axis=None, keepdims=False):
    x = t(x)
    if _is_none_axis(axis):
        return x.to(_median_out(x))
    return _quantile(x, 0.5, axis, "linear", keepdims, _median_out(x), False)


def nanmedian(x, axis=None, keepdims=False):
    x = t(x)
    if _is_none_axis(axis):
        return x.to(_float_out(x))
    return _quantile(x, 0.5, axis, "linear", keepdims, _float_out(x), True)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    x = t(x)
    return _quantile(x, q, axis, method, keepdims, _median_out(x), False)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    x = t(x)
    return _quantile(x, q, axis, method, keepdims, _median_out(x), True)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    x = t(x)
    out = x.dtype if _is_float(x) else _floatx()
    return _quantile(x, q, axis, method, keepdims, out, False, scale=100.0)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    x = t(x)
    return _quantile(x, q, axis, method, keepdims, _float_out(x), True, scale=100.0)


# ---------------------------------------------------------------- logic and counting
def _logic(fn, x, axis, keepdims):
    x = t(x)
    if x.dtype != _BOOL:
        x = x != 0
    if _is_none_axis(axis):
        return x
    if axis is None:
        return _keep_all(fn(x), x.ndim, keepdims)
    return fn(x, dim=_dims(axis, x.ndim), keepdim=keepdims)


def all(x, axis=None, keepdims=False):
    return _logic(torch.all, x, axis, keepdims)


def any(x, axis=None, keepdims=False):
    return _logic(torch.any, x, axis, keepdims)


def count_nonzero(x, axis=None):
    x = t(x)
    nz = x != 0
    if _is_none_axis(axis):
        return nz.to(_I32)
    if axis is None:
        return torch.sum(nz, dtype=_I32)
    return torch.sum(nz, dim=_dims(axis, x.ndim), dtype=_I32)


# ---------------------------------------------------------------- scans
def _scan(fn, x, axis, dtype):
    x = t(x)
    if dtype is None:
        out = _I32 if x.dtype == _BOOL else x.dtype
    else:
        out = _DTYPES[standardize_dtype(dtype)]
        out = _I32 if out == _BOOL else out
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    if out in _UNSIGNED_WIDE or x.dtype in _UNSIGNED_WIDE:
        return fn(_wide(x), axis, dtype=_I64).to(out)
    return fn(x, axis, dtype=out)


def cumsum(x, axis=None, dtype=None):
    return _scan(torch.cumsum, x, axis, dtype)


def cumprod(x, axis=None, dtype=None):
    return _scan(torch.cumprod, x, axis, dtype)


def nancumsum(x, axis=None, dtype=None):
    x = t(x)
    if _is_float(x):
        x = torch.where(torch.isnan(x), torch.zeros((), dtype=x.dtype, device=x.device), x)
    return _scan(torch.cumsum, x, axis, dtype)


def nancumprod(x, axis=None, dtype=None):
    x = t(x)
    if _is_float(x):
        x = torch.where(torch.isnan(x), torch.ones((), dtype=x.dtype, device=x.device), x)
    return _scan(torch.cumprod, x, axis, dtype)
