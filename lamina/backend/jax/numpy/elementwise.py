"""jax kernels: element-wise math, comparison, logic and bitwise ops.

Output dtypes follow Keras 3 (each op's rule is documented in
``lamina.ops.numpy.elementwise``): operands are promoted on Keras's lattice
with Python scalars weakly typed, float-valued ops turn ints and bools into
floatx, comparisons and predicates give bool.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import config
from lamina.backend.common.dtypes import result_type
from lamina.backend.jax._convert import t
from lamina.backend.jax.core import to_native_dtype

Tensor = jax.Array

_BOOL = jnp.dtype(bool)
_BF16 = jnp.dtype(jnp.bfloat16)
_F32 = jnp.dtype("float32")
_C64 = jnp.dtype("complex64")
_INTS = frozenset(jnp.dtype(d) for d in ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64"))
_INEXACT = frozenset([_BF16] + [jnp.dtype(d) for d in ("float16", "float32", "float64", "complex64", "complex128")])
_COMPLEX = frozenset(jnp.dtype(d) for d in ("complex64", "complex128"))
_INT_OR_BOOL = _INTS | {_BOOL}
# Keras's result_type narrows 64-bit results to 32 bits, so 64-bit operands
# always take the converting path; every other dtype may take a fast path.
_FAST = frozenset(d for d in _INT_OR_BOOL | _INEXACT if d.itemsize < 8 or d == _C64)
_FAST_INEXACT = _FAST & _INEXACT
# Array dtypes that a weak Python int / float scalar leaves unchanged (JAX's
# weak types follow the same lattice as Keras).
_KEEPS_INT = _FAST - {_BOOL}
_KEEPS_FLOAT = _FAST_INEXACT
_NARROW_FLOAT = {jnp.dtype("float64"): _F32, jnp.dtype("complex128"): _C64}


def _pair(x1, x2):
    """Operands ready for a jax.numpy function: arrays of Keras's common dtype, or
    an array and a Python scalar that the function keeps in the array's dtype."""
    c1, c2 = x1.__class__, x2.__class__
    s1 = c1 is int or c1 is float
    s2 = c2 is int or c2 is float
    if not s1:
        x1 = t(x1)
    if not s2:
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
    return jnp.asarray(x1, dtype=dtype), jnp.asarray(x2, dtype=dtype)


_COMMON: dict = {}


def _common_dtype(d1, d2):
    """Keras's result dtype (as a jax dtype) for two dtypes / weak Python types, cached."""
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


_INT64S = frozenset([jnp.dtype("int64"), jnp.dtype("uint64")])


def _to_float_keep64(x):
    """Ints and bools become floatx; every float dtype is kept (Keras's rule for exp, fabs, ...)."""
    x = t(x)
    return x if x.dtype in _INEXACT else x.astype(_floatx())


def _to_float_wide(x):
    """As ``_to_float_keep64``, with 64-bit ints made float64 (Keras's rule for cbrt, deg2rad, ...)."""
    x = t(x)
    if x.dtype in _INEXACT:
        return x
    return x.astype(jnp.float64 if x.dtype in _INT64S else _floatx())


def _float_pair(x1, x2):
    """Like ``_pair``, with ints and bools made floatx (true_divide, arctan2, ...)."""
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) in _FAST_INEXACT:
        return x1, x2
    dtype = _floatx()
    return jnp.asarray(x1, dtype=dtype), jnp.asarray(x2, dtype=dtype)


def _names(*xs):
    return " and ".join(str(x.dtype) if hasattr(x, "dtype") else type(x).__name__ for x in xs)


def _require(op, dtype, allowed, what, *xs):
    if dtype not in allowed:
        raise TypeError(f"{op}: expected {what}, received {_names(*xs)}.")


# --- unary, same dtype ---------------------------------------------------------

def abs(x):
    x = t(x)
    return x if x.dtype == _BOOL else jnp.abs(x)


absolute = abs


def negative(x):
    x = t(x)
    if x.dtype == _BOOL:
        raise TypeError("negative: boolean tensors cannot be negated; use logical_not.")
    return jnp.negative(x)


def positive(x):
    return t(x)


def sign(x):
    x = t(x)
    return x if x.dtype == _BOOL else jnp.sign(x)


def square(x):
    x = t(x)
    if x.dtype == _BOOL:
        x = x.astype(jnp.int32)
    return jnp.square(x)


def round(x, decimals=0):
    x = t(x)
    if x.dtype == _BOOL or (decimals >= 0 and x.dtype in _INTS):
        return x
    if x.dtype in _INTS:
        factor = 10 ** (-decimals)
        return (jnp.round(x.astype(_F32) / factor) * factor).astype(x.dtype)
    return jnp.round(x, decimals=decimals)


def trunc(x):
    x = t(x)
    return jnp.trunc(x) if x.dtype in _INEXACT else x


def clip(x, x_min, x_max):
    x = t(x)
    if x.dtype == _BOOL:
        x = x.astype(jnp.int32)
    out = jnp.clip(x, x_min, x_max)
    return out if out.dtype == x.dtype else out.astype(x.dtype)


def conj(x):
    x = t(x)
    return jnp.conj(x) if x.dtype in _COMPLEX else x


conjugate = conj


def real(x):
    x = t(x)
    return jnp.real(x) if x.dtype in _COMPLEX else x


def imag(x):
    x = t(x)
    return jnp.imag(x) if x.dtype in _COMPLEX else jnp.zeros_like(x)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = t(x)
    if x.dtype not in _INEXACT:
        return x
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def bitwise_invert(x):
    x = t(x)
    _require("bitwise_invert", x.dtype, _INT_OR_BOOL, "integer or boolean tensors", x)
    return jnp.invert(x)


bitwise_not = bitwise_invert


# --- unary, float results ------------------------------------------------------

def _float_unary(fn, name, convert=_to_float):
    def kernel(x):
        return fn(convert(x))

    kernel.__name__ = kernel.__qualname__ = name
    return kernel


sqrt = _float_unary(jnp.sqrt, "sqrt")
exp = _float_unary(jnp.exp, "exp", _to_float_keep64)
exp2 = _float_unary(jnp.exp2, "exp2", _to_float_keep64)
expm1 = _float_unary(jnp.expm1, "expm1", _to_float_keep64)
log = _float_unary(jnp.log, "log")
log1p = _float_unary(jnp.log1p, "log1p")
log2 = _float_unary(jnp.log2, "log2")
log10 = _float_unary(jnp.log10, "log10")
sin = _float_unary(jnp.sin, "sin")
cos = _float_unary(jnp.cos, "cos")
tan = _float_unary(jnp.tan, "tan")
arcsin = _float_unary(jnp.arcsin, "arcsin")
arccos = _float_unary(jnp.arccos, "arccos")
arctan = _float_unary(jnp.arctan, "arctan")
sinh = _float_unary(jnp.sinh, "sinh")
cosh = _float_unary(jnp.cosh, "cosh")
tanh = _float_unary(jnp.tanh, "tanh")
arcsinh = _float_unary(jnp.arcsinh, "arcsinh")
arccosh = _float_unary(jnp.arccosh, "arccosh")
arctanh = _float_unary(jnp.arctanh, "arctanh")
cbrt = _float_unary(jnp.cbrt, "cbrt", _to_float_wide)
deg2rad = _float_unary(jnp.deg2rad, "deg2rad", _to_float_wide)
rad2deg = _float_unary(jnp.rad2deg, "rad2deg", _to_float_wide)
floor = _float_unary(jnp.floor, "floor")
ceil = _float_unary(jnp.ceil, "ceil")
fabs = _float_unary(jnp.abs, "fabs", _to_float_keep64)
reciprocal = _float_unary(jnp.reciprocal, "reciprocal")


def sinc(x):
    x = _to_float(x)
    out = jnp.sinc(x)
    return out if out.dtype == x.dtype else out.astype(x.dtype)


def i0(x):
    x = _to_float_wide(x)
    out = jnp.i0(x)
    return out if out.dtype == x.dtype else out.astype(x.dtype)


def angle(x):
    x = _to_float(x)
    out = jnp.angle(x)
    if x.dtype in _COMPLEX:
        return out
    return out if out.dtype == x.dtype else out.astype(x.dtype)


# --- unary, bool results -------------------------------------------------------

def isnan(x):
    return jnp.isnan(t(x))


def isinf(x):
    return jnp.isinf(t(x))


def isfinite(x):
    return jnp.isfinite(t(x))


def isneginf(x):
    x = t(x)
    return jnp.isneginf(x) if x.dtype in _INEXACT else jnp.zeros(x.shape, dtype=bool)


def isposinf(x):
    x = t(x)
    return jnp.isposinf(x) if x.dtype in _INEXACT else jnp.zeros(x.shape, dtype=bool)


def isreal(x):
    return jnp.isreal(t(x))


def signbit(x):
    x = t(x)
    if x.dtype in _INEXACT:
        return jnp.signbit(x)
    if x.dtype == _BOOL or x.dtype.kind == "u":
        return jnp.zeros(x.shape, dtype=bool)
    return jnp.less(x, 0)


def logical_not(x):
    return jnp.logical_not(t(x))


# --- binary, promoted dtype ------------------------------------------------------

def add(x1, x2):
    x1, x2 = _pair(x1, x2)
    return jnp.add(x1, x2)


def subtract(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        raise TypeError("subtract: boolean tensors cannot be subtracted; use logical_xor.")
    return jnp.subtract(x1, x2)


def multiply(x1, x2):
    x1, x2 = _pair(x1, x2)
    return jnp.multiply(x1, x2)


def maximum(x1, x2):
    x1, x2 = _pair(x1, x2)
    return jnp.maximum(x1, x2)


def minimum(x1, x2):
    x1, x2 = _pair(x1, x2)
    return jnp.minimum(x1, x2)


def fmax(x1, x2):
    x1, x2 = _pair(x1, x2)
    return jnp.fmax(x1, x2)


def fmin(x1, x2):
    x1, x2 = _pair(x1, x2)
    return jnp.fmin(x1, x2)


def _via_int8(fn, x1, x2):
    """Apply an integer ufunc to two bool arrays, giving bool (Keras keeps bool)."""
    return fn(x1.astype(jnp.int8), x2.astype(jnp.int8)).astype(bool)


def floor_divide(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        return _via_int8(jnp.floor_divide, x1, x2)
    return jnp.floor_divide(x1, x2)


def power(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        return _via_int8(jnp.power, x1, x2)
    return jnp.power(x1, x2)


def mod(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        return jnp.mod(x1.astype(jnp.int32), x2.astype(jnp.int32))
    return jnp.mod(x1, x2)


def fmod(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        return jnp.fmod(x1.astype(jnp.int32), x2.astype(jnp.int32))
    return jnp.fmod(x1, x2)


def gcd(x1, x2):
    x1, x2 = _pair(x1, x2)
    _require("gcd", _dtype(x1, x2), _INTS, "integer tensors", x1, x2)
    return jnp.gcd(x1, x2)


def lcm(x1, x2):
    x1, x2 = _pair(x1, x2)
    _require("lcm", _dtype(x1, x2), _INTS, "integer tensors", x1, x2)
    return jnp.lcm(x1, x2)


def _bitwise(fn, name, shift=False):
    def kernel(x, y):
        if shift and y.__class__ is int and x.__class__ is not int:
            x = t(x)  # a Python int shift keeps x's dtype, 64 bits included (as in Keras)
            _require(name, x.dtype, _INT_OR_BOOL, "integer or boolean tensors", x)
            return fn(x, y) if x.dtype != _BOOL else fn(x.astype(jnp.int8), y).astype(bool)
        x, y = _pair(x, y)
        dtype = _dtype(x, y)
        _require(name, dtype, _INT_OR_BOOL, "integer or boolean tensors", x, y)
        if shift and dtype == _BOOL:
            return _via_int8(fn, x, y)
        return fn(x, y)

    kernel.__name__ = kernel.__qualname__ = name
    return kernel


bitwise_and = _bitwise(jnp.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(jnp.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(jnp.bitwise_xor, "bitwise_xor")
bitwise_left_shift = _bitwise(jnp.left_shift, "bitwise_left_shift", shift=True)
bitwise_right_shift = _bitwise(jnp.right_shift, "bitwise_right_shift", shift=True)
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


# --- binary, float results -------------------------------------------------------

def divide(x1, x2):
    x1, x2 = _float_pair(x1, x2)
    return jnp.true_divide(x1, x2)


true_divide = divide


def divide_no_nan(x1, x2):
    x1, x2 = _float_pair(x1, x2)
    dtype = _dtype(x1, x2)
    zero = jnp.equal(x2, 0)
    # The inner where keeps the gradient of the untaken branch finite.
    return jnp.where(zero, jnp.zeros((), dtype=dtype), jnp.true_divide(x1, jnp.where(zero, 1, x2)))


def arctan2(x1, x2):
    x1, x2 = _float_pair(x1, x2)
    return jnp.arctan2(x1, x2)


def logaddexp(x1, x2):
    x1, x2 = _float_pair(x1, x2)
    return jnp.logaddexp(x1, x2)


def logaddexp2(x1, x2):
    x1, x2 = _float_pair(x1, x2)
    return jnp.logaddexp2(x1, x2)


def nextafter(x1, x2):
    x1, x2 = _float_pair(x1, x2)
    return jnp.nextafter(x1, x2)


def hypot(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        return jnp.logical_or(x1, x2)  # Keras keeps bool: hypot(a, b) != 0 iff a or b
    x1, x2 = _float_pair(x1, x2)
    return jnp.hypot(x1, x2)


def heaviside(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) == _BOOL:
        return jnp.logical_or(x1, x2)  # bools are never negative: x1 ? 1 : x2
    x1, x2 = _float_pair(x1, x2)
    return jnp.heaviside(x1, x2)


def ldexp(x1, x2):
    if x2.__class__ is not int:
        x2 = t(x2)
        _require("ldexp", x2.dtype, _INTS, "an integer exponent (x2)", x2)
    if x1.__class__ is not int and x1.__class__ is not float:
        x1 = t(x1)
    dtype = to_native_dtype(result_type(_weak_dtype(x1), _weak_dtype(x2), float))
    x1 = jnp.asarray(x1, dtype=dtype)
    out = jnp.ldexp(x1, x2)
    return out if out.dtype == dtype else out.astype(dtype)


# --- comparisons and logic -------------------------------------------------------

def equal(x1, x2):
    x1, x2 = _pair(x1, x2)
    return jnp.equal(x1, x2)


def not_equal(x1, x2):
    x1, x2 = _pair(x1, x2)
    return jnp.not_equal(x1, x2)


def less(x1, x2):
    x1, x2 = _pair(x1, x2)
    return jnp.less(x1, x2)


def less_equal(x1, x2):
    x1, x2 = _pair(x1, x2)
    return jnp.less_equal(x1, x2)


def greater(x1, x2):
    x1, x2 = _pair(x1, x2)
    return jnp.greater(x1, x2)


def greater_equal(x1, x2):
    x1, x2 = _pair(x1, x2)
    return jnp.greater_equal(x1, x2)


def logical_and(x1, x2):
    return jnp.logical_and(t(x1), t(x2))


def logical_or(x1, x2):
    return jnp.logical_or(t(x1), t(x2))


def logical_xor(x1, x2):
    return jnp.logical_xor(t(x1), t(x2))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    x1, x2 = _pair(x1, x2)
    return jnp.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    x1, x2 = _pair(x1, x2)
    return jnp.asarray(jnp.allclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))
