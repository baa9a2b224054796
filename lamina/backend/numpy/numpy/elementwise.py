"""numpy kernels: element-wise math, comparison, logic and bitwise ops.

Output dtypes follow Keras 3 (each op's rule is documented in
``lamina.ops.numpy.elementwise``): operands are promoted on Keras's lattice
with Python scalars weakly typed, float-valued ops turn ints and bools into
floatx, comparisons and predicates give bool.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from lamina import config
from lamina.backend.common.dtypes import result_type
from lamina.backend.numpy._convert import t
from lamina.backend.numpy.core import to_native_dtype

Tensor = np.ndarray

_BOOL = np.dtype(bool)
_BF16 = np.dtype(ml_dtypes.bfloat16)
_F32 = np.dtype("float32")
_C64 = np.dtype("complex64")
_INTS = frozenset(np.dtype(d) for d in ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64"))
_INEXACT = frozenset([_BF16] + [np.dtype(d) for d in ("float16", "float32", "float64", "complex64", "complex128")])
_COMPLEX = frozenset(np.dtype(d) for d in ("complex64", "complex128"))
_INT_OR_BOOL = _INTS | {_BOOL}
# Keras's result_type narrows 64-bit results to 32 bits, so 64-bit operands
# always take the converting path; every other dtype may take a fast path.
_FAST = frozenset(d for d in _INT_OR_BOOL | _INEXACT if d.itemsize < 8 or d == _C64)
_FAST_INEXACT = _FAST & _INEXACT
# Array dtypes that a weak Python int / float scalar leaves unchanged under both
# Keras's rules and NumPy's (ml_dtypes' bfloat16 turns a Python float into
# float32, so it takes the slow path).
_KEEPS_INT = _FAST - {_BOOL}
_KEEPS_FLOAT = _FAST_INEXACT - {_BF16}
_NARROW_FLOAT = {np.dtype("float64"): _F32, np.dtype("complex128"): _C64}


def _pair(x1, x2):
    """Operands ready for a NumPy ufunc: arrays of Keras's common dtype, or an
    array and a Python scalar that the ufunc keeps in the array's dtype."""
    c1, c2 = x1.__class__, x2.__class__
    s1 = c1 is int or c1 is float
    s2 = c2 is int or c2 is float
    if not s1 and c1 is not Tensor:
        x1 = t(x1)
    if not s2 and c2 is not Tensor:
        x2 = t(x2)
    if s1:
        if not s2 and x2.dtype in (_KEEPS_FLOAT if c1 is float else _KEEPS_INT):
            return x1, x2
    elif s2:
        if x1.dtype in (_KEEPS_FLOAT if c2 is float else _KEEPS_INT):
            return x1, x2
    elif x1.dtype == x2.dtype and x1.dtype in _FAST:
        return x1, x2
    dtype = _common_dtype(_weak_dtype(x1), _weak_dtype(x2))
    return np.asarray(x1, dtype=dtype), np.asarray(x2, dtype=dtype)


_COMMON: dict = {}


def _common_dtype(d1, d2):
    """Keras's result dtype (as a NumPy dtype) for two dtypes / weak Python types, cached."""
    key = (d1, d2, config.floatx())
    out = _COMMON.get(key)
    if out is None:
        out = _COMMON[key] = to_native_dtype(result_type(d1, d2))
    return out


def _dtype(x1, x2):
    """The dtype of a pair returned by ``_pair`` (at least one is an array)."""
    c = x1.__class__
    return x2.dtype if c is int or c is float else x1.dtype


def _weak_dtype(x):
    """An array's dtype, or the Python type of a (weak) scalar."""
    c = x.__class__
    return c if c is int or c is float else x.dtype


def _floatx():
    return to_native_dtype(config.floatx())


def _to_float(x):
    """``x`` as an array of Keras's float result dtype: float16/bfloat16/float32 stay,
    float64 narrows to float32 (as Keras's result_type does), ints and bools become floatx."""
    x = t(x)
    d = x.dtype
    if d in _FAST_INEXACT:
        return x
    return x.astype(_NARROW_FLOAT.get(d) or _floatx())


_INT64S = frozenset([np.dtype("int64"), np.dtype("uint64")])


def _to_float_keep64(x):
    """Ints and bools become floatx; every float dtype is kept (Keras's rule for exp, fabs, ...)."""
    x = t(x)
    return x if x.dtype in _INEXACT else x.astype(_floatx())


def _to_float_wide(x):
    """As ``_to_float_keep64``, with 64-bit ints made float64 (Keras's rule for cbrt, deg2rad, ...)."""
    x = t(x)
    if x.dtype in _INEXACT:
        return x
    return x.astype(np.float64 if x.dtype in _INT64S else _floatx())


def _float_pair(x1, x2):
    """Like ``_pair``, with ints and bools made floatx (true_divide, arctan2, ...)."""
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) in _FAST_INEXACT:
        return x1, x2
    dtype = _floatx()
    return np.asarray(x1, dtype=dtype), np.asarray(x2, dtype=dtype)


def _names(*xs):
    return " and ".join(str(x.dtype) if hasattr(x, "dtype") else type(x).__name__ for x in xs)


def _require(op, dtype, allowed, what, *xs):
    if dtype not in allowed:
        raise TypeError(f"{op}: expected {what}, received {_names(*xs)}.")


# --- unary, same dtype ---------------------------------------------------------

def abs(x):
    return np.abs(t(x))


absolute = abs


def negative(x):
    x = t(x)
    if x.dtype == _BOOL:
        raise TypeError("negative: boolean tensors cannot be negated; use logical_not.")
    return np.negative(x)


def positive(x):
    return t(x)


def sign(x):
    x = t(x)
    return x if x.dtype == _BOOL else np.sign(x)


def square(x):
    x = t(x)
    if x.dtype == _BOOL:
        x = x.astype(np.int32)
    return np.square(x)


def round(x, decimals=0):
    x = t(x)
    if x.dtype == _BOOL or (decimals >= 0 and x.dtype in _INTS):
        return x
    return np.round(x, decimals=decimals)


def trunc(x):
    x = t(x)
    return np.trunc(x) if x.dtype in _INEXACT else x


def clip(x, x_min, x_max):
    x = t(x)
    if x.dtype == _BOOL:
        x = x.astype(np.int32)
    out = np.clip(x, x_min, x_max)
    return out if out.dtype == x.dtype else out.astype(x.dtype)


def conj(x):
    x = t(x)
    return np.conj(x) if x.dtype in _COMPLEX else x


conjugate = conj


def real(x):
    x = t(x)
    return np.real(x) if x.dtype in _COMPLEX else x


def imag(x):
    x = t(x)
    return np.imag(x) if x.dtype in _COMPLEX else np.zeros_like(x)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = t(x)
    if x.dtype not in _INEXACT:
        return x
    if x.dtype == _BF16:  # NumPy does not see ml_dtypes' bfloat16 as a float type
        info = ml_dtypes.finfo(_BF16)
        posinf = info.max if posinf is None else posinf
        neginf = info.min if neginf is None else neginf
        out = np.nan_to_num(x.astype(np.float32), nan=nan, posinf=posinf, neginf=neginf)
        return out.astype(_BF16)
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def bitwise_invert(x):
    x = t(x)
    _require("bitwise_invert", x.dtype, _INT_OR_BOOL, "integer or boolean tensors", x)
    return np.invert(x)


bitwise_not = bitwise_invert


# --- unary, float results ------------------------------------------------------

def _float_unary(fn, name, convert=_to_float):
    def kernel(x):
        return fn(convert(x))

    kernel.__name__ = kernel.__qualname__ = name
    return kernel


sqrt = _float_unary(np.sqrt, "sqrt")
exp = _float_unary(np.exp, "exp", _to_float_keep64)
exp2 = _float_unary(np.exp2, "exp2", _to_float_keep64)
expm1 = _float_unary(np.expm1, "expm1", _to_float_keep64)
log = _float_unary(np.log, "log")
log1p = _float_unary(np.log1p, "log1p")
log2 = _float_unary(np.log2, "log2")
log10 = _float_unary(np.log10, "log10")
sin = _float_unary(np.sin, "sin")
cos = _float_unary(np.cos, "cos")
tan = _float_unary(np.tan, "tan")
arcsin = _float_unary(np.arcsin, "arcsin")
arccos = _float_unary(np.arccos, "arccos")
arctan = _float_unary(np.arctan, "arctan")
sinh = _float_unary(np.sinh, "sinh")
cosh = _float_unary(np.cosh, "cosh")
tanh = _float_unary(np.tanh, "tanh")
arcsinh = _float_unary(np.arcsinh, "arcsinh")
arccosh = _float_unary(np.arccosh, "arccosh")
arctanh = _float_unary(np.arctanh, "arctanh")
cbrt = _float_unary(np.cbrt, "cbrt", _to_float_wide)
deg2rad = _float_unary(np.deg2rad, "deg2rad", _to_float_wide)
rad2deg = _float_unary(np.rad2deg, "rad2deg", _to_float_wide)
floor = _float_unary(np.floor, "floor")
ceil = _float_unary(np.ceil, "ceil")
fabs = _float_unary(np.abs, "fabs", _to_float_keep64)
reciprocal = _float_unary(np.reciprocal, "reciprocal")


def sinc(x):
    x = _to_float(x)
    out = np.sinc(x)
    return out if out.dtype == x.dtype else out.astype(x.dtype)


def i0(x):
    x = _to_float_wide(x)
    out = np.i0(x.astype(np.float32) if x.dtype == _BF16 else x)
    return out if out.dtype == x.dtype else out.astype(x.dtype)


def angle(x):
    x = _to_float(x)
    out = np.angle(x)
    if x.dtype in _COMPLEX:
        return out
    return out if out.dtype == x.dtype else out.astype(x.dtype)


# --- unary, bool results -------------------------------------------------------

def isnan(x):
    return np.isnan(t(x))


def isinf(x):
    return np.isinf(t(x))


def isfinite(x):
    return np.isfinite(t(x))


def isneginf(x):
    x = t(x)
    return np.isneginf(x) if x.dtype in _INEXACT else np.zeros(x.shape, dtype=bool)


def isposinf(x):
    x = t(x)
    return np.isposinf(x) if x.dtype in _INEXACT else np.zeros(x.shape, dtype=bool)


def isreal(x):
    return np.isreal(t(x))


def signbit(x):
    x = t(x)
    if x.dtype in _INEXACT:
        return np.signbit(x)
    if x.dtype == _BOOL or x.dtype.kind == "u":
        return np.zeros(x.shape, dtype=bool)
    return np.less(x, 0)


def logical_not(x):
    return np.logical_not(t(x))


# --- binary, promoted dtype ------------------------------------------------------

def add(x1, x2):
    x1, x2 = _pair(x1, x2)
    return np.add(x1, x2)


def subtract(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        raise TypeError("subtract: boolean tensors cannot be subtracted; use logical_xor.")
    return np.subtract(x1, x2)


def multiply(x1, x2):
    x1, x2 = _pair(x1, x2)
    return np.multiply(x1, x2)


def maximum(x1, x2):
    x1, x2 = _pair(x1, x2)
    return np.maximum(x1, x2)


def minimum(x1, x2):
    x1, x2 = _pair(x1, x2)
    return np.minimum(x1, x2)


def fmax(x1, x2):
    x1, x2 = _pair(x1, x2)
    return np.fmax(x1, x2)


def fmin(x1, x2):
    x1, x2 = _pair(x1, x2)
    return np.fmin(x1, x2)


def _via_int8(fn, x1, x2):
    """Apply an integer ufunc to two bool arrays, giving bool (Keras keeps bool)."""
    return fn(x1.astype(np.int8), x2.astype(np.int8)).astype(bool)


def floor_divide(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        return _via_int8(np.floor_divide, x1, x2)
    return np.floor_divide(x1, x2)


def power(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        return _via_int8(np.power, x1, x2)
    return np.power(x1, x2)


def mod(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        return np.mod(x1.astype(np.int32), x2.astype(np.int32))
    return np.mod(x1, x2)


def fmod(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        return np.fmod(x1.astype(np.int32), x2.astype(np.int32))
    return np.fmod(x1, x2)


def gcd(x1, x2):
    x1, x2 = _pair(x1, x2)
    _require("gcd", _dtype(x1, x2), _INTS, "integer tensors", x1, x2)
    return np.gcd(x1, x2)


def lcm(x1, x2):
    x1, x2 = _pair(x1, x2)
    _require("lcm", _dtype(x1, x2), _INTS, "integer tensors", x1, x2)
    return np.lcm(x1, x2)


def _bitwise(fn, name, shift=False):
    def kernel(x, y):
        if shift and y.__class__ is int and x.__class__ is not int:
            x = t(x)  # a Python int shift keeps x's dtype, 64 bits included (as in Keras)
            _require(name, x.dtype, _INT_OR_BOOL, "integer or boolean tensors", x)
            return fn(x, y) if x.dtype != _BOOL else fn(x.astype(np.int8), y).astype(bool)
        x, y = _pair(x, y)
        dtype = _dtype(x, y)
        _require(name, dtype, _INT_OR_BOOL, "integer or boolean tensors", x, y)
        if shift and dtype == _BOOL:
            return _via_int8(fn, x, y)
        return fn(x, y)

    kernel.__name__ = kernel.__qualname__ = name
    return kernel


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")
bitwise_left_shift = _bitwise(np.left_shift, "bitwise_left_shift", shift=True)
bitwise_right_shift = _bitwise(np.right_shift, "bitwise_right_shift", shift=True)
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


# --- binary, float results -------------------------------------------------------

def divide(x1, x2):
    x1, x2 = _float_pair(x1, x2)
    return np.true_divide(x1, x2)


true_divide = divide


def divide_no_nan(x1, x2):
    x1, x2 = _float_pair(x1, x2)
    dtype = _dtype(x1, x2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(x1, x2)
    return np.where(np.equal(x2, 0), np.zeros((), dtype=dtype), out)


def arctan2(x1, x2):
    x1, x2 = _float_pair(x1, x2)
    return np.arctan2(x1, x2)


def logaddexp(x1, x2):
    x1, x2 = _float_pair(x1, x2)
    return np.logaddexp(x1, x2)


def logaddexp2(x1, x2):
    x1, x2 = _float_pair(x1, x2)
    return np.logaddexp2(x1, x2)


def nextafter(x1, x2):
    x1, x2 = _float_pair(x1, x2)
    return np.nextafter(x1, x2)


def hypot(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        return np.logical_or(x1, x2)  # Keras keeps bool: hypot(a, b) != 0 iff a or b
    x1, x2 = _float_pair(x1, x2)
    return np.hypot(x1, x2)


def heaviside(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        return np.logical_or(x1, x2)  # bools are never negative: x1 ? 1 : x2
    x1, x2 = _float_pair(x1, x2)
    return np.heaviside(x1, x2)


def ldexp(x1, x2):
    if x2.__class__ is not int:
        x2 = t(x2)
        _require("ldexp", x2.dtype, _INTS, "an integer exponent (x2)", x2)
    if x1.__class__ is not int and x1.__class__ is not float:
        x1 = t(x1)
    dtype = to_native_dtype(result_type(_weak_dtype(x1), _weak_dtype(x2), float))
    x1 = np.asarray(x1, dtype=dtype)
    if dtype == _BF16:
        return np.ldexp(x1.astype(np.float32), x2).astype(_BF16)
    out = np.ldexp(x1, x2)
    return out if out.dtype == dtype else out.astype(dtype)


# --- comparisons and logic -------------------------------------------------------

def equal(x1, x2):
    x1, x2 = _pair(x1, x2)
    return np.equal(x1, x2)


def not_equal(x1, x2):
    x1, x2 = _pair(x1, x2)
    return np.not_equal(x1, x2)


def less(x1, x2):
    x1, x2 = _pair(x1, x2)
    return np.less(x1, x2)


def less_equal(x1, x2):
    x1, x2 = _pair(x1, x2)
    return np.less_equal(x1, x2)


def greater(x1, x2):
    x1, x2 = _pair(x1, x2)
    return np.greater(x1, x2)


def greater_equal(x1, x2):
    x1, x2 = _pair(x1, x2)
    return np.greater_equal(x1, x2)


def logical_and(x1, x2):
    return np.logical_and(t(x1), t(x2))


def logical_or(x1, x2):
    return np.logical_or(t(x1), t(x2))


def logical_xor(x1, x2):
    return np.logical_xor(t(x1), t(x2))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    x1, x2 = _pair(x1, x2)
    return np.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    x1, x2 = _pair(x1, x2)
    return np.asarray(np.allclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))
