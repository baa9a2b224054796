"""Creation ops of lamina.ops: values vs NumPy, default dtypes vs Keras 3, symbolic shapes, errors."""

import warnings

import ml_dtypes
import numpy as np
import pytest

import lamina
from lamina import ops
from tests.conftest import BACKEND, to_np



@pytest.fixture(autouse=True)
def _fresh_names():
    """Fresh auto-generated names, as tests/conftest.py gives, without clear_session():
    on jax that also empties the compilation caches, and these tests call hundreds of
    small ops whose recompilation would dominate their run time."""
    from lamina.utils.naming import reset_names

    reset_names()
    yield

def arr(values, dtype="float32"):
    return np.asarray(values, dtype=ml_dtypes.bfloat16 if dtype == "bfloat16" else dtype)


def tensor(values, dtype="float32"):
    return ops.convert_to_tensor(arr(values, dtype))


def dt(x):
    return lamina.backend.standardize_dtype(x.dtype)


def check(out, expected, dtype, rtol=1e-6, atol=1e-6):
    assert dt(out) == dtype
    assert tuple(out.shape) == np.shape(expected)
    np.testing.assert_allclose(to_np(out).astype("float64"), np.asarray(expected, "float64"), rtol=rtol, atol=atol)


# --- fill -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, ref", [("zeros", np.zeros), ("ones", np.ones)])
def test_zeros_ones(name, ref):
    fn = getattr(ops, name)
    check(fn((2, 3)), ref((2, 3)), "float32")
    check(fn(4), ref(4), "float32")
    check(fn([2, 1], dtype="int8"), ref((2, 1)), "int8")
    check(fn((), dtype="bool"), ref(()), "bool")
    check(fn(np.array([3, 2])), ref((3, 2)), "float32")
    check(fn((0, 3), "bfloat16"), ref((0, 3)), "bfloat16")


def test_empty():
    out = ops.empty((2, 3))
    assert tuple(out.shape) == (2, 3) and dt(out) == "float32"
    assert dt(ops.empty(4, dtype="int16")) == "int16"
    like = ops.empty_like(tensor(np.ones((2, 2)), "uint8"))
    assert tuple(like.shape) == (2, 2) and dt(like) == "uint8"


def test_full():
    check(ops.full((2, 2), 7), np.full((2, 2), 7.0), "float32")  # floatx by default, as in Keras
    check(ops.full((2,), True), [1.0, 1.0], "float32")
    check(ops.full((3,), 2.5, dtype="int32"), [2, 2, 2], "int32")
    check(ops.full((2, 3), tensor([1, 2, 3], "int32")), np.tile([1.0, 2.0, 3.0], (2, 1)), "float32")
    check(ops.full((2,), ops.convert_to_tensor(np.float32(4.5)), dtype="float16"), [4.5, 4.5], "float16")


def test_like_ops():
    x = tensor([[1, 2, 3], [4, 5, 6]], "int8")
    check(ops.zeros_like(x), np.zeros((2, 3)), "int8")
    check(ops.ones_like(x), np.ones((2, 3)), "int8")
    check(ops.full_like(x, 2.7), np.full((2, 3), 2), "int8")
    check(ops.full_like(x, 2.5, dtype="float16"), np.full((2, 3), 2.5), "float16")
    check(ops.zeros_like(x, dtype="bool"), np.zeros((2, 3)), "bool")
    check(ops.ones_like([1.0, 2.0]), [1.0, 1.0], "float32")
    check(ops.ones_like([1, 2]), [1, 1], "int32")
    check(ops.full_like(tensor([0.0, 0.0]), tensor([1.0, 2.0])), [1.0, 2.0], "float32")
    v = lamina.Variable(np.ones((2, 2), "float32"))
    check(ops.zeros_like(v), np.zeros((2, 2)), "float32")


# --- ranges -----------------------------------------------------------------------------

@pytest.mark.parametrize("args, kwargs, dtype", [
    ((5,), {}, "int32"),
    ((1, 7, 2), {}, "int32"),
    ((7, 1, -2), {}, "int32"),
    ((0.0, 1.0, 0.25), {}, "float32"),
    ((0, 5, 0.5), {}, "float32"),
    ((2.5,), {}, "float32"),
    ((5,), {"dtype": "float16"}, "float16"),
    ((1, 4), {"dtype": "uint8"}, "uint8"),
    ((0, 3), {"dtype": "bfloat16"}, "bfloat16"),
])
def test_arange(args, kwargs, dtype):
    out = ops.arange(*args, **kwargs)
    check(out, np.arange(*args), dtype)


def test_arange_numpy_scalars_and_tensors():
    assert dt(ops.arange(np.int8(5))) == "int8"
    check(ops.arange(ops.convert_to_tensor(np.int32(3))), [0, 1, 2], "int32")
    check(ops.arange(0, ops.convert_to_tensor(np.float32(1.5)), 0.5), [0.0, 0.5, 1.0], "float32")


@pytest.mark.parametrize("call, exc, match", [
    (lambda: ops.arange(0, 5, 0), ValueError, "arange.*step"),
    (lambda: ops.arange(lamina.KerasTensor(())), TypeError, "arange.*symbolic"),
    (lambda: ops.arange(tensor([1, 2], "int32")), ValueError, "arange.*scalar"),
])
def test_arange_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("kwargs", [
    dict(start=0, stop=1, num=5),
    dict(start=-1.0, stop=3.0, num=7, endpoint=False),
    dict(start=2, stop=2, num=3),
    dict(start=0, stop=1, num=1),
    dict(start=0, stop=1, num=0),
    dict(start=0, stop=10, num=4, dtype="int32"),
    dict(start=0, stop=1, num=4, dtype="float16"),
])
def test_linspace_scalars(kwargs):
    out = ops.linspace(**kwargs)
    dtype = kwargs.get("dtype", "float32")
    check(out, np.linspace(**{**kwargs, "dtype": dtype}), dtype, rtol=1e-3 if dtype == "float16" else 1e-6)


def test_linspace_arrays_axis_and_retstep():
    start, stop = arr([0.0, 1.0]), arr([[1.0, 3.0], [2.0, 5.0]])
    for axis in (0, 1, -1):
        out = ops.linspace(ops.convert_to_tensor(start), ops.convert_to_tensor(stop), 5, axis=axis)
        check(out, np.linspace(start, stop, 5, axis=axis), "float32")
    samples, step = ops.linspace(0.0, 2.0, 5, retstep=True)
    check(samples, [0, 0.5, 1, 1.5, 2], "float32")
    np.testing.assert_allclose(float(to_np(step)), 0.5)
    assert dt(ops.linspace(tensor([0, 1], "int8"), 4, 3)) == "float32"
    assert dt(ops.linspace(tensor([0, 1], "float16"), tensor([2, 3], "float16"), 3)) == "float16"
    with pytest.raises(ValueError, match="linspace.*num"):
        ops.linspace(0, 1, -1)
    with pytest.raises(ValueError, match="linspace.*axis"):
        ops.linspace(0, 1, 3, axis=2)


def test_logspace_geomspace():
    check(ops.logspace(0, 2, 3), [1, 10, 100], "float32", rtol=1e-5)
    check(ops.logspace(0.0, 3.0, 4, base=2.0, endpoint=False), np.logspace(0, 3, 4, base=2, endpoint=False),
          "float32", rtol=1e-5)
    start, stop = arr([1.0, 2.0]), arr([2.0, 8.0])
    check(ops.logspace(ops.convert_to_tensor(start), ops.convert_to_tensor(stop), 3, axis=1),
          np.logspace(start, stop, 3, axis=1), "float32", rtol=1e-5)
    check(ops.geomspace(1, 1000, 4), [1, 10, 100, 1000], "float32", rtol=1e-5)
    check(ops.geomspace(-1.0, -16.0, 5), np.geomspace(-1, -16, 5), "float32", rtol=1e-5)
    check(ops.geomspace(2.0, 32.0, 3, endpoint=False), np.geomspace(2, 32, 3, endpoint=False), "float32",
          rtol=1e-5)
    check(ops.geomspace(ops.convert_to_tensor(start), ops.convert_to_tensor(stop), 3, axis=-1),
          np.geomspace(start, stop, 3, axis=-1), "float32", rtol=1e-5)
    assert dt(ops.geomspace(1, 10, 3, dtype="float16")) == "float16"


# --- matrices ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (3, 3, 1), (3, 4, -2), (3, None, 5)])
def test_eye_and_tri(args):
    N, M, k = list(args) + [None, 0][len(args) - 1:]
    check(ops.eye(N, M, k), np.eye(N, M, k), "float32")
    check(ops.tri(N, M, k), np.tri(N, M, k), "float32")
    check(ops.eye(N, M, k, dtype="int8"), np.eye(N, M, k), "int8")
    check(ops.tri(N, M, k=k, dtype="bool"), np.tri(N, M, k), "bool")


def test_identity():
    check(ops.identity(3), np.identity(3), "float32")
    check(ops.identity(2, dtype="int32"), np.identity(2), "int32")
    with pytest.raises(TypeError, match="identity.*n"):
        ops.identity(2.5)
    with pytest.raises(ValueError, match="eye.*N"):
        ops.eye(-1)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid(indexing):
    a, b, c = arr([1, 2, 3], "int32"), arr([4.0, 5.0]), arr([6, 7, 8, 9], "int8")
    for inputs in ((a, b), (a, b, c), (c,)):
        outs = ops.meshgrid(*[ops.convert_to_tensor(v) for v in inputs], indexing=indexing)
        refs = np.meshgrid(*inputs, indexing=indexing)
        assert len(outs) == len(refs)
        for out, ref, src in zip(outs, refs, inputs):
            check(out, ref, str(src.dtype))
    with pytest.raises(ValueError, match="meshgrid.*indexing"):
        ops.meshgrid(ops.convert_to_tensor(a), indexing="yx")


# --- conversion ----------------------------------------------------------------------------------

def test_array_and_copy():
    check(ops.array([[1, 2], [3, 4]]), [[1, 2], [3, 4]], "int32")
    check(ops.array([1.5, 2]), [1.5, 2], "float32")
    check(ops.array([1, 2], dtype="float16"), [1, 2], "float16")
    check(ops.array(arr([1, 2], "uint8")), [1, 2], "uint8")
    check(ops.array(True), True, "bool")
    src = arr([1.0, 2.0, 3.0])
    x = ops.convert_to_tensor(src)
    out = ops.copy(x)
    check(out, src, "float32")
    if BACKEND in ("numpy", "torch"):  # jax arrays are immutable
        to_np(x)  # the copy must not share memory with its source
        if BACKEND == "numpy":
            out[0] = 9.0
            assert x[0] == 1.0
        else:
            out[0] = 9.0
            assert float(x[0]) == 1.0


# --- window functions and vander ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
@pytest.mark.parametrize("length", [0, 1, 5, 8])
def test_windows(name, length):
    check(getattr(ops, name)(length), getattr(np, name)(length), "float32", atol=1e-6)


def test_window_arguments():
    check(ops.kaiser(6, 3.0), np.kaiser(6, 3.0), "float32", rtol=1e-5)
    check(ops.kaiser(ops.convert_to_tensor(np.int32(5)), ops.convert_to_tensor(np.float32(0.5))),
          np.kaiser(5, 0.5), "float32", rtol=1e-5)
    check(ops.hamming(ops.convert_to_tensor(np.int32(4))), np.hamming(4), "float32")
    with pytest.raises(TypeError, match="hamming.*symbolic"):
        ops.hamming(lamina.KerasTensor((), dtype="int32"))
    with pytest.raises(TypeError, match="bartlett"):
        ops.bartlett(2.5)


def test_vander():
    x = arr([1, 2, 3], "int32")
    check(ops.vander(ops.convert_to_tensor(x)), np.vander(x), "int32")
    check(ops.vander(ops.convert_to_tensor(x), N=2, increasing=True), np.vander(x, 2, increasing=True), "int32")
    f = arr([0.5, -1.0, 2.0])
    check(ops.vander(ops.convert_to_tensor(f), 4), np.vander(f, 4), "float32")
    sym = ops.vander(lamina.KerasTensor((None,), dtype="int8"), N=3)
    assert sym.shape == (None, 3) and sym.dtype == "int8"
    assert ops.vander(lamina.KerasTensor((5,))).shape == (5, 5)
    with pytest.raises(ValueError, match="vander.*1-D"):
        ops.vander(tensor(np.ones((2, 2))))


# --- argument errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, match", [
    (lambda: ops.zeros((2, -1)), ValueError, "zeros.*shape"),
    (lambda: ops.ones((2, 1.5)), TypeError, "ones.*shape"),
    (lambda: ops.full("ab", 1), TypeError, "full.*shape"),
    (lambda: ops.zeros(None), TypeError, "zeros.*shape"),
    (lambda: ops.zeros((2,), dtype="nope"), ValueError, "dtype"),
    (lambda: ops.eye(2, k=0.5), TypeError, "eye.*k"),
    (lambda: ops.tri(lamina.KerasTensor(())), TypeError, "tri.*symbolic"),
])
def test_argument_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- symbolic ----------------------------------------------------------------------------------------

def test_symbolic_creation():
    x = lamina.KerasTensor((None, 3), dtype="int8")
    for out, shape, dtype in [
        (ops.zeros_like(x), (None, 3), "int8"),
        (ops.ones_like(x, dtype="float16"), (None, 3), "float16"),
        (ops.empty_like(x), (None, 3), "int8"),
        (ops.full_like(x, 2.5), (None, 3), "int8"),
        (ops.full((2, 3), lamina.KerasTensor((3,), dtype="int32")), (2, 3), "float32"),
        (ops.array(x), (None, 3), "int8"),
        (ops.array(x, dtype="float32"), (None, 3), "float32"),
        (ops.copy(x), (None, 3), "int8"),
        (ops.linspace(lamina.KerasTensor((None,)), 1.0, 5), (5, None), "float32"),
        (ops.linspace(0, lamina.KerasTensor((2,), dtype="float16"), 4, axis=-1), (2, 4), "float16"),
        (ops.logspace(lamina.KerasTensor((None, 2)), 2.0, 3, axis=1), (None, 3, 2), "float32"),
        (ops.geomspace(1.0, lamina.KerasTensor((2,)), 6), (6, 2), "float32"),
    ]:
        assert isinstance(out, lamina.KerasTensor)
        assert out.shape == shape and out.dtype == dtype
    samples, step = ops.linspace(lamina.KerasTensor((2,)), 1.0, 3, retstep=True)
    assert samples.shape == (3, 2) and step.shape == (2,)
    a, b = lamina.KerasTensor((None,), dtype="int32"), lamina.KerasTensor((4,), dtype="float16")
    gx, gy = ops.meshgrid(a, b)
    assert gx.shape == (4, None) and gy.shape == (4, None)
    assert gx.dtype == "int32" and gy.dtype == "float16"
    gi = ops.meshgrid(a, b, lamina.KerasTensor((2,)), indexing="ij")
    assert [g.shape for g in gi] == [(None, 4, 2)] * 3


def test_symbolic_matches_eager():
    x = tensor(np.ones((2, 3)), "uint8")
    k = lamina.KerasTensor((2, 3), dtype="uint8")
    for name, args in [("zeros_like", ()), ("ones_like", ()), ("full_like", (3,)), ("copy", ()), ("array", ())]:
        eager, sym = getattr(ops, name)(x, *args), getattr(ops, name)(k, *args)
        assert sym.shape == tuple(eager.shape) and sym.dtype == dt(eager)
    eager = ops.linspace(tensor([0, 1], "int16"), 5, 4, axis=1)
    sym = ops.linspace(lamina.KerasTensor((2,), dtype="int16"), 5, 4, axis=1)
    assert sym.shape == tuple(eager.shape) and sym.dtype == dt(eager)


# --- dtype parity with Keras 3 ---------------------------------------------------------------------

GRID = ["bool", "uint8", "int8", "int16", "int32", "bfloat16", "float16", "float32"]

PARITY_CASES = [
    ("zeros", lambda o, a: o.zeros((2, 3))),
    ("zeros_i8", lambda o, a: o.zeros((2,), "int8")),
    ("ones_bf16", lambda o, a: o.ones(3, dtype="bfloat16")),
    ("empty", lambda o, a: o.empty((2,))),
    ("full_int", lambda o, a: o.full((2,), 3)),
    ("full_bool", lambda o, a: o.full((2,), True)),
    ("full_dtype", lambda o, a: o.full((2,), 3, dtype="int16")),
    ("arange_int", lambda o, a: o.arange(5)),
    ("arange_float", lambda o, a: o.arange(0.0, 5)),
    ("arange_mixed", lambda o, a: o.arange(0, 5, 0.5)),
    ("arange_np_int8", lambda o, a: o.arange(np.int8(5))),
    ("arange_np_f16", lambda o, a: o.arange(np.float16(3))),
    ("arange_dtype", lambda o, a: o.arange(5, dtype="float16")),
    ("linspace", lambda o, a: o.linspace(0, 1, 5)),
    ("linspace_int", lambda o, a: o.linspace(0, 10, 5, dtype="int32")),
    ("linspace_f16", lambda o, a: o.linspace(a([0, 1], "float16"), a([2, 3], "float16"), 3)),
    ("linspace_i8", lambda o, a: o.linspace(a([0, 1], "int8"), a([2, 3], "int8"), 3)),
    ("logspace", lambda o, a: o.logspace(0, 2, 3)),
    ("logspace_bf16", lambda o, a: o.logspace(a([0, 1], "bfloat16"), 2.0, 3)),
    ("geomspace", lambda o, a: o.geomspace(1, 100, 3)),
    ("eye", lambda o, a: o.eye(3)),
    ("eye_dtype", lambda o, a: o.eye(3, 2, 1, dtype="int32")),
    ("identity", lambda o, a: o.identity(3)),
    ("tri", lambda o, a: o.tri(3)),
    ("tri_dtype", lambda o, a: o.tri(3, dtype="int8")),
    ("array_int", lambda o, a: o.array([1, 2])),
    ("array_float", lambda o, a: o.array([1.0, 2.0])),
    ("array_dtype", lambda o, a: o.array([1, 2], dtype="float16")),
    ("hamming", lambda o, a: o.hamming(5)),
    ("hanning", lambda o, a: o.hanning(5)),
    ("bartlett", lambda o, a: o.bartlett(5)),
    ("blackman", lambda o, a: o.blackman(5)),
    ("kaiser", lambda o, a: o.kaiser(5, 2.0)),
]
PARITY_CASES += [(f"{n}_{d}", (lambda n, d: lambda o, a: getattr(o, n)(a([1, 2], d)))(n, d))
                 for n in ("zeros_like", "ones_like", "empty_like", "copy", "array", "vander") for d in GRID]
PARITY_CASES += [(f"full_like_{d}", (lambda d: lambda o, a: o.full_like(a([1, 2], d), 2.5))(d)) for d in GRID]
PARITY_CASES += [(f"meshgrid_{d}", (lambda d: lambda o, a: o.meshgrid(a([1, 2], d), a([1, 2, 3], "float16"))[0])(d))
                 for d in GRID]


@pytest.mark.parametrize("name, build", PARITY_CASES, ids=[c[0] for c in PARITY_CASES])
def test_dtype_parity_with_keras(keras, name, build):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = build(keras.ops, lambda v, d: arr(v, d))
        except Exception as e:  # a Keras backend limitation (e.g. torch meshgrid of mixed dtypes)
            pytest.skip(f"keras.ops fails here on {BACKEND}: {type(e).__name__}")
    out = build(ops, tensor)
    assert dt(out) == keras.backend.standardize_dtype(expected.dtype)
    assert tuple(out.shape) == tuple(expected.shape)
