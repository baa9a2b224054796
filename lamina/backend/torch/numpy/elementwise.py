"""torch kernels: element-wise math, comparison, logic and bitwise ops.

Output dtypes follow Keras 3 (each op's rule is documented in
``lamina.ops.numpy.elementwise``): operands are promoted on Keras's lattice
with Python scalars weakly typed, float-valued ops turn ints and bools into
floatx, comparisons and predicates give bool.

PyTorch implements little arithmetic for uint16/uint32/uint64, so those run
in int64 and are cast back (wrapping as unsigned arithmetic does).
"""

from __future__ import annotations

import math

import torch

from lamina import config
from lamina.backend.common.dtypes import result_type
from lamina.backend.torch._convert import t
from lamina.backend.torch.core import _DTYPES, default_device

Tensor = torch.Tensor

_BOOL = torch.bool
_F32 = torch.float32
_INTS = frozenset([torch.uint8, torch.uint16, torch.uint32, torch.uint64, torch.int8, torch.int16, torch.int32,
                   torch.int64])
_WIDE_UINT = frozenset([torch.uint16, torch.uint32, torch.uint64])
_INEXACT = frozenset([torch.bfloat16, torch.float16, torch.float32, torch.float64, torch.complex64,
                      torch.complex128])
_COMPLEX = frozenset([torch.complex64, torch.complex128])
_INT_OR_BOOL = _INTS | {_BOOL}
# Keras's result_type narrows 64-bit results to 32 bits, so 64-bit operands
# always take the converting path; the other dtypes may take a fast path.
_FAST = frozenset([_BOOL, torch.uint8, torch.uint16, torch.uint32, torch.int8, torch.int16, torch.int32,
                   torch.bfloat16, torch.float16, torch.float32, torch.complex64])
_FAST_INEXACT = _FAST & _INEXACT
# Tensor dtypes that a weak Python int / float scalar leaves unchanged, under
# both Keras's rules and PyTorch's.
_KEEPS_INT = _FAST - {_BOOL} - _WIDE_UINT
_KEEPS_FLOAT = _FAST_INEXACT
_NARROW_FLOAT = {torch.float64: torch.float32, torch.complex128: torch.complex64}


def _floatx():
    return _DTYPES[config.floatx()]


_COMMON: dict = {}


def _common_dtype(d1, d2):
    """Keras's result dtype (as a torch dtype) for two dtypes / weak Python types, cached."""
    key = (d1, d2, config.floatx())
    out = _COMMON.get(key)
    if out is None:
        out = _COMMON[key] = _DTYPES[result_type(d1, d2)]
    return out


def _weak_dtype(x):
    c = x.__class__
    return c if c is int or c is float else x.dtype


def _cast(x, dtype, like):
    if x.__class__ is int or x.__class__ is float:
        return torch.tensor(x, dtype=dtype, device=like.device)
    return x if x.dtype == dtype else x.to(dtype)


def _pair(x1, x2):
    """Operands ready for a torch *operator* (``+``, ``<``, ...): tensors of Keras's
    common dtype, or a tensor and a Python scalar that keeps the tensor's dtype."""
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
    if s1 and s2:
        x1 = like = t(x1)
    else:
        like = x2 if s1 else x1
    dtype = _common_dtype(_weak_dtype(x1), _weak_dtype(x2))
    return _cast(x1, dtype, like), _cast(x2, dtype, like)


def _tensors(x1, x2):
    """Like ``_pair`` but both are tensors (for torch functions that refuse Python scalars)."""
    x1, x2 = _pair(x1, x2)
    if x1.__class__ is int or x1.__class__ is float:
        return torch.tensor(x1, dtype=x2.dtype, device=x2.device), x2
    if x2.__class__ is int or x2.__class__ is float:
        return x1, torch.tensor(x2, dtype=x1.dtype, device=x1.device)
    return x1, x2


def _dtype(x1, x2):
    c = x1.__class__
    return x2.dtype if c is int or c is float else x1.dtype


def _to_float(x):
    """``x`` in Keras's float result dtype: half/bfloat16/float32 stay, float64 narrows to
    float32 (as Keras's result_type does), ints and bools become floatx."""
    x = t(x)
    d = x.dtype
    if d in _FAST_INEXACT:
        return x
    return x.to(_NARROW_FLOAT.get(d) or _floatx())


_INT64S = frozenset([torch.int64, torch.uint64])


def _to_float_keep64(x):
    """Ints and bools become floatx; every float dtype is kept (Keras's rule for exp, fabs, ...)."""
    x = t(x)
    return x if x.dtype in _INEXACT else x.to(_floatx())


def _to_float_wide(x):
    """As ``_to_float_keep64``, with 64-bit ints made float64 (Keras's rule for cbrt, deg2rad, ...)."""
    x = t(x)
    if x.dtype in _INEXACT:
        return x
    return x.to(torch.float64 if x.dtype in _INT64S else _floatx())


def _float_tensors(x1, x2):
    x1, x2 = _tensors(x1, x2)
    if x1.dtype in _FAST_INEXACT:
        return x1, x2
    dtype = _floatx()
    return x1.to(dtype), x2.to(dtype)


def _wide(x):
    return x if x.__class__ is int or x.__class__ is float else x.to(torch.int64)


def _names(*xs):
    return " and ".join(str(x.dtype).replace("torch.", "") if hasattr(x, "dtype") else type(x).__name__
                        for x in xs)


def _require(op, dtype, allowed, what, *xs):
    if dtype not in allowed:
        raise TypeError(f"{op}: expected {what}, received {_names(*xs)}.")


# --- unary, same dtype ---------------------------------------------------------

def abs(x):
    x = t(x)
    if x.dtype == _BOOL or x.dtype in _WIDE_UINT:
        return x
    return torch.abs(x)


absolute = abs


def negative(x):
    x = t(x)
    if x.dtype == _BOOL:
        raise TypeError("negative: boolean tensors cannot be negated; use logical_not.")
    if x.dtype in _WIDE_UINT:
        return torch.neg(x.to(torch.int64)).to(x.dtype)
    return torch.neg(x)


def positive(x):
    return t(x)


def sign(x):
    x = t(x)
    if x.dtype == _BOOL:
        return x
    if x.dtype in _WIDE_UINT:
        return (x != 0).to(x.dtype)
    return torch.sign(x)


def square(x):
    x = t(x)
    if x.dtype == _BOOL:
        x = x.to(torch.int32)
    elif x.dtype in _WIDE_UINT:
        return torch.square(x.to(torch.int64)).to(x.dtype)
    return torch.square(x)


def round(x, decimals=0):
    x = t(x)
    if x.dtype == _BOOL or (x.dtype in _INTS and decimals >= 0):
        return x
    if x.dtype in _INTS:
        factor = 10 ** (-decimals)
        return (torch.round(x.to(torch.float64) / factor) * factor).to(x.dtype)
    if decimals == 0:
        return torch.round(x)
    return torch.round(x, decimals=decimals)


def trunc(x):
    x = t(x)
    return torch.trunc(x) if x.dtype in _INEXACT else x


def clip(x, x_min, x_max):
    x = t(x)
    dtype = torch.int32 if x.dtype == _BOOL else x.dtype
    if x.dtype == _BOOL or x.dtype in _WIDE_UINT:
        x = x.to(torch.int64 if dtype in _WIDE_UINT else dtype)
    if x_min is not None and x_min.__class__ not in (int, float):
        x_min = t(x_min)
    if x_max is not None and x_max.__class__ not in (int, float):
        x_max = t(x_max)
    out = torch.clamp(x, x_min, x_max)
    return out if out.dtype == dtype else out.to(dtype)


def conj(x):
    x = t(x)
    return torch.conj(x).resolve_conj() if x.dtype in _COMPLEX else x


conjugate = conj


def real(x):
    x = t(x)
    return torch.real(x) if x.dtype in _COMPLEX else x


def imag(x):
    x = t(x)
    return torch.imag(x) if x.dtype in _COMPLEX else torch.zeros_like(x)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = t(x)
    if x.dtype not in _INEXACT:
        return x
    return torch.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def bitwise_invert(x):
    x = t(x)
    _require("bitwise_invert", x.dtype, _INT_OR_BOOL, "integer or boolean tensors", x)
    if x.dtype in _WIDE_UINT:
        return torch.bitwise_not(x.to(torch.int64)).to(x.dtype)
    return torch.bitwise_not(x)


bitwise_not = bitwise_invert


# --- unary, float results ------------------------------------------------------

def _float_unary(fn, name, convert=_to_float):
    def kernel(x):
        return fn(convert(x))

    kernel.__name__ = kernel.__qualname__ = name
    return kernel


def _cbrt(x):
    return torch.sign(x) * torch.pow(torch.abs(x), 1.0 / 3.0)


sqrt = _float_unary(torch.sqrt, "sqrt")
exp = _float_unary(torch.exp, "exp", _to_float_keep64)
exp2 = _float_unary(torch.exp2, "exp2", _to_float_keep64)
expm1 = _float_unary(torch.expm1, "expm1", _to_float_keep64)
log = _float_unary(torch.log, "log")
log1p = _float_unary(torch.log1p, "log1p")
log2 = _float_unary(torch.log2, "log2")
log10 = _float_unary(torch.log10, "log10")
sin = _float_unary(torch.sin, "sin")
cos = _float_unary(torch.cos, "cos")
tan = _float_unary(torch.tan, "tan")
arcsin = _float_unary(torch.arcsin, "arcsin")
arccos = _float_unary(torch.arccos, "arccos")
arctan = _float_unary(torch.arctan, "arctan")
sinh = _float_unary(torch.sinh, "sinh")
cosh = _float_unary(torch.cosh, "cosh")
tanh = _float_unary(torch.tanh, "tanh")
arcsinh = _float_unary(torch.arcsinh, "arcsinh")
arccosh = _float_unary(torch.arccosh, "arccosh")
arctanh = _float_unary(torch.arctanh, "arctanh")
cbrt = _float_unary(_cbrt, "cbrt", _to_float_wide)
deg2rad = _float_unary(torch.deg2rad, "deg2rad", _to_float_wide)
rad2deg = _float_unary(torch.rad2deg, "rad2deg", _to_float_wide)
floor = _float_unary(torch.floor, "floor")
ceil = _float_unary(torch.ceil, "ceil")
fabs = _float_unary(torch.abs, "fabs", _to_float_keep64)
reciprocal = _float_unary(torch.reciprocal, "reciprocal")
sinc = _float_unary(torch.sinc, "sinc")
i0 = _float_unary(torch.special.i0, "i0", _to_float_wide)


def angle(x):
    x = _to_float(x)
    if x.dtype in _COMPLEX:
        return torch.angle(x)
    return torch.atan2(torch.zeros_like(x), x)  # NumPy's convention: angle(-0.0) == pi


# --- unary, bool results -------------------------------------------------------

def _float_predicate(fn, name, default):
    """A float predicate; ints and bools give ``default`` everywhere."""
    def kernel(x):
        x = t(x)
        if x.dtype in _INEXACT:
            return fn(x)
        return torch.full(x.shape, default, dtype=_BOOL, device=x.device)

    kernel.__name__ = kernel.__qualname__ = name
    return kernel


isnan = _float_predicate(torch.isnan, "isnan", False)
isinf = _float_predicate(torch.isinf, "isinf", False)
isfinite = _float_predicate(torch.isfinite, "isfinite", True)
isneginf = _float_predicate(torch.isneginf, "isneginf", False)
isposinf = _float_predicate(torch.isposinf, "isposinf", False)


def isreal(x):
    x = t(x)
    if x.dtype in _COMPLEX:
        return torch.imag(x) == 0
    return torch.ones(x.shape, dtype=_BOOL, device=x.device)


def signbit(x):
    x = t(x)
    if x.dtype == _BOOL or x.dtype in _WIDE_UINT:
        return torch.zeros(x.shape, dtype=_BOOL, device=x.device)
    return torch.signbit(x)


def _truthy(x):
    return x != 0 if x.dtype in _WIDE_UINT else x


def logical_not(x):
    return torch.logical_not(_truthy(t(x)))


# --- binary, promoted dtype ------------------------------------------------------

def _arith(fn, name, via_int8_for_bool=False, bool_error=None, bool_to_int32=False, scalars=True):
    """A promoting binary kernel; ``fn`` takes (tensor | scalar, tensor | scalar) when ``scalars``."""
    def kernel(x1, x2):
        x1, x2 = _pair(x1, x2) if scalars else _tensors(x1, x2)
        dtype = _dtype(x1, x2)
        if dtype in _FAST_INEXACT or dtype in _KEEPS_INT:
            return fn(x1, x2)
        if dtype == _BOOL:
            if bool_error:
                raise TypeError(f"{name}: {bool_error}")
            if bool_to_int32:
                return fn(x1.to(torch.int32), x2.to(torch.int32))
            if via_int8_for_bool:
                return fn(x1.to(torch.int8), x2.to(torch.int8)).to(_BOOL)
            return fn(x1, x2)
        if dtype in _WIDE_UINT:
            return fn(_wide(x1), _wide(x2)).to(dtype)
        return fn(x1, x2)

    kernel.__name__ = kernel.__qualname__ = name
    return kernel


add = _arith(lambda a, b: a + b, "add")
subtract = _arith(lambda a, b: a - b, "subtract",
                  bool_error="boolean tensors cannot be subtracted; use logical_xor.")
multiply = _arith(lambda a, b: a * b, "multiply")
floor_divide = _arith(lambda a, b: a // b, "floor_divide", via_int8_for_bool=True)
power = _arith(lambda a, b: a ** b, "power", via_int8_for_bool=True)
mod = _arith(lambda a, b: a % b, "mod", bool_to_int32=True)
fmod = _arith(torch.fmod, "fmod", bool_to_int32=True, scalars=False)


def _extremum(fn, bound, name):
    """maximum / minimum; against a weak Python scalar this is a clamp (no scalar tensor to build)."""
    general = _arith(fn, name, scalars=False)

    def kernel(x1, x2):
        c1, c2 = x1.__class__, x2.__class__
        if c2 is int or c2 is float:
            x, s = x1, x2
        elif c1 is int or c1 is float:
            x, s = x2, x1
        else:
            return general(x1, x2)
        if isinstance(x, Tensor) and x.dtype in (_KEEPS_FLOAT if s.__class__ is float else _KEEPS_INT):
            return torch.clamp(x, **{bound: s})
        return general(x1, x2)

    kernel.__name__ = kernel.__qualname__ = name
    return kernel


maximum = _extremum(torch.maximum, "min", "maximum")
minimum = _extremum(torch.minimum, "max", "minimum")
fmax = _arith(torch.fmax, "fmax", scalars=False)
fmin = _arith(torch.fmin, "fmin", scalars=False)


def _integer_op(fn, name, allow_bool, shift=False):
    what = "integer or boolean tensors" if allow_bool else "integer tensors"
    allowed = _INT_OR_BOOL if allow_bool else _INTS

    def kernel(x, y):
        if shift and y.__class__ is int and x.__class__ is not int:
            x = t(x)  # a Python int shift keeps x's dtype, 64 bits included (as in Keras)
            _require(name, x.dtype, allowed, what, x)
            if x.dtype == _BOOL:
                return fn(x.to(torch.int8), y).to(_BOOL)
            if x.dtype in _WIDE_UINT:
                return fn(x.to(torch.int64), y).to(x.dtype)
            return fn(x, y)
        x, y = _tensors(x, y)
        dtype = x.dtype
        _require(name, dtype, allowed, what, x, y)
        if dtype in _WIDE_UINT:
            return fn(x.to(torch.int64), y.to(torch.int64)).to(dtype)
        if shift and dtype == _BOOL:
            return fn(x.to(torch.int8), y.to(torch.int8)).to(_BOOL)
        return fn(x, y)

    kernel.__name__ = kernel.__qualname__ = name
    return kernel


gcd = _integer_op(torch.gcd, "gcd", allow_bool=False)
lcm = _integer_op(torch.lcm, "lcm", allow_bool=False)
bitwise_and = _integer_op(torch.bitwise_and, "bitwise_and", allow_bool=True)
bitwise_or = _integer_op(torch.bitwise_or, "bitwise_or", allow_bool=True)
bitwise_xor = _integer_op(torch.bitwise_xor, "bitwise_xor", allow_bool=True)
bitwise_left_shift = _integer_op(torch.bitwise_left_shift, "bitwise_left_shift", allow_bool=True, shift=True)
bitwise_right_shift = _integer_op(torch.bitwise_right_shift, "bitwise_right_shift", allow_bool=True, shift=True)
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


# --- binary, float results -------------------------------------------------------

def divide(x1, x2):
    x1, x2 = _pair(x1, x2)
    if _dtype(x1, x2) not in _FAST_INEXACT:
        x1, x2 = _float_tensors(x1, x2)
    return x1 / x2


true_divide = divide


def divide_no_nan(x1, x2):
    x1, x2 = _float_tensors(x1, x2)
    zero = x2 == 0
    return torch.where(zero, torch.zeros((), dtype=x1.dtype, device=x1.device), x1 / torch.where(zero, 1, x2))


def _float_binary(fn, name):
    def kernel(x1, x2):
        return fn(*_float_tensors(x1, x2))

    kernel.__name__ = kernel.__qualname__ = name
    return kernel


arctan2 = _float_binary(torch.arctan2, "arctan2")
logaddexp = _float_binary(torch.logaddexp, "logaddexp")
logaddexp2 = _float_binary(torch.logaddexp2, "logaddexp2")
nextafter = _float_binary(torch.nextafter, "nextafter")


def hypot(x1, x2):
    x1, x2 = _tensors(x1, x2)
    if x1.dtype == _BOOL:
        return torch.logical_or(x1, x2)  # Keras keeps bool: hypot(a, b) != 0 iff a or b
    return torch.hypot(*_float_tensors(x1, x2))


def heaviside(x1, x2):
    x1, x2 = _tensors(x1, x2)
    if x1.dtype == _BOOL:
        return torch.logical_or(x1, x2)  # bools are never negative: x1 ? 1 : x2
    return torch.heaviside(*_float_tensors(x1, x2))


def ldexp(x1, x2):
    if x2.__class__ is not int:
        x2 = t(x2)
        _require("ldexp", x2.dtype, _INTS, "an integer exponent (x2)", x2)
        if x2.dtype in _WIDE_UINT:
            x2 = x2.to(torch.int64)
    if x1.__class__ is not int and x1.__class__ is not float:
        x1 = t(x1)
    dtype = _DTYPES[result_type(_weak_dtype(x1), _weak_dtype(x2), float)]
    if x1.__class__ is int or x1.__class__ is float:
        x1 = torch.tensor(x1, dtype=dtype, device=x2.device if isinstance(x2, Tensor) else default_device())
    else:
        x1 = x1.to(dtype)
    if x2.__class__ is int:
        return x1 * math.ldexp(1.0, x2)
    return torch.ldexp(x1, x2).to(dtype)


# --- comparisons and logic -------------------------------------------------------

def _compare(fn, name):
    def kernel(x1, x2):
        x1, x2 = _pair(x1, x2)
        if _dtype(x1, x2) in _WIDE_UINT:
            return fn(_wide(x1), _wide(x2))
        return fn(x1, x2)

    kernel.__name__ = kernel.__qualname__ = name
    return kernel


equal = _compare(lambda a, b: a == b, "equal")
not_equal = _compare(lambda a, b: a != b, "not_equal")
less = _compare(lambda a, b: a < b, "less")
less_equal = _compare(lambda a, b: a <= b, "less_equal")
greater = _compare(lambda a, b: a > b, "greater")
greater_equal = _compare(lambda a, b: a >= b, "greater_equal")


def logical_and(x1, x2):
    return torch.logical_and(_truthy(t(x1)), _truthy(t(x2)))


def logical_or(x1, x2):
    return torch.logical_or(_truthy(t(x1)), _truthy(t(x2)))


def logical_xor(x1, x2):
    return torch.logical_xor(_truthy(t(x1)), _truthy(t(x2)))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    x1, x2 = _tensors(x1, x2)
    if x1.dtype in _WIDE_UINT:
        x1, x2 = x1.to(torch.int64), x2.to(torch.int64)
    return torch.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    close = isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return torch.all(close)
