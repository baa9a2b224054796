"""Element-wise math, comparison, logic and bitwise ops (part of ``lamina.ops.numpy``).

Output dtypes follow Keras 3:

* same-dtype ops (``abs``, ``negative``, ``round``, ...) keep the input's dtype;
* binary arithmetic (``add``, ``power``, ``maximum``, ...) promotes its operands
  on Keras's lattice, with Python scalars weakly typed (``int8 + 1`` is int8);
* float-valued ops (``sqrt``, ``exp``, ``divide``, ``arctan2``, ...) give
  ``floatx`` for int and bool inputs and keep float inputs' dtype;
* comparisons, logical ops and predicates (``isnan``, ``isclose``) give bool.

Example:
    >>> from lamina import ops
    >>> ops.dtype(ops.sqrt([1, 4]))        # ints become floatx
    'float32'
    >>> ops.dtype(ops.add(ops.ones(2, "int8"), 1))
    'int8'
"""

from __future__ import annotations

import operator

from lamina import config
from lamina.backend import impl as B
from lamina.backend.common.dtypes import result_type
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec

_INEXACT = ("bfloat16", "float16", "float32", "float64", "complex64", "complex128")
_INTS = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
_REAL_OF_COMPLEX = {"complex64": "float32", "complex128": "float64"}


# --- spec helpers (shape and dtype inference on KerasTensors) --------------------

def _result_dtype(*xs) -> str:
    return result_type(*[_spec.dtype_of(x) for x in xs])


def _kept_dtype(x) -> str:
    """``x``'s own dtype (Python scalars give int32 / floatx); unlike result_type, 64 bits stay 64."""
    d = _spec.dtype_of(x)
    return d if isinstance(d, str) else result_type(d)


def _same_spec(x, *args, **kwargs):
    """Same shape and dtype as the input (abs, negative, round, ...)."""
    return KerasTensor(_spec.shape_of(x), dtype=_kept_dtype(x))


def _floatish(dtype: str) -> str:
    return dtype if dtype in _INEXACT else config.floatx()


def _describe(*xs) -> str:
    return " and ".join(str(_spec.dtype_of(x)) for x in xs)


def _float_keep64_spec(x):
    """Ints and bools give floatx; every float dtype, float64 included, is kept (exp, fabs, ...)."""
    dtype = _kept_dtype(x)
    return KerasTensor(_spec.shape_of(x), dtype=_floatish(dtype))


def _float_wide_spec(x):
    """Like ``_float_keep64_spec`` but 64-bit ints give float64 (cbrt, deg2rad, rad2deg, i0)."""
    dtype = _kept_dtype(x)
    if dtype in ("int64", "uint64"):
        dtype = "float64"
    return KerasTensor(_spec.shape_of(x), dtype=_floatish(dtype))


def _negative_spec(x):
    if _kept_dtype(x) == "bool":
        raise TypeError("negative: boolean tensors cannot be negated; use logical_not.")
    return _same_spec(x)


def _bool_to_int32_spec(x, *args, **kwargs):
    dtype = _kept_dtype(x)
    return KerasTensor(_spec.shape_of(x), dtype="int32" if dtype == "bool" else dtype)


def _real_part_spec(x):
    dtype = _kept_dtype(x)
    return KerasTensor(_spec.shape_of(x), dtype=_REAL_OF_COMPLEX.get(dtype, dtype))


def _angle_spec(x):
    dtype = _result_dtype(x)
    return KerasTensor(_spec.shape_of(x), dtype=_REAL_OF_COMPLEX.get(dtype) or _floatish(dtype))


def _int_or_bool_unary_spec(name):
    def spec(x):
        dtype = _kept_dtype(x)
        if dtype not in _INTS and dtype != "bool":
            raise TypeError(f"{name}: expected an integer or boolean tensor, received {dtype}.")
        return _same_spec(x)

    return spec


def _subtract_spec(x1, x2):
    if _result_dtype(x1, x2) == "bool":
        raise TypeError("subtract: boolean tensors cannot be subtracted; use logical_xor.")
    return _spec.binary_spec(x1, x2)


def _mod_spec(x1, x2):
    out = _spec.binary_spec(x1, x2)
    return KerasTensor(out.shape, dtype="int32") if out.dtype == "bool" else out


def _bool_or_float_spec(x1, x2):
    """hypot, heaviside: bool stays bool, ints become floatx."""
    shape = _spec.broadcast_shapes(_spec.shape_of(x1), _spec.shape_of(x2))
    dtype = _result_dtype(x1, x2)
    return KerasTensor(shape, dtype=dtype if dtype == "bool" else _floatish(dtype))


def _int_binary_spec(name, allow_bool):
    def spec(x1, x2):
        out = _spec.binary_spec(x1, x2)
        if out.dtype not in _INTS and not (allow_bool and out.dtype == "bool"):
            kind = "integer or boolean" if allow_bool else "integer"
            raise TypeError(f"{name}: expected {kind} tensors, received {_describe(x1, x2)}.")
        return out

    return spec


def _shift_spec(name):
    base = _int_binary_spec(name, allow_bool=True)

    def spec(x, y):
        out = base(x, y)
        if isinstance(y, int) and not isinstance(y, bool) and not isinstance(x, (int, float)):
            return KerasTensor(out.shape, dtype=_kept_dtype(x))
        return out

    return spec


def _ldexp_spec(x1, x2):
    d2 = _spec.dtype_of(x2)
    if d2 is not int and result_type(d2) not in _INTS:
        raise TypeError(f"ldexp: expected an integer exponent (x2), received {_describe(x2)}.")
    shape = _spec.broadcast_shapes(_spec.shape_of(x1), _spec.shape_of(x2))
    return KerasTensor(shape, dtype=result_type(_spec.dtype_of(x1), d2, float))


def _isclose_spec(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return _spec.binary_bool_spec(x1, x2)


def _allclose_spec(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    _spec.broadcast_shapes(_spec.shape_of(x1), _spec.shape_of(x2))
    return KerasTensor((), dtype="bool")


def _check_int_arg(op: str, name: str, value) -> None:
    try:
        if isinstance(value, bool):
            raise TypeError
        operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: expected `{name}` to be an int, received {value!r}.") from None


# --- unary, same dtype -----------------------------------------------------------

@symbolic_op(_same_spec)
def abs(x):
    """Absolute value, element-wise (keeps the dtype; bools stay bool).

    Example:
        >>> ops.abs([-1, 2])      # [1, 2], int32
    """
    return B.numpy.abs(x)


@symbolic_op(_same_spec)
def absolute(x):
    """Absolute value, element-wise (alias of :func:`abs`)."""
    return B.numpy.absolute(x)


@symbolic_op(_negative_spec)
def negative(x):
    """Numerical negative, element-wise (``-x``). Bool tensors are refused."""
    return B.numpy.negative(x)


@symbolic_op(_same_spec)
def positive(x):
    """Numerical positive (``+x``): the input, unchanged."""
    return B.numpy.positive(x)


@symbolic_op(_same_spec)
def sign(x):
    """Sign of each element: -1, 0 or 1 in the input's dtype."""
    return B.numpy.sign(x)


@symbolic_op(_bool_to_int32_spec)
def square(x):
    """Square, element-wise; bools become int32."""
    return B.numpy.square(x)


def _round_spec(x, decimals=0):
    return _same_spec(x)


@symbolic_op(_round_spec)
def round(x, decimals: int = 0):
    """Round half to even to ``decimals`` decimal places (keeps the dtype).

    Example:
        >>> ops.round([0.5, 1.5, 2.675], decimals=0)   # [0., 2., 3.]
    """
    _check_int_arg("round", "decimals", decimals)
    return B.numpy.round(x, decimals=int(decimals))


@symbolic_op(_same_spec)
def trunc(x):
    """Truncate toward zero, element-wise (keeps the dtype)."""
    return B.numpy.trunc(x)


def _clip_spec(x, x_min, x_max):
    return _bool_to_int32_spec(x)


@symbolic_op(_clip_spec)
def clip(x, x_min, x_max):
    """Limit values to ``[x_min, x_max]``; the result has ``x``'s dtype (bool becomes int32).

    Example:
        >>> ops.clip([1, 5, 9], 2, 6)      # [2, 5, 6]
    """
    return B.numpy.clip(x, x_min, x_max)


@symbolic_op(_same_spec)
def conj(x):
    """Complex conjugate, element-wise (real inputs are returned unchanged)."""
    return B.numpy.conj(x)


@symbolic_op(_same_spec)
def conjugate(x):
    """Complex conjugate, element-wise (alias of :func:`conj`)."""
    return B.numpy.conjugate(x)


@symbolic_op(_real_part_spec)
def real(x):
    """Real part, element-wise (complex64 gives float32; real inputs are unchanged)."""
    return B.numpy.real(x)


@symbolic_op(_real_part_spec)
def imag(x):
    """Imaginary part, element-wise (zeros of the input's dtype for real inputs)."""
    return B.numpy.imag(x)


def _nan_to_num_spec(x, nan=0.0, posinf=None, neginf=None):
    return _same_spec(x)


@symbolic_op(_nan_to_num_spec)
def nan_to_num(x, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None):
    """Replace NaN with ``nan`` and infinities with ``posinf`` / ``neginf``.

    Infinities default to the largest finite values of the dtype.

    Example:
        >>> ops.nan_to_num([float("nan"), float("inf")], posinf=9.0)   # [0., 9.]
    """
    return B.numpy.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


@symbolic_op(_int_or_bool_unary_spec("bitwise_invert"))
def bitwise_invert(x):
    """Bitwise NOT of an integer or bool tensor (``~x`` on the bits)."""
    return B.numpy.bitwise_invert(x)


@symbolic_op(_int_or_bool_unary_spec("bitwise_not"))
def bitwise_not(x):
    """Bitwise NOT of an integer or bool tensor (alias of :func:`bitwise_invert`)."""
    return B.numpy.bitwise_not(x)


# --- unary, float results ---------------------------------------------------------

@symbolic_op(_spec.unary_float_spec)
def sqrt(x):
    """Non-negative square root, element-wise (ints and bools give floatx).

    Example:
        >>> ops.sqrt([1, 4, 9])      # [1., 2., 3.], float32
    """
    return B.numpy.sqrt(x)


@symbolic_op(_float_keep64_spec)
def exp(x):
    """Exponential ``e**x``, element-wise."""
    return B.numpy.exp(x)


@symbolic_op(_float_keep64_spec)
def exp2(x):
    """Base-2 exponential ``2**x``, element-wise."""
    return B.numpy.exp2(x)


@symbolic_op(_float_keep64_spec)
def expm1(x):
    """``exp(x) - 1``, accurate for small ``x``."""
    return B.numpy.expm1(x)


@symbolic_op(_spec.unary_float_spec)
def log(x):
    """Natural logarithm, element-wise."""
    return B.numpy.log(x)


@symbolic_op(_spec.unary_float_spec)
def log1p(x):
    """``log(1 + x)``, accurate for small ``x``."""
    return B.numpy.log1p(x)


@symbolic_op(_spec.unary_float_spec)
def log2(x):
    """Base-2 logarithm, element-wise."""
    return B.numpy.log2(x)


@symbolic_op(_spec.unary_float_spec)
def log10(x):
    """Base-10 logarithm, element-wise."""
    return B.numpy.log10(x)


@symbolic_op(_spec.unary_float_spec)
def sin(x):
    """Sine, element-wise (radians)."""
    return B.numpy.sin(x)


@symbolic_op(_spec.unary_float_spec)
def cos(x):
    """Cosine, element-wise (radians)."""
    return B.numpy.cos(x)


@symbolic_op(_spec.unary_float_spec)
def tan(x):
    """Tangent, element-wise (radians)."""
    return B.numpy.tan(x)


@symbolic_op(_spec.unary_float_spec)
def arcsin(x):
    """Inverse sine, element-wise."""
    return B.numpy.arcsin(x)


@symbolic_op(_spec.unary_float_spec)
def arccos(x):
    """Inverse cosine, element-wise."""
    return B.numpy.arccos(x)


@symbolic_op(_spec.unary_float_spec)
def arctan(x):
    """Inverse tangent, element-wise."""
    return B.numpy.arctan(x)


@symbolic_op(_spec.unary_float_spec)
def sinh(x):
    """Hyperbolic sine, element-wise."""
    return B.numpy.sinh(x)


@symbolic_op(_spec.unary_float_spec)
def cosh(x):
    """Hyperbolic cosine, element-wise."""
    return B.numpy.cosh(x)


@symbolic_op(_spec.unary_float_spec)
def tanh(x):
    """Hyperbolic tangent, element-wise."""
    return B.numpy.tanh(x)


@symbolic_op(_spec.unary_float_spec)
def arcsinh(x):
    """Inverse hyperbolic sine, element-wise."""
    return B.numpy.arcsinh(x)


@symbolic_op(_spec.unary_float_spec)
def arccosh(x):
    """Inverse hyperbolic cosine, element-wise."""
    return B.numpy.arccosh(x)


@symbolic_op(_spec.unary_float_spec)
def arctanh(x):
    """Inverse hyperbolic tangent, element-wise."""
    return B.numpy.arctanh(x)


@symbolic_op(_float_wide_spec)
def cbrt(x):
    """Cube root, element-wise (real for negative inputs)."""
    return B.numpy.cbrt(x)


@symbolic_op(_float_wide_spec)
def deg2rad(x):
    """Convert angles from degrees to radians."""
    return B.numpy.deg2rad(x)


@symbolic_op(_float_wide_spec)
def rad2deg(x):
    """Convert angles from radians to degrees."""
    return B.numpy.rad2deg(x)


@symbolic_op(_spec.unary_float_spec)
def floor(x):
    """Floor, element-wise (as in Keras, int and bool inputs give floatx)."""
    return B.numpy.floor(x)


@symbolic_op(_spec.unary_float_spec)
def ceil(x):
    """Ceiling, element-wise (as in Keras, int and bool inputs give floatx)."""
    return B.numpy.ceil(x)


@symbolic_op(_float_keep64_spec)
def fabs(x):
    """Absolute value as a float tensor (ints and bools give floatx)."""
    return B.numpy.fabs(x)


@symbolic_op(_spec.unary_float_spec)
def reciprocal(x):
    """``1 / x``, element-wise (ints and bools give floatx)."""
    return B.numpy.reciprocal(x)


@symbolic_op(_spec.unary_float_spec)
def sinc(x):
    """Normalized sinc, ``sin(pi x) / (pi x)`` (1 at 0)."""
    return B.numpy.sinc(x)


@symbolic_op(_float_wide_spec)
def i0(x):
    """Modified Bessel function of the first kind, order 0."""
    return B.numpy.i0(x)


@symbolic_op(_angle_spec)
def angle(x):
    """Counterclockwise angle from the positive real axis (0 or pi for real inputs)."""
    return B.numpy.angle(x)


# --- unary, bool results ------------------------------------------------------------

@symbolic_op(_spec.unary_bool_spec)
def isnan(x):
    """True where ``x`` is NaN."""
    return B.numpy.isnan(x)


@symbolic_op(_spec.unary_bool_spec)
def isinf(x):
    """True where ``x`` is positive or negative infinity."""
    return B.numpy.isinf(x)


@symbolic_op(_spec.unary_bool_spec)
def isfinite(x):
    """True where ``x`` is neither infinite nor NaN."""
    return B.numpy.isfinite(x)


@symbolic_op(_spec.unary_bool_spec)
def isneginf(x):
    """True where ``x`` is negative infinity."""
    return B.numpy.isneginf(x)


@symbolic_op(_spec.unary_bool_spec)
def isposinf(x):
    """True where ``x`` is positive infinity."""
    return B.numpy.isposinf(x)


@symbolic_op(_spec.unary_bool_spec)
def isreal(x):
    """True where ``x`` has no imaginary part (always True for real dtypes)."""
    return B.numpy.isreal(x)


@symbolic_op(_spec.unary_bool_spec)
def signbit(x):
    """True where the sign bit is set (negative values, including -0.0)."""
    return B.numpy.signbit(x)


@symbolic_op(_spec.unary_bool_spec)
def logical_not(x):
    """Logical NOT, element-wise (non-zero counts as True)."""
    return B.numpy.logical_not(x)


# --- binary, promoted dtype -----------------------------------------------------------

@symbolic_op(_spec.binary_spec)
def add(x1, x2):
    """Add arguments element-wise, with broadcasting.

    Example:
        >>> ops.add([1, 2], 1.5)       # [2.5, 3.5], float32
    """
    return B.numpy.add(x1, x2)


@symbolic_op(_subtract_spec)
def subtract(x1, x2):
    """Subtract ``x2`` from ``x1`` element-wise (bool tensors are refused)."""
    return B.numpy.subtract(x1, x2)


@symbolic_op(_spec.binary_spec)
def multiply(x1, x2):
    """Multiply arguments element-wise."""
    return B.numpy.multiply(x1, x2)


@symbolic_op(_spec.binary_spec)
def maximum(x1, x2):
    """Element-wise maximum (NaN if either is NaN)."""
    return B.numpy.maximum(x1, x2)


@symbolic_op(_spec.binary_spec)
def minimum(x1, x2):
    """Element-wise minimum (NaN if either is NaN)."""
    return B.numpy.minimum(x1, x2)


@symbolic_op(_spec.binary_spec)
def fmax(x1, x2):
    """Element-wise maximum that ignores NaN when the other value is a number."""
    return B.numpy.fmax(x1, x2)


@symbolic_op(_spec.binary_spec)
def fmin(x1, x2):
    """Element-wise minimum that ignores NaN when the other value is a number."""
    return B.numpy.fmin(x1, x2)


@symbolic_op(_spec.binary_spec)
def power(x1, x2):
    """``x1 ** x2``, element-wise, in the promoted dtype.

    Example:
        >>> ops.power([1, 2, 3], 2)     # [1, 4, 9], int32
    """
    return B.numpy.power(x1, x2)


@symbolic_op(_spec.binary_spec)
def floor_divide(x1, x2):
    """Largest integer less than or equal to ``x1 / x2`` (``x1 // x2``), in the promoted dtype."""
    return B.numpy.floor_divide(x1, x2)


@symbolic_op(_mod_spec)
def mod(x1, x2):
    """Remainder with the sign of the divisor (``x1 % x2``); two bools give int32."""
    return B.numpy.mod(x1, x2)


@symbolic_op(_mod_spec)
def fmod(x1, x2):
    """Remainder with the sign of the dividend (C's ``fmod``); two bools give int32."""
    return B.numpy.fmod(x1, x2)


@symbolic_op(_int_binary_spec("gcd", allow_bool=False))
def gcd(x1, x2):
    """Greatest common divisor of integer tensors, element-wise."""
    return B.numpy.gcd(x1, x2)


@symbolic_op(_int_binary_spec("lcm", allow_bool=False))
def lcm(x1, x2):
    """Least common multiple of integer tensors, element-wise."""
    return B.numpy.lcm(x1, x2)


@symbolic_op(_int_binary_spec("bitwise_and", allow_bool=True))
def bitwise_and(x, y):
    """Bitwise AND of integer or bool tensors."""
    return B.numpy.bitwise_and(x, y)


@symbolic_op(_int_binary_spec("bitwise_or", allow_bool=True))
def bitwise_or(x, y):
    """Bitwise OR of integer or bool tensors."""
    return B.numpy.bitwise_or(x, y)


@symbolic_op(_int_binary_spec("bitwise_xor", allow_bool=True))
def bitwise_xor(x, y):
    """Bitwise XOR of integer or bool tensors."""
    return B.numpy.bitwise_xor(x, y)


@symbolic_op(_shift_spec("bitwise_left_shift"))
def bitwise_left_shift(x, y):
    """Shift the bits of ``x`` left by ``y``."""
    return B.numpy.bitwise_left_shift(x, y)


@symbolic_op(_shift_spec("left_shift"))
def left_shift(x, y):
    """Shift the bits of ``x`` left by ``y`` (alias of :func:`bitwise_left_shift`)."""
    return B.numpy.left_shift(x, y)


@symbolic_op(_shift_spec("bitwise_right_shift"))
def bitwise_right_shift(x, y):
    """Shift the bits of ``x`` right by ``y`` (arithmetic shift for signed ints)."""
    return B.numpy.bitwise_right_shift(x, y)


@symbolic_op(_shift_spec("right_shift"))
def right_shift(x, y):
    """Shift the bits of ``x`` right by ``y`` (alias of :func:`bitwise_right_shift`)."""
    return B.numpy.right_shift(x, y)


# --- binary, float results ----------------------------------------------------------------

@symbolic_op(_spec.binary_float_spec)
def divide(x1, x2):
    """True division ``x1 / x2``; ints and bools give floatx.

    Example:
        >>> ops.divide([1, 2], 2)      # [0.5, 1.], float32
    """
    return B.numpy.divide(x1, x2)


@symbolic_op(_spec.binary_float_spec)
def true_divide(x1, x2):
    """True division ``x1 / x2`` (alias of :func:`divide`)."""
    return B.numpy.true_divide(x1, x2)


@symbolic_op(_spec.binary_float_spec)
def divide_no_nan(x1, x2):
    """``x1 / x2``, with 0 wherever ``x2`` is 0."""
    return B.numpy.divide_no_nan(x1, x2)


@symbolic_op(_spec.binary_float_spec)
def arctan2(x1, x2):
    """Quadrant-aware ``arctan(x1 / x2)``, element-wise."""
    return B.numpy.arctan2(x1, x2)


@symbolic_op(_spec.binary_float_spec)
def logaddexp(x1, x2):
    """``log(exp(x1) + exp(x2))``, computed stably."""
    return B.numpy.logaddexp(x1, x2)


@symbolic_op(_spec.binary_float_spec)
def logaddexp2(x1, x2):
    """``log2(2**x1 + 2**x2)``, computed stably."""
    return B.numpy.logaddexp2(x1, x2)


@symbolic_op(_spec.binary_float_spec)
def nextafter(x1, x2):
    """The next representable float after ``x1`` in the direction of ``x2``."""
    return B.numpy.nextafter(x1, x2)


@symbolic_op(_bool_or_float_spec)
def hypot(x1, x2):
    """``sqrt(x1**2 + x2**2)``, element-wise (ints give floatx; as in Keras two bools stay bool)."""
    return B.numpy.hypot(x1, x2)


@symbolic_op(_bool_or_float_spec)
def heaviside(x1, x2):
    """Heaviside step: 0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``."""
    return B.numpy.heaviside(x1, x2)


@symbolic_op(_ldexp_spec)
def ldexp(x1, x2):
    """``x1 * 2**x2`` with an integer exponent ``x2``; ints in ``x1`` give floatx."""
    return B.numpy.ldexp(x1, x2)


# --- comparisons and logic ----------------------------------------------------------------

@symbolic_op(_spec.binary_bool_spec)
def equal(x1, x2):
    """``x1 == x2``, element-wise."""
    return B.numpy.equal(x1, x2)


@symbolic_op(_spec.binary_bool_spec)
def not_equal(x1, x2):
    """``x1 != x2``, element-wise."""
    return B.numpy.not_equal(x1, x2)


@symbolic_op(_spec.binary_bool_spec)
def less(x1, x2):
    """``x1 < x2``, element-wise."""
    return B.numpy.less(x1, x2)


@symbolic_op(_spec.binary_bool_spec)
def less_equal(x1, x2):
    """``x1 <= x2``, element-wise."""
    return B.numpy.less_equal(x1, x2)


@symbolic_op(_spec.binary_bool_spec)
def greater(x1, x2):
    """``x1 > x2``, element-wise."""
    return B.numpy.greater(x1, x2)


@symbolic_op(_spec.binary_bool_spec)
def greater_equal(x1, x2):
    """``x1 >= x2``, element-wise."""
    return B.numpy.greater_equal(x1, x2)


@symbolic_op(_spec.binary_bool_spec)
def logical_and(x1, x2):
    """Logical AND, element-wise (non-zero counts as True)."""
    return B.numpy.logical_and(x1, x2)


@symbolic_op(_spec.binary_bool_spec)
def logical_or(x1, x2):
    """Logical OR, element-wise."""
    return B.numpy.logical_or(x1, x2)


@symbolic_op(_spec.binary_bool_spec)
def logical_xor(x1, x2):
    """Logical XOR, element-wise."""
    return B.numpy.logical_xor(x1, x2)


@symbolic_op(_isclose_spec)
def isclose(x1, x2, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """True where ``|x1 - x2| <= atol + rtol * |x2|``.

    Example:
        >>> ops.isclose([1.0, 2.0], [1.0, 2.1])    # [True, False]
    """
    return B.numpy.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


@symbolic_op(_allclose_spec)
def allclose(x1, x2, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """A scalar bool tensor: True if :func:`isclose` holds everywhere."""
    return B.numpy.allclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
