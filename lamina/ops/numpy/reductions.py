"""Reductions and scans: sum, mean, max, std, argmax, cumsum, median, quantile (part of ``lamina.ops.numpy``).

Every op runs the backend kernel on real tensors; on KerasTensors its spec
function infers the output shape (``None`` for unknown dimensions) and dtype
without computing anything. Output dtypes follow Keras 3's rules (the ones its
symbolic ops use, identical on every backend): ``sum`` of bools and small ints
gives int32, ``mean`` of ints gives float32, ``argmax`` gives int32, ...

Example:
    >>> from lamina import ops
    >>> ops.sum(ops.ones((2, 3), dtype="int8"), axis=1).dtype
    'int32'
    >>> ops.quantile(ops.KerasTensor((None, 5)), [0.1, 0.9], axis=-1).shape
    (2, None)
"""

from __future__ import annotations

import builtins
import operator

from lamina import config
from lamina.backend import impl as B
from lamina.backend.common.dtypes import result_type, standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec

_FLOATS = ("bfloat16", "float16", "float32", "float64")
_KERNEL_ERRORS = (ValueError, TypeError, IndexError, RuntimeError)
_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")
_SINGLE_AXIS_OPS = frozenset(("argmax", "argmin", "nanargmax", "nanargmin",
                              "cumsum", "cumprod", "nancumsum", "nancumprod"))


# --------------------------------------------------------------------------
# private helpers: axes, dtype rules, errors
# --------------------------------------------------------------------------
def _axes(op: str, axis, ndim: int) -> tuple:
    """``axis`` (None, int or sequence) as a tuple of distinct non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    seq = axis if isinstance(axis, (list, tuple)) else (axis,)
    out = []
    for a in seq:
        try:
            a = operator.index(a)
        except TypeError:
            raise TypeError(f"{op}: axis must be None, an int or a tuple of ints; received {axis!r}.") from None
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of bounds for a tensor of rank {ndim}.")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}.")
    return tuple(out)


def _single_axis(op: str, axis, ndim: int):
    """``axis`` that must be None or one int (argmax, cumsum, ...)."""
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        raise TypeError(f"{op}: axis must be None or an int, received {axis!r}.")
    return _axes(op, axis, builtins.max(ndim, 1))[0]


def _reduced(op: str, x, axis, keepdims=False) -> tuple:
    shape = _spec.shape_of(x)
    axes = _axes(op, axis, len(shape))
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _std_dtype(x) -> str:
    """The dtype ``x`` has as a tensor (Python scalars: int32 / floatx / bool)."""
    d = _spec.dtype_of(x)
    return result_type(d) if isinstance(d, type) else d


def _narrow(x) -> str:
    """Keras's ``result_type(x.dtype)``: the dtype with 64-bit types narrowed to 32 bits."""
    return result_type(_spec.dtype_of(x))


def _is_float(d: str) -> bool:
    return d in _FLOATS


def _accumulate(d: str) -> str:
    """sum / prod / trace rule: bools and 8/16-bit ints accumulate in 32 bits (torch has no uint32)."""
    if d in ("bool", "int8", "int16"):
        return "int32"
    if d in ("uint8", "uint16"):
        d = "uint32"
    if d == "uint32" and config.backend() == "torch":
        return "int32"
    return d


def _float_result(x) -> str:
    """``result_type(x.dtype, float)``: floats keep their (narrowed) type, the rest become floatx."""
    return result_type(_spec.dtype_of(x), float)


def _median_dtype(x) -> str:
    return config.floatx() if _std_dtype(x) == "int64" else _float_result(x)


def _mean_dtype(x) -> str:
    d = _std_dtype(x)
    return d if _is_float(d) or d.startswith("complex") else result_type(d, "float32")


def _check_method(op: str, method) -> None:
    if method not in _QUANTILE_METHODS:
        raise ValueError(f"{op}: method must be one of {list(_QUANTILE_METHODS)}, received {method!r}.")


def _check_q(op: str, q, high: float) -> None:
    """Validate Python-valued quantiles (tensors are checked by the kernel)."""
    values = q if isinstance(q, (list, tuple)) else [q]
    for v in values:
        if isinstance(v, (int, float)) and not 0 <= v <= high:
            raise ValueError(f"{op}: q must be in the range [0, {high:g}], received {q!r}.")


def _q_shape(q) -> tuple:
    if isinstance(q, (int, float)):
        return ()
    return _spec.shape_of(q)


def _fail(op: str, exc: Exception, x=None, **received) -> Exception:
    """A clear error for a kernel failure: names the op, the input and the arguments received."""
    args = ", ".join(f"{k}={v!r}" for k, v in received.items())
    where = ""
    if x is not None:
        try:
            where = f" for an input of shape {_spec.shape_of(x)} and dtype {_std_dtype(x)}"
        except Exception:  # pragma: no cover - x was not tensor-like at all
            where = f" for input {x!r}"
        if "axis" in received:
            try:
                check = _single_axis if op in _SINGLE_AXIS_OPS else _axes
                check(op, received["axis"], len(_spec.shape_of(x)))
            except (ValueError, TypeError) as axis_error:
                return type(axis_error)(f"{str(axis_error).rstrip('.')} (input shape {_spec.shape_of(x)}).")
    cls = TypeError if isinstance(exc, TypeError) else ValueError
    return cls(f"{op}: cannot compute{where}" + (f" with {args}" if args else "") + f": {exc}")


# --------------------------------------------------------------------------
# spec functions
# --------------------------------------------------------------------------
def _sum_spec(x, axis=None, keepdims=False):
    return KerasTensor(_reduced("sum", x, axis, keepdims), dtype=_accumulate(_narrow(x)))


def _nansum_spec(x, axis=None, keepdims=False):
    return KerasTensor(_reduced("nansum", x, axis, keepdims), dtype=_accumulate(_narrow(x)))


def _mean_spec(x, axis=None, keepdims=False):
    return KerasTensor(_reduced("mean", x, axis, keepdims), dtype=_mean_dtype(x))


def _same_dtype_spec(op):
    def spec(x, axis=None, keepdims=False, initial=None):
        if op == "ptp" and _std_dtype(x) == "bool":
            raise TypeError("ptp: boolean inputs are not supported (max - min is undefined for bool).")
        return KerasTensor(_reduced(op, x, axis, keepdims), dtype=_std_dtype(x))

    return spec


def _nan_extreme_spec(op):
    def spec(x, axis=None, keepdims=False):
        d = _narrow(x)
        if d == "uint32" and config.backend() == "torch":
            d = "int32"
        return KerasTensor(_reduced(op, x, axis, keepdims), dtype=d)

    return spec


def _prod_spec_for(op):
    def spec(x, axis=None, keepdims=False, dtype=None):
        d = _accumulate(_std_dtype(x)) if dtype is None else standardize_dtype(dtype)
        return KerasTensor(_reduced(op, x, axis, keepdims), dtype=d)

    return spec


def _std_spec(x, axis=None, keepdims=False):
    d = _std_dtype(x)
    return KerasTensor(_reduced("std", x, axis, keepdims), dtype=d if _is_float(d) else config.floatx())


def _float_spec(op):
    def spec(x, axis=None, keepdims=False):
        return KerasTensor(_reduced(op, x, axis, keepdims), dtype=_float_result(x))

    return spec


def _bool_spec(op):
    def spec(x, axis=None, keepdims=False):
        return KerasTensor(_reduced(op, x, axis, keepdims), dtype="bool")

    return spec


def _arg_spec(op):
    def spec(x, axis=None, keepdims=False):
        shape = _spec.shape_of(x)
        a = _single_axis(op, axis, len(shape))
        if a is None:
            out = (1,) * len(shape) if keepdims else ()
        else:
            out = _reduced(op, x, a, keepdims)
        return KerasTensor(out, dtype="int32")

    return spec


def _count_nonzero_spec(x, axis=None):
    return KerasTensor(_reduced("count_nonzero", x, axis), dtype="int32")


def _average_spec(x, axis=None, weights=None):
    shape = _spec.shape_of(x)
    dtypes = [_spec.dtype_of(x), float]
    if weights is not None:
        dtypes.append(_spec.dtype_of(weights))
        _check_weights(shape, _spec.shape_of(weights), axis)
    return KerasTensor(_reduced("average", x, axis), dtype=result_type(*dtypes))


def _check_weights(shape, wshape, axis) -> None:
    def same(a, b):
        return len(a) == len(b) and builtins.all(p is None or q is None or p == q for p, q in zip(a, b))

    if same(shape, wshape):
        return
    if axis is not None and not isinstance(axis, (list, tuple)) and len(wshape) == 1:
        a = _axes("average", axis, len(shape))[0]
        if same((shape[a],), wshape):
            return
        raise ValueError(
            f"average: 1-D weights must have the length of x along axis {axis} ({shape[a]}); "
            f"received weights of shape {wshape} for x of shape {shape}."
        )
    raise ValueError(
        "average: weights must have the shape of x, or be 1-D with the length of x along an int axis; "
        f"received weights of shape {wshape} for x of shape {shape} and axis={axis!r}."
    )


def _quantile_spec_for(op, high, dtype_rule):
    def spec(x, q, axis=None, method="linear", keepdims=False):
        _check_method(op, method)
        _check_q(op, q, high)
        return KerasTensor(_q_shape(q) + _reduced(op, x, axis, keepdims), dtype=dtype_rule(x))

    return spec


def _median_spec_for(op, dtype_rule):
    def spec(x, axis=None, keepdims=False):
        return KerasTensor(_reduced(op, x, axis, keepdims), dtype=dtype_rule(x))

    return spec


def _percentile_dtype(x) -> str:
    d = _std_dtype(x)
    return d if _is_float(d) else config.floatx()


def _nanpercentile_dtype(x) -> str:
    d = _std_dtype(x)
    return _float_result(x) if _is_float(d) else config.floatx()


def _scan_spec_for(op):
    def spec(x, axis=None, dtype=None):
        shape = _spec.shape_of(x)
        a = _single_axis(op, axis, len(shape))
        if a is None:
            out = (None,) if None in shape else (_prod(shape),)
        else:
            out = shape
        d = _std_dtype(x) if dtype is None else standardize_dtype(dtype)
        return KerasTensor(out, dtype="int32" if d == "bool" else d)

    return spec


def _prod(dims) -> int:
    p = 1
    for d in dims:
        p *= d
    return p


# --------------------------------------------------------------------------
# sums, means, products
# --------------------------------------------------------------------------
@symbolic_op(_sum_spec)
def sum(x, axis=None, keepdims: bool = False):
    """Sum of elements over ``axis`` (all axes when None).

    Bools and 8/16-bit ints accumulate in 32 bits (int32; uint32 for unsigned).

    Example:
        >>> ops.sum([[1, 2], [3, 4]], axis=0)   # [4, 6]
    """
    try:
        return B.numpy.sum(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("sum", e, x, axis=axis) from e


@symbolic_op(_nansum_spec)
def nansum(x, axis=None, keepdims: bool = False):
    """Sum over ``axis`` treating NaNs as zero."""
    try:
        return B.numpy.nansum(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("nansum", e, x, axis=axis) from e


@symbolic_op(_mean_spec)
def mean(x, axis=None, keepdims: bool = False):
    """Arithmetic mean over ``axis``; ints and bools give float32.

    Example:
        >>> ops.mean([[1, 2], [3, 4]], axis=1)   # [1.5, 3.5]
    """
    try:
        return B.numpy.mean(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("mean", e, x, axis=axis) from e


@symbolic_op(_float_spec("nanmean"))
def nanmean(x, axis=None, keepdims: bool = False):
    """Mean over ``axis`` ignoring NaNs (NaN where a slice is all NaN)."""
    try:
        return B.numpy.nanmean(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("nanmean", e, x, axis=axis) from e


@symbolic_op(_prod_spec_for("prod"))
def prod(x, axis=None, keepdims: bool = False, dtype=None):
    """Product of elements over ``axis``; ``dtype`` sets the accumulator and result type.

    Example:
        >>> ops.prod([[1, 2], [3, 4]], axis=1)   # [2, 12]
    """
    try:
        return B.numpy.prod(x, axis=axis, keepdims=keepdims, dtype=dtype)
    except _KERNEL_ERRORS as e:
        raise _fail("prod", e, x, axis=axis, dtype=dtype) from e


@symbolic_op(_prod_spec_for("nanprod"))
def nanprod(x, axis=None, keepdims: bool = False):
    """Product over ``axis`` treating NaNs as one."""
    try:
        return B.numpy.nanprod(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("nanprod", e, x, axis=axis) from e


@symbolic_op(_average_spec)
def average(x, axis=None, weights=None):
    """Weighted average over ``axis``.

    ``weights`` has the shape of ``x``, or is 1-D with the length of ``x``
    along an int ``axis``. The result is a float.

    Example:
        >>> ops.average([1.0, 2.0, 3.0], weights=[3.0, 1.0, 0.0])   # 1.25
    """
    try:
        return B.numpy.average(x, axis=axis, weights=weights)
    except _KERNEL_ERRORS as e:
        if weights is not None:
            _check_weights(_spec.shape_of(x), _spec.shape_of(weights), axis)
        raise _fail("average", e, x, axis=axis) from e


# --------------------------------------------------------------------------
# extremes
# --------------------------------------------------------------------------
@symbolic_op(_same_dtype_spec("max"))
def max(x, axis=None, keepdims: bool = False, initial=None):
    """Maximum over ``axis``; ``initial`` is a lower bound (and the result for empty slices).

    Example:
        >>> ops.max([[1, 5], [3, 4]], axis=0)   # [3, 5]
    """
    try:
        return B.numpy.max(x, axis=axis, keepdims=keepdims, initial=initial)
    except _KERNEL_ERRORS as e:
        raise _fail("max", e, x, axis=axis, initial=initial) from e


@symbolic_op(_same_dtype_spec("min"))
def min(x, axis=None, keepdims: bool = False, initial=None):
    """Minimum over ``axis``; ``initial`` is an upper bound (and the result for empty slices)."""
    try:
        return B.numpy.min(x, axis=axis, keepdims=keepdims, initial=initial)
    except _KERNEL_ERRORS as e:
        raise _fail("min", e, x, axis=axis, initial=initial) from e


@symbolic_op(_same_dtype_spec("amax"))
def amax(x, axis=None, keepdims: bool = False):
    """Maximum over ``axis`` (same as ``max`` without ``initial``)."""
    try:
        return B.numpy.amax(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("amax", e, x, axis=axis) from e


@symbolic_op(_same_dtype_spec("amin"))
def amin(x, axis=None, keepdims: bool = False):
    """Minimum over ``axis`` (same as ``min`` without ``initial``)."""
    try:
        return B.numpy.amin(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("amin", e, x, axis=axis) from e


@symbolic_op(_nan_extreme_spec("nanmax"))
def nanmax(x, axis=None, keepdims: bool = False):
    """Maximum over ``axis`` ignoring NaNs (NaN where a slice is all NaN)."""
    try:
        return B.numpy.nanmax(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("nanmax", e, x, axis=axis) from e


@symbolic_op(_nan_extreme_spec("nanmin"))
def nanmin(x, axis=None, keepdims: bool = False):
    """Minimum over ``axis`` ignoring NaNs (NaN where a slice is all NaN)."""
    try:
        return B.numpy.nanmin(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("nanmin", e, x, axis=axis) from e


@symbolic_op(_same_dtype_spec("ptp"))
def ptp(x, axis=None, keepdims: bool = False):
    """Range (maximum minus minimum) over ``axis``.

    Example:
        >>> ops.ptp([[1, 5], [3, 4]], axis=1)   # [4, 1]
    """
    try:
        return B.numpy.ptp(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("ptp", e, x, axis=axis) from e


@symbolic_op(_arg_spec("argmax"))
def argmax(x, axis=None, keepdims: bool = False):
    """Index (int32) of the maximum along ``axis``; of the flattened tensor when None.

    Example:
        >>> ops.argmax([[1, 5], [3, 4]], axis=1)   # [1, 1]
    """
    try:
        return B.numpy.argmax(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("argmax", e, x, axis=axis) from e


@symbolic_op(_arg_spec("argmin"))
def argmin(x, axis=None, keepdims: bool = False):
    """Index (int32) of the minimum along ``axis``; of the flattened tensor when None."""
    try:
        return B.numpy.argmin(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("argmin", e, x, axis=axis) from e


@symbolic_op(_arg_spec("nanargmax"))
def nanargmax(x, axis=None, keepdims: bool = False):
    """Index (int32) of the maximum ignoring NaNs; -1 where a slice is all NaN."""
    try:
        return B.numpy.nanargmax(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("nanargmax", e, x, axis=axis) from e


@symbolic_op(_arg_spec("nanargmin"))
def nanargmin(x, axis=None, keepdims: bool = False):
    """Index (int32) of the minimum ignoring NaNs; -1 where a slice is all NaN."""
    try:
        return B.numpy.nanargmin(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("nanargmin", e, x, axis=axis) from e


# --------------------------------------------------------------------------
# spread
# --------------------------------------------------------------------------
@symbolic_op(_std_spec)
def std(x, axis=None, keepdims: bool = False):
    """Population standard deviation (ddof=0) over ``axis``.

    Example:
        >>> ops.std([1.0, 3.0])   # 1.0
    """
    try:
        return B.numpy.std(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("std", e, x, axis=axis) from e


@symbolic_op(_float_spec("var"))
def var(x, axis=None, keepdims: bool = False):
    """Population variance (ddof=0) over ``axis``."""
    try:
        return B.numpy.var(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("var", e, x, axis=axis) from e


@symbolic_op(_float_spec("nanstd"))
def nanstd(x, axis=None, keepdims: bool = False):
    """Population standard deviation over ``axis`` ignoring NaNs."""
    try:
        return B.numpy.nanstd(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("nanstd", e, x, axis=axis) from e


@symbolic_op(_float_spec("nanvar"))
def nanvar(x, axis=None, keepdims: bool = False):
    """Population variance over ``axis`` ignoring NaNs."""
    try:
        return B.numpy.nanvar(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("nanvar", e, x, axis=axis) from e


# --------------------------------------------------------------------------
# order statistics
# --------------------------------------------------------------------------
@symbolic_op(_median_spec_for("median", _median_dtype))
def median(x, axis=None, keepdims: bool = False):
    """Median over ``axis`` (the mean of the two middle values for even counts).

    Example:
        >>> ops.median([3, 1, 4, 2])   # 2.5
    """
    try:
        return B.numpy.median(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("median", e, x, axis=axis) from e


@symbolic_op(_median_spec_for("nanmedian", _float_result))
def nanmedian(x, axis=None, keepdims: bool = False):
    """Median over ``axis`` ignoring NaNs."""
    try:
        return B.numpy.nanmedian(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("nanmedian", e, x, axis=axis) from e


@symbolic_op(_quantile_spec_for("quantile", 1, _median_dtype))
def quantile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """The ``q``-th quantile(s) (``q`` in [0, 1], scalar or 1-D) over ``axis``.

    ``method`` is one of "linear", "lower", "higher", "midpoint", "nearest".
    A 1-D ``q`` adds a leading axis to the result.

    Example:
        >>> ops.quantile([1.0, 2.0, 3.0, 4.0], [0.25, 0.5])   # [1.75, 2.5]
    """
    _check_method("quantile", method)
    _check_q("quantile", q, 1)
    try:
        return B.numpy.quantile(x, q, axis=axis, method=method, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("quantile", e, x, axis=axis, q=q) from e


@symbolic_op(_quantile_spec_for("nanquantile", 1, _median_dtype))
def nanquantile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """Like ``quantile`` but ignoring NaNs."""
    _check_method("nanquantile", method)
    _check_q("nanquantile", q, 1)
    try:
        return B.numpy.nanquantile(x, q, axis=axis, method=method, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("nanquantile", e, x, axis=axis, q=q) from e


@symbolic_op(_quantile_spec_for("percentile", 100, _percentile_dtype))
def percentile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """The ``q``-th percentile(s) (``q`` in [0, 100]) over ``axis``; see ``quantile``."""
    _check_method("percentile", method)
    _check_q("percentile", q, 100)
    try:
        return B.numpy.percentile(x, q, axis=axis, method=method, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("percentile", e, x, axis=axis, q=q) from e


@symbolic_op(_quantile_spec_for("nanpercentile", 100, _nanpercentile_dtype))
def nanpercentile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """Like ``percentile`` but ignoring NaNs."""
    _check_method("nanpercentile", method)
    _check_q("nanpercentile", q, 100)
    try:
        return B.numpy.nanpercentile(x, q, axis=axis, method=method, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("nanpercentile", e, x, axis=axis, q=q) from e


# --------------------------------------------------------------------------
# logic and counting
# --------------------------------------------------------------------------
@symbolic_op(_bool_spec("all"))
def all(x, axis=None, keepdims: bool = False):
    """True where every element along ``axis`` is truthy."""
    try:
        return B.numpy.all(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("all", e, x, axis=axis) from e


@symbolic_op(_bool_spec("any"))
def any(x, axis=None, keepdims: bool = False):
    """True where some element along ``axis`` is truthy."""
    try:
        return B.numpy.any(x, axis=axis, keepdims=keepdims)
    except _KERNEL_ERRORS as e:
        raise _fail("any", e, x, axis=axis) from e


@symbolic_op(_count_nonzero_spec)
def count_nonzero(x, axis=None):
    """Number (int32) of non-zero elements along ``axis``.

    Example:
        >>> ops.count_nonzero([[0, 1], [2, 3]], axis=1)   # [1, 2]
    """
    try:
        return B.numpy.count_nonzero(x, axis=axis)
    except _KERNEL_ERRORS as e:
        raise _fail("count_nonzero", e, x, axis=axis) from e


# --------------------------------------------------------------------------
# scans
# --------------------------------------------------------------------------
@symbolic_op(_scan_spec_for("cumsum"))
def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along ``axis`` (of the flattened tensor when None); bools give int32.

    Example:
        >>> ops.cumsum([[1, 2], [3, 4]], axis=1)   # [[1, 3], [3, 7]]
    """
    try:
        return B.numpy.cumsum(x, axis=axis, dtype=dtype)
    except _KERNEL_ERRORS as e:
        raise _fail("cumsum", e, x, axis=axis, dtype=dtype) from e


@symbolic_op(_scan_spec_for("cumprod"))
def cumprod(x, axis=None, dtype=None):
    """Cumulative product along ``axis`` (of the flattened tensor when None)."""
    try:
        return B.numpy.cumprod(x, axis=axis, dtype=dtype)
    except _KERNEL_ERRORS as e:
        raise _fail("cumprod", e, x, axis=axis, dtype=dtype) from e


@symbolic_op(_scan_spec_for("nancumsum"))
def nancumsum(x, axis=None, dtype=None):
    """Cumulative sum treating NaNs as zero."""
    try:
        return B.numpy.nancumsum(x, axis=axis, dtype=dtype)
    except _KERNEL_ERRORS as e:
        raise _fail("nancumsum", e, x, axis=axis, dtype=dtype) from e


@symbolic_op(_scan_spec_for("nancumprod"))
def nancumprod(x, axis=None, dtype=None):
    """Cumulative product treating NaNs as one."""
    try:
        return B.numpy.nancumprod(x, axis=axis, dtype=dtype)
    except _KERNEL_ERRORS as e:
        raise _fail("nancumprod", e, x, axis=axis, dtype=dtype) from e
