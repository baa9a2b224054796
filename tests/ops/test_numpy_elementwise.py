"""Element-wise ops of lamina.ops: values vs NumPy, dtypes vs Keras 3, symbolic shapes, Python operators."""

import itertools
import warnings

import ml_dtypes
import numpy as np
import pytest

import lamina
from lamina import ops
from tests.conftest import BACKEND, to_np

X64 = BACKEND != "jax"  # JAX runs with x64 disabled: no int64 / float64 arrays
skip_no_x64 = pytest.mark.skipif(not X64, reason="jax has x64 disabled (no 64-bit arrays)")



@pytest.fixture(autouse=True)
def _fresh_names():
    """Fresh auto-generated names, as tests/conftest.py gives, without clear_session():
    on jax that also empties the compilation caches, and these tests call hundreds of
    small ops whose recompilation would dominate their run time."""
    from lamina.utils.naming import reset_names

    reset_names()
    yield

def arr(values, dtype="float32"):
    """A numpy array of ``dtype`` (bfloat16 included)."""
    return np.asarray(values, dtype=ml_dtypes.bfloat16 if dtype == "bfloat16" else dtype)


def tensor(values, dtype="float32"):
    return ops.convert_to_tensor(arr(values, dtype))


def dt(x):
    return lamina.backend.standardize_dtype(x.dtype)


def eager_dtype(fn, *args):
    """The dtype of ``fn(*args)`` run eagerly.

    On jax the call is traced abstractly (``jax.eval_shape``): the same Python
    code runs on tracers, without compiling an XLA kernel per dtype combination.
    """
    if BACKEND != "jax":
        return lamina.backend.standardize_dtype(fn(*args).dtype)
    import jax

    where = [i for i, a in enumerate(args) if hasattr(a, "dtype")]

    def call(*arrays):
        full = list(args)
        for i, a in zip(where, arrays):
            full[i] = a
        return fn(*full)

    specs = [jax.ShapeDtypeStruct(np.shape(args[i]), args[i].dtype) for i in where]
    return lamina.backend.standardize_dtype(jax.eval_shape(call, *specs).dtype)


# Domains for test inputs: values inside each op's domain (no NaN from the reference).
DOMAINS = {
    "any": [[-2.5, -1.0, -0.0], [0.5, 1.5, 3.0]],
    "pos": [[0.25, 0.5, 1.0], [1.5, 2.0, 3.0]],
    "unit": [[-0.9, -0.5, 0.0], [0.2, 0.5, 0.9]],
    "ge1": [[1.0, 1.5, 2.0], [2.5, 3.0, 4.0]],
    "special": [[np.nan, np.inf, -np.inf], [-0.0, 1.5, -2.0]],
    "int": [[-3, -1, 0], [1, 2, 7]],
}
INT_DOMAINS = {"any": [-2, 0, 3], "pos": [1, 2, 4], "unit": [0, 0, 0], "ge1": [1, 2, 3], "special": [-1, 0, 2],
               "int": [-3, 0, 7]}

# name: (numpy reference, domain, kind); kind is the dtype rule:
#   same  -> the input's dtype;  float -> ints/bools become floatx;  bool -> bool
UNARY = {
    "abs": (np.abs, "any", "same"),
    "absolute": (np.absolute, "any", "same"),
    "negative": (np.negative, "any", "same"),
    "positive": (np.positive, "any", "same"),
    "sign": (np.sign, "any", "same"),
    "square": (np.square, "any", "same"),
    "round": (np.round, "any", "same"),
    "trunc": (np.trunc, "any", "same"),
    "conj": (np.conj, "any", "same"),
    "conjugate": (np.conjugate, "any", "same"),
    "real": (np.real, "any", "same"),
    "imag": (np.imag, "any", "same"),
    "nan_to_num": (lambda a: np.nan_to_num(a.astype("float32")), "special", "same"),
    "sqrt": (np.sqrt, "pos", "float"),
    "exp": (np.exp, "any", "float"),
    "exp2": (np.exp2, "any", "float"),
    "expm1": (np.expm1, "any", "float"),
    "log": (np.log, "pos", "float"),
    "log1p": (np.log1p, "pos", "float"),
    "log2": (np.log2, "pos", "float"),
    "log10": (np.log10, "pos", "float"),
    "sin": (np.sin, "any", "float"),
    "cos": (np.cos, "any", "float"),
    "tan": (np.tan, "unit", "float"),
    "arcsin": (np.arcsin, "unit", "float"),
    "arccos": (np.arccos, "unit", "float"),
    "arctan": (np.arctan, "any", "float"),
    "sinh": (np.sinh, "any", "float"),
    "cosh": (np.cosh, "any", "float"),
    "tanh": (np.tanh, "any", "float"),
    "arcsinh": (np.arcsinh, "any", "float"),
    "arccosh": (np.arccosh, "ge1", "float"),
    "arctanh": (np.arctanh, "unit", "float"),
    "cbrt": (np.cbrt, "any", "float"),
    "deg2rad": (np.deg2rad, "any", "float"),
    "rad2deg": (np.rad2deg, "any", "float"),
    "floor": (np.floor, "any", "float"),
    "ceil": (np.ceil, "any", "float"),
    "fabs": (np.fabs, "any", "float"),
    "reciprocal": (np.reciprocal, "pos", "float"),
    "sinc": (np.sinc, "any", "float"),
    "i0": (np.i0, "any", "float"),
    "angle": (np.angle, "any", "float"),
    "isnan": (np.isnan, "special", "bool"),
    "isinf": (np.isinf, "special", "bool"),
    "isfinite": (np.isfinite, "special", "bool"),
    "isneginf": (np.isneginf, "special", "bool"),
    "isposinf": (np.isposinf, "special", "bool"),
    "isreal": (np.isreal, "special", "bool"),
    "signbit": (np.signbit, "special", "bool"),
    "logical_not": (np.logical_not, "special", "bool"),
    "bitwise_invert": (np.invert, "int", "int"),
    "bitwise_not": (np.invert, "int", "int"),
}
FLOAT_UNARY = [n for n, (_, d, _k) in UNARY.items() if d != "int"]


def _expected_dtype(kind, in_dtype):
    if kind == "bool":
        return "bool"
    if kind == "float" and in_dtype not in ("bfloat16", "float16", "float32"):
        return "float32"
    return in_dtype


@pytest.mark.parametrize("name", FLOAT_UNARY)
def test_unary_float32_values(name):
    ref, domain, kind = UNARY[name]
    x = arr(DOMAINS[domain])
    out = getattr(ops, name)(ops.convert_to_tensor(x))
    with np.errstate(all="ignore"):
        expected = ref(x.astype("float64"))
    assert dt(out) == _expected_dtype(kind, "float32")
    assert tuple(out.shape) == x.shape
    if kind == "bool":
        np.testing.assert_array_equal(to_np(out), expected)
    else:
        np.testing.assert_allclose(to_np(out), expected.astype("float32"), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_int_inputs(name):
    ref, domain, kind = UNARY[name]
    x = arr(INT_DOMAINS[domain], "int32")
    out = getattr(ops, name)(ops.convert_to_tensor(x))
    with np.errstate(all="ignore"):
        expected = ref(x.astype("float64") if kind == "float" else x)
    assert dt(out) == _expected_dtype(kind, "int32")
    np.testing.assert_allclose(to_np(out).astype("float64"), np.asarray(expected, "float64"), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", FLOAT_UNARY)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_unary_half_precision(name, dtype):
    ref, domain, kind = UNARY[name]
    x = arr(DOMAINS[domain], dtype)
    out = getattr(ops, name)(ops.convert_to_tensor(x))
    assert dt(out) == _expected_dtype(kind, dtype)
    with np.errstate(all="ignore"):
        if name == "nan_to_num":
            info = ml_dtypes.finfo(x.dtype)
            expected = np.nan_to_num(x.astype("float64"), posinf=float(info.max), neginf=float(info.min))
        else:
            expected = ref(x.astype("float64"))
    keep = ~np.isnan(x.astype("float64")) if name == "signbit" else slice(None)  # NaN's sign bit is unspecified
    np.testing.assert_allclose(to_np(out).astype("float64")[keep], expected.astype("float64")[keep],
                               rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_python_values(name):
    _, domain, kind = UNARY[name]
    values = INT_DOMAINS[domain] if kind in ("int", "same") else DOMAINS[domain][1]
    out = getattr(ops, name)(values)
    in_dtype = "int32" if isinstance(values[0], int) else "float32"
    assert dt(out) == _expected_dtype(kind, in_dtype)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
def test_unary_symbolic_matches_eager(name, dtype):
    fn = getattr(ops, name)
    try:
        eager = eager_dtype(fn, tensor(np.ones((2, 3)), dtype))
    except TypeError:
        with pytest.raises(TypeError, match=name):
            fn(lamina.KerasTensor((None, 3), dtype=dtype))
        return
    sym = fn(lamina.KerasTensor((None, 3), dtype=dtype))
    assert isinstance(sym, lamina.KerasTensor)
    assert sym.shape == (None, 3)
    assert sym.dtype == eager


def test_round_decimals_and_ints():
    x = tensor([1.234, -2.567, 0.5, 1.5, 2.5])
    np.testing.assert_allclose(to_np(ops.round(x, 2)), [1.23, -2.57, 0.5, 1.5, 2.5], rtol=1e-6)
    np.testing.assert_allclose(to_np(ops.round(x)), [1.0, -3.0, 0.0, 2.0, 2.0])  # half to even
    i = tensor([15, 25, -35, 104], "int32")
    np.testing.assert_array_equal(to_np(ops.round(i, -1)), [20, 20, -40, 100])
    assert dt(ops.round(i, -1)) == "int32"
    with pytest.raises(TypeError, match="round.*decimals"):
        ops.round(x, 1.5)


def test_clip():
    x = tensor([1, 5, 9], "int8")
    out = ops.clip(x, 2, 6)
    assert dt(out) == "int8"
    np.testing.assert_array_equal(to_np(out), [2, 5, 6])
    f = ops.clip(tensor([-1.0, 0.5, 2.0]), 0.0, 1.0)
    np.testing.assert_allclose(to_np(f), [0.0, 0.5, 1.0])
    b = ops.clip(tensor([True, False], "bool"), 0, 1)
    assert dt(b) == "int32"
    np.testing.assert_array_equal(to_np(b), [1, 0])
    sym = ops.clip(lamina.KerasTensor((None, 2), dtype="bool"), 0, 1)
    assert sym.shape == (None, 2) and sym.dtype == "int32"


def test_nan_to_num_arguments():
    x = tensor([np.nan, np.inf, -np.inf, 1.0])
    np.testing.assert_allclose(to_np(ops.nan_to_num(x, nan=-1.0, posinf=9.0, neginf=-9.0)), [-1, 9, -9, 1])
    default = to_np(ops.nan_to_num(x))
    assert default[1] == np.finfo("float32").max and default[2] == np.finfo("float32").min


def test_predicates_on_ints_and_bools():
    i = tensor([-2, 0, 3], "int32")
    np.testing.assert_array_equal(to_np(ops.isnan(i)), [False] * 3)
    np.testing.assert_array_equal(to_np(ops.isfinite(i)), [True] * 3)
    np.testing.assert_array_equal(to_np(ops.isposinf(i)), [False] * 3)
    np.testing.assert_array_equal(to_np(ops.signbit(i)), [True, False, False])
    np.testing.assert_array_equal(to_np(ops.signbit(tensor([1, 2], "uint8"))), [False, False])
    np.testing.assert_array_equal(to_np(ops.logical_not(i)), [False, True, False])
    b = tensor([True, False], "bool")
    np.testing.assert_array_equal(to_np(ops.bitwise_invert(b)), [False, True])
    np.testing.assert_array_equal(to_np(ops.sign(b)), [True, False])
    np.testing.assert_array_equal(to_np(ops.square(b)), [1, 0])
    assert dt(ops.square(b)) == "int32"


def test_complex_parts():
    z = ops.convert_to_tensor(np.array([1 + 2j, -3 - 4j], dtype="complex64"))
    assert dt(ops.real(z)) == "float32" and dt(ops.imag(z)) == "float32"
    np.testing.assert_allclose(to_np(ops.real(z)), [1, -3])
    np.testing.assert_allclose(to_np(ops.imag(z)), [2, -4])
    np.testing.assert_allclose(to_np(ops.conj(z)), [1 - 2j, -3 + 4j])
    np.testing.assert_allclose(to_np(ops.angle(z)), np.angle([1 + 2j, -3 - 4j]), rtol=1e-6)
    np.testing.assert_allclose(to_np(ops.abs(z)), [np.sqrt(5), 5], rtol=1e-6)
    np.testing.assert_array_equal(to_np(ops.isreal(z)), [False, False])
    np.testing.assert_array_equal(to_np(ops.imag(tensor([1, 2], "int32"))), [0, 0])


@skip_no_x64
def test_64bit_inputs():
    """Same-dtype ops keep 64 bits; float results narrow to float32 as Keras's result_type does."""
    f = tensor([1.5, -2.5], "float64")
    assert dt(ops.abs(f)) == "float64" and dt(ops.negative(f)) == "float64"
    assert dt(ops.sqrt(ops.abs(f))) == "float32"
    i = tensor([1, 2], "int64")
    assert dt(ops.square(i)) == "int64"
    assert dt(ops.exp(i)) == "float32"
    np.testing.assert_allclose(to_np(ops.exp(i)), np.exp([1, 2]), rtol=1e-6)


@pytest.mark.parametrize("call, match", [
    (lambda: ops.negative(tensor([True], "bool")), "negative"),
    (lambda: ops.negative(lamina.KerasTensor((2,), dtype="bool")), "negative"),
    (lambda: ops.bitwise_invert(tensor([1.0])), "bitwise_invert.*integer"),
    (lambda: ops.bitwise_not(lamina.KerasTensor((2,), dtype="float32")), "bitwise_not.*integer"),
])
def test_unary_errors(call, match):
    with pytest.raises(TypeError, match=match):
        call()


# --- binary -----------------------------------------------------------------------------

A = [[-2.5, -1.0, 0.0], [0.5, 1.5, 3.0]]
B_ = [[1.5, -2.0, 0.5], [0.5, -1.0, 2.0]]
POS = [[0.5, 1.0, 1.5], [2.0, 2.5, 3.0]]
INT_A = [[-7, -1, 0], [3, 8, 13]]
INT_B = [[2, -3, 5], [3, -4, 6]]

# name: (numpy reference, x1 values, x2 values, kind); kind as for UNARY, plus
#   promote -> promoted dtype;  int -> integer inputs only
BINARY = {
    "add": (np.add, A, B_, "promote"),
    "subtract": (np.subtract, A, B_, "promote"),
    "multiply": (np.multiply, A, B_, "promote"),
    "maximum": (np.maximum, A, B_, "promote"),
    "minimum": (np.minimum, A, B_, "promote"),
    "fmax": (np.fmax, [[np.nan, 1.0, np.nan]], [[1.0, np.nan, np.nan]], "promote"),
    "fmin": (np.fmin, [[np.nan, 1.0, np.nan]], [[1.0, np.nan, np.nan]], "promote"),
    "power": (np.power, POS, B_, "promote"),
    "floor_divide": (np.floor_divide, A, B_, "promote"),
    "mod": (np.mod, A, B_, "promote"),
    "fmod": (np.fmod, A, B_, "promote"),
    "divide": (np.divide, A, B_, "float"),
    "true_divide": (np.true_divide, A, B_, "float"),
    "divide_no_nan": (lambda a, b: np.where(b == 0, 0, a / np.where(b == 0, 1, b)), A,
                      [[1.5, 0.0, 0.5], [0.0, -1.0, 2.0]], "float"),
    "arctan2": (np.arctan2, A, B_, "float"),
    "logaddexp": (np.logaddexp, A, B_, "float"),
    "logaddexp2": (np.logaddexp2, A, B_, "float"),
    "hypot": (np.hypot, A, B_, "float"),
    "nextafter": (np.nextafter, A, B_, "float"),
    "heaviside": (np.heaviside, [[-1.0, 0.0, 2.0]], [[0.5, 0.5, 0.5]], "float"),
    "equal": (np.equal, A, [[-2.5, 0.0, 0.0], [0.5, 0.0, 3.0]], "bool"),
    "not_equal": (np.not_equal, A, [[-2.5, 0.0, 0.0], [0.5, 0.0, 3.0]], "bool"),
    "less": (np.less, A, B_, "bool"),
    "less_equal": (np.less_equal, A, [[-2.5, 0.0, 0.0], [0.5, 0.0, 3.0]], "bool"),
    "greater": (np.greater, A, B_, "bool"),
    "greater_equal": (np.greater_equal, A, [[-2.5, 0.0, 0.0], [0.5, 0.0, 3.0]], "bool"),
    "logical_and": (np.logical_and, A, B_, "bool"),
    "logical_or": (np.logical_or, [[0.0, 0.0, 1.0]], [[0.0, 2.0, 0.0]], "bool"),
    "logical_xor": (np.logical_xor, [[0.0, 0.0, 1.0]], [[0.0, 2.0, 3.0]], "bool"),
    "isclose": (np.isclose, [[1.0, 2.0, 3.0]], [[1.0 + 1e-7, 2.1, 3.0]], "bool"),
    "gcd": (np.gcd, INT_A, INT_B, "int"),
    "lcm": (np.lcm, INT_A, INT_B, "int"),
    "bitwise_and": (np.bitwise_and, INT_A, INT_B, "int"),
    "bitwise_or": (np.bitwise_or, INT_A, INT_B, "int"),
    "bitwise_xor": (np.bitwise_xor, INT_A, INT_B, "int"),
    "bitwise_left_shift": (np.left_shift, INT_A, [[1, 2, 3], [0, 1, 2]], "int"),
    "left_shift": (np.left_shift, INT_A, [[1, 2, 3], [0, 1, 2]], "int"),
    "bitwise_right_shift": (np.right_shift, INT_A, [[1, 2, 3], [0, 1, 2]], "int"),
    "right_shift": (np.right_shift, INT_A, [[1, 2, 3], [0, 1, 2]], "int"),
}
FLOAT_BINARY = [n for n, v in BINARY.items() if v[3] != "int"]


@pytest.mark.parametrize("name", FLOAT_BINARY)
def test_binary_float32_values(name):
    ref, a, b, kind = BINARY[name]
    x1, x2 = arr(a), arr(b)
    out = getattr(ops, name)(ops.convert_to_tensor(x1), ops.convert_to_tensor(x2))
    with np.errstate(all="ignore"):
        expected = ref(x1.astype("float64"), x2.astype("float64"))
    assert dt(out) == ("bool" if kind == "bool" else "float32")
    assert tuple(out.shape) == np.broadcast_shapes(x1.shape, x2.shape)
    np.testing.assert_allclose(to_np(out).astype("float64"), expected, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_int_values(name):
    ref, a, b, kind = BINARY[name]
    if kind == "int":
        x1, x2 = arr(a, "int32"), arr(b, "int32")
    elif name in ("power", "floor_divide", "mod", "fmod", "divide", "true_divide"):
        x1, x2 = arr(INT_A, "int32"), arr(np.abs(INT_B), "int32")  # positive divisors / exponents
    else:
        x1, x2 = arr(np.nan_to_num(np.trunc(a)), "int32"), arr(np.nan_to_num(np.trunc(b)), "int32")
    out = getattr(ops, name)(ops.convert_to_tensor(x1), ops.convert_to_tensor(x2))
    with np.errstate(all="ignore"):
        expected = ref(x1.astype("float64"), x2.astype("float64")) if kind == "float" else ref(x1, x2)
    assert dt(out) == {"bool": "bool", "float": "float32"}.get(kind, "int32")
    np.testing.assert_allclose(to_np(out).astype("float64"), np.asarray(expected, "float64"), rtol=2e-6)


def test_broadcasting():
    x = tensor(np.arange(6).reshape(2, 3, 1), "float32")
    y = tensor(np.arange(4), "float32")
    out = ops.multiply(x, y)
    assert tuple(out.shape) == (2, 3, 4)
    np.testing.assert_allclose(to_np(out), np.arange(6).reshape(2, 3, 1) * np.arange(4))
    with pytest.raises(ValueError):
        ops.add(lamina.KerasTensor((2, 3)), lamina.KerasTensor((4,)))


@pytest.mark.parametrize("name, x1, x2, expected", [
    ("add", ("int8",), 1, "int8"),
    ("add", ("int8",), 1.5, "float32"),
    ("add", 1.5, ("bfloat16",), "bfloat16"),
    ("multiply", ("float16",), 2, "float16"),
    ("multiply", ("uint8",), ("int8",), "int16"),
    ("subtract", 3, ("uint8",), "uint8"),
    ("power", ("int32",), 2, "int32"),
    ("power", 2.0, ("int16",), "float32"),
    ("divide", ("int32",), 2, "float32"),
    ("divide", ("float16",), 2, "float16"),
    ("floor_divide", ("int16",), 3, "int16"),
    ("mod", ("bool",), ("bool",), "int32"),
    ("maximum", ("bool",), 1, "int32"),
    ("less", ("int8",), 2.5, "bool"),
    ("add", ("bool",), ("bool",), "bool"),
    ("add", ("bool",), True, "bool"),
    ("add", 1, 2, "int32"),
    ("arctan2", 1, 2.0, "float32"),
    ("hypot", ("bool",), ("bool",), "bool"),
    ("ldexp", ("float16",), 3, "float16"),
    ("ldexp", ("int8",), ("int32",), "float32"),
])
def test_scalar_and_mixed_promotion(name, x1, x2, expected):
    a = tensor([1, 0, 1], x1[0]) if isinstance(x1, tuple) else x1
    b = tensor([1, 1, 1], x2[0]) if isinstance(x2, tuple) else x2
    out = getattr(ops, name)(a, b)
    assert dt(out) == expected
    if not (isinstance(x1, tuple) or isinstance(x2, tuple)):
        return
    sym = getattr(ops, name)(lamina.KerasTensor((None, 3), dtype=x1[0]) if isinstance(x1, tuple) else x1,
                             lamina.KerasTensor((None, 3), dtype=x2[0]) if isinstance(x2, tuple) else x2)
    assert sym.dtype == expected


def test_scalar_values_and_reflection():
    x = tensor([1, 2, 3], "int32")
    np.testing.assert_array_equal(to_np(ops.subtract(10, x)), [9, 8, 7])
    np.testing.assert_allclose(to_np(ops.divide(3, x)), [3.0, 1.5, 1.0])
    np.testing.assert_array_equal(to_np(ops.power(2, x)), [2, 4, 8])
    np.testing.assert_array_equal(to_np(ops.less(2, x)), [False, False, True])
    np.testing.assert_array_equal(to_np(ops.mod(-7, x)), [0, 1, 2])
    np.testing.assert_array_equal(to_np(ops.fmod(tensor([-7, 7], "int32"), 3)), [-1, 1])
    np.testing.assert_array_equal(to_np(ops.mod(tensor([-7, 7], "int32"), 3)), [2, 1])
    np.testing.assert_allclose(to_np(ops.add(tensor([0.5], "float16"), 0.25)), [0.75])


def test_divide_no_nan_and_isclose_options():
    out = ops.divide_no_nan(tensor([1.0, 2.0, 0.0]), tensor([0.0, 4.0, 0.0]))
    np.testing.assert_array_equal(to_np(out), [0.0, 0.5, 0.0])
    i = ops.divide_no_nan(tensor([3, 4], "int32"), tensor([0, 2], "int32"))
    assert dt(i) == "float32"
    np.testing.assert_array_equal(to_np(i), [0.0, 2.0])
    a, b = tensor([1.0, np.nan]), tensor([1.05, np.nan])
    np.testing.assert_array_equal(to_np(ops.isclose(a, b)), [False, False])
    np.testing.assert_array_equal(to_np(ops.isclose(a, b, rtol=0.1, equal_nan=True)), [True, True])
    assert bool(to_np(ops.allclose(a, b, rtol=0.1, equal_nan=True)))
    assert not bool(to_np(ops.allclose(a, b)))
    assert dt(ops.allclose(a, b)) == "bool"
    sym = ops.allclose(lamina.KerasTensor((None, 3)), lamina.KerasTensor((3,)))
    assert sym.shape == () and sym.dtype == "bool"


def test_heaviside_nextafter_ldexp():
    np.testing.assert_array_equal(to_np(ops.heaviside(tensor([-1.0, 0.0, 2.0]), 0.5)), [0.0, 0.5, 1.0])
    up = to_np(ops.nextafter(tensor([1.0]), tensor([2.0])))
    assert up[0] == np.nextafter(np.float32(1), np.float32(2))
    out = ops.ldexp(tensor([1.0, 1.5], "float32"), tensor([3, -1], "int32"))
    np.testing.assert_allclose(to_np(out), [8.0, 0.75])
    np.testing.assert_allclose(to_np(ops.ldexp(tensor([3], "int32"), 2)), [12.0])


def test_bool_arithmetic_follows_keras():
    t_, f_ = tensor([True, True, False], "bool"), tensor([True, False, False], "bool")
    np.testing.assert_array_equal(to_np(ops.add(t_, f_)), [True, True, False])
    np.testing.assert_array_equal(to_np(ops.multiply(t_, f_)), [True, False, False])
    np.testing.assert_array_equal(to_np(ops.maximum(t_, f_)), [True, True, False])
    np.testing.assert_array_equal(to_np(ops.power(t_, f_)), [True, True, True])
    np.testing.assert_array_equal(to_np(ops.hypot(t_, f_)), [True, True, False])
    np.testing.assert_array_equal(to_np(ops.bitwise_xor(t_, f_)), [False, True, False])
    assert dt(ops.power(t_, f_)) == "bool"


@pytest.mark.parametrize("call, exc, match", [
    (lambda: ops.subtract(tensor([True], "bool"), tensor([False], "bool")), TypeError, "subtract"),
    (lambda: ops.bitwise_and(tensor([1.0]), tensor([1.0])), TypeError, "bitwise_and.*integer"),
    (lambda: ops.left_shift(lamina.KerasTensor((2,)), 1), TypeError, "left_shift.*integer"),
    (lambda: ops.gcd(tensor([1.0]), tensor([2.0])), TypeError, "gcd.*integer"),
    (lambda: ops.lcm(lamina.KerasTensor((2,), dtype="bool"), lamina.KerasTensor((2,), dtype="bool")),
     TypeError, "lcm"),
    (lambda: ops.ldexp(tensor([1.0]), tensor([1.0])), TypeError, "ldexp.*integer"),
    (lambda: ops.ldexp(lamina.KerasTensor((2,)), 1.5), TypeError, "ldexp.*integer"),
])
def test_binary_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_symbolic_shapes(name):
    kind = BINARY[name][3]
    dtype = "int32" if kind == "int" else "float32"
    fn = getattr(ops, name)
    x1 = lamina.KerasTensor((None, 1, 3), dtype=dtype)
    x2 = lamina.KerasTensor((4, 1), dtype=dtype)
    out = fn(x1, x2)
    if name == "allclose":
        assert out.shape == ()
    else:
        assert out.shape == (None, 4, 3)
    assert out.dtype == eager_dtype(fn, tensor(np.ones((2, 1, 3)), dtype), tensor(np.ones((4, 1)), dtype))
    with_scalar = fn(x1, 2)
    assert with_scalar.shape == (None, 1, 3)
    assert with_scalar.dtype == eager_dtype(fn, tensor(np.ones((2, 1, 3)), dtype), 2)


@skip_no_x64
def test_64bit_binary_narrows_like_keras():
    f = tensor([1.0, 2.0], "float64")
    i = tensor([1, 2], "int64")
    assert dt(ops.add(f, f)) == "float32"
    assert dt(ops.multiply(i, i)) == "int32"
    assert dt(ops.add(i, 1)) == "int32"
    assert dt(ops.divide(i, i)) == "float32"
    np.testing.assert_array_equal(to_np(ops.add(i, i)), [2, 4])


# --- Python operators on KerasTensors and Variables ---------------------------------------

def test_keras_tensor_operators():
    x = lamina.KerasTensor((None, 3), dtype="float32")
    y = lamina.KerasTensor((None, 3), dtype="float32")
    i = lamina.KerasTensor((None, 3), dtype="int32")
    for expr, dtype in [(x + 1, "float32"), (1 + x, "float32"), (x - y, "float32"), (2 - x, "float32"),
                        (x * y, "float32"), (x / 2, "float32"), (2 / x, "float32"), (i / 2, "float32"),
                        (i // 2, "int32"), (7 // i, "int32"), (i % 3, "int32"), (3 % i, "int32"),
                        (x ** 2, "float32"), (2 ** x, "float32"), (i ** 2, "int32"),
                        (-x, "float32"), (+x, "float32"), (abs(i), "int32"),
                        (x < y, "bool"), (x <= 1, "bool"), (x > y, "bool"), (x >= 0.5, "bool"),
                        (x & y, "bool"), (x | y, "bool"), (x ^ y, "bool"), (~i, "bool"), (1 & x, "bool")]:
        assert isinstance(expr, lamina.KerasTensor)
        assert expr.shape == (None, 3)
        assert expr.dtype == dtype


def test_variable_operators():
    v = lamina.Variable(np.array([1.0, 2.0, 4.0], "float32"))
    w = lamina.Variable(np.array([3, 2, 1], "int32"), trainable=False)
    checks = [
        (v + 1, [2, 3, 5]), (1 + v, [2, 3, 5]), (v - w, [-2, 0, 3]), (10 - v, [9, 8, 6]),
        (v * w, [3, 4, 4]), (v / 2, [0.5, 1, 2]), (2 / v, [2, 1, 0.5]), (w // 2, [1, 1, 0]),
        (w % 2, [1, 0, 1]), (v ** 2, [1, 4, 16]), (2 ** w, [8, 4, 2]), (-v, [-1, -2, -4]),
        (+v, [1, 2, 4]), (abs(-v), [1, 2, 4]), (v < 2, [True, False, False]),
        (v >= w, [False, True, True]), ((v > 1) & (w > 1), [False, True, False]),
        ((v > 1) | (w > 2), [True, True, True]), (~(v > 1), [True, False, False]),
    ]
    for out, expected in checks:
        assert not isinstance(out, lamina.KerasTensor)
        np.testing.assert_allclose(to_np(out).astype("float64"), np.asarray(expected, "float64"))
    assert dt(v + 1) == "float32" and dt(w + 1) == "int32" and dt(w / 2) == "float32"
    assert dt(v + w) == "float32" and dt(w ** 2) == "int32"


# --- dtype parity with Keras 3 ----------------------------------------------------------------

GRID = ["bool", "uint8", "uint16", "int8", "int16", "int32", "bfloat16", "float16", "float32"]
if X64:
    GRID += ["int64", "float64"]
BINARY_GRID = [d for d in GRID if d not in ("uint16", "int16")]  # pairs grow quadratically


def _with_dtype(out):
    return out if hasattr(out, "dtype") else np.asarray(out)  # keras.ops.allclose gives a Python bool


def _eager_dtypes(fn, arg_lists, errors):
    """The dtype of ``fn(*args)`` run eagerly for each ``args`` (None where it raises ``errors``).

    On jax all the calls are traced abstractly in one ``jax.eval_shape``: the same
    Python code runs on tracers, without compiling an XLA kernel per dtype combination.
    """
    def run_all(arg_lists):
        outs = []
        for args in arg_lists:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    outs.append(_with_dtype(fn(*args)))
            except errors:
                outs.append(None)
        return outs

    if BACKEND != "jax":
        outs = run_all(arg_lists)
    else:
        import jax

        specs = [jax.ShapeDtypeStruct(np.shape(a), a.dtype) for args in arg_lists for a in args if hasattr(a, "dtype")]

        def traced(*arrays):
            it = iter(arrays)
            return run_all([[next(it) if hasattr(a, "dtype") else a for a in args] for args in arg_lists])

        outs = jax.eval_shape(traced, *specs)
    return [None if o is None else lamina.backend.standardize_dtype(o.dtype) for o in outs]


def _symbolic_dtypes(fn, arg_lists, errors):
    outs = []
    for args in arg_lists:
        try:
            outs.append(lamina.backend.standardize_dtype(fn(*args).dtype))
        except errors:
            outs.append(None)
    return outs


def _compare(keras, name, cases):
    """For each case (a tuple of dtype names or Python scalars), lamina's dtype equals Keras's.

    Keras 3 is the oracle where it is self-consistent: its eager result on this
    backend and its symbolic (KerasTensor) result agree. Where they differ
    (Keras backend quirks, e.g. torch's uint16 -> int32) the case is not compared.
    Lamina's eager and symbolic dtypes must agree everywhere it accepts the input.
    """
    kfn, lfn = getattr(keras.ops, name), getattr(ops, name)

    def build(make, kt):
        return [[make([1, 1], c) if isinstance(c, str) else c for c in case] for case in cases], \
               [[kt((2,), dtype=c) if isinstance(c, str) else c for c in case] for case in cases]

    k_eager_args, k_sym_args = build(arr, keras.KerasTensor)
    l_eager_args, l_sym_args = build(tensor, lamina.KerasTensor)
    k_eager = _eager_dtypes(kfn, k_eager_args, Exception)
    k_sym = _symbolic_dtypes(kfn, k_sym_args, Exception)
    l_eager = _eager_dtypes(lfn, l_eager_args, (TypeError, ValueError))
    l_sym = _symbolic_dtypes(lfn, l_sym_args, (TypeError, ValueError))
    compared, mismatches = 0, []
    for case, ke, ks, le, ls in zip(cases, k_eager, k_sym, l_eager, l_sym):
        assert le == ls, (case, le, ls)
        if ke is None or ke != ks:
            continue
        compared += 1
        if le != ke:
            mismatches.append((case, ke, le))
    return compared, mismatches


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_dtype_parity_with_keras(keras, name):
    if not hasattr(keras.ops, name):
        pytest.skip(f"keras.ops has no {name}")
    compared, mismatches = _compare(keras, name, [(d,) for d in GRID])
    if not compared:
        pytest.skip(f"keras.ops.{name} fails or is inconsistent for every input dtype on {BACKEND}")
    assert not mismatches, mismatches


# Ops whose Keras implementation converts a Python scalar operand to a strongly
# typed 32-bit tensor before promoting (so gcd(uint8, 1) is int32 and
# arctan2(float16, 1.0) float32 on some Keras backends, but uint8 / float16 on
# others). lamina keeps Python scalars weak for every op, as the Keras type
# promotion rules state; test_scalars_stay_weak checks that.
KERAS_STRONG_SCALAR_OPS = {"arctan2", "nextafter", "gcd", "lcm", "logaddexp", "logaddexp2", "mod", "fmod",
                           "hypot", "heaviside", "ldexp"}


@pytest.mark.parametrize("name", sorted(KERAS_STRONG_SCALAR_OPS - {"ldexp"}))
def test_scalars_stay_weak(name):
    kind = BINARY[name][3]
    for dtype in (["uint8", "int8", "int16"] if kind == "int" else ["float16", "bfloat16"]):
        x = tensor([2, 4], dtype)
        scalar = 2 if kind == "int" else 1.5
        assert eager_dtype(getattr(ops, name), x, scalar) == dtype
        assert eager_dtype(getattr(ops, name), scalar, x) == dtype
        assert getattr(ops, name)(lamina.KerasTensor((2,), dtype=dtype), scalar).dtype == dtype


@pytest.mark.parametrize("name", sorted(set(BINARY) | {"allclose", "ldexp"}))
def test_binary_dtype_parity_with_keras(keras, name):
    grid = BINARY_GRID + ([] if name in KERAS_STRONG_SCALAR_OPS else [int, float])
    cases = [(a, b) for a, b in itertools.product(grid, grid) if isinstance(a, str) or isinstance(b, str)]
    cases = [(1 if a is int else 1.0 if a is float else a, 1 if b is int else 1.0 if b is float else b)
             for a, b in cases]
    compared, mismatches = _compare(keras, name, cases)
    assert compared >= 10
    assert not mismatches, mismatches
