"""Reductions and scans of lamina.ops.numpy: values vs NumPy, shapes, dtypes vs Keras 3, symbolic specs."""

import warnings

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend import standardize_dtype
from tests.conftest import BACKEND, to_np

RNG = np.random.default_rng(0)
XF = RNG.standard_normal((2, 3, 4)).astype("float32")
XI = RNG.integers(-2, 3, (2, 3, 4)).astype("int32")
XB = XI > 0
XN = XF.copy()
XN[0, 1, :] = np.nan   # an all-NaN slice along the last axis
XN[1, 0, 2] = np.nan

AXES = [None, -1, (0, 2), ()]
INPUTS = {"f": XF, "i": XI, "b": XB, "n": XN}


def _count_nonzero(x, axis=None, keepdims=False):
    return np.count_nonzero(x, axis=axis)


def _nanarg(fn, fill):
    def ref(x, axis=None, keepdims=False):
        x = np.asarray(x, dtype="float64")
        mask = np.isnan(x)
        idx = fn(np.where(mask, fill, x), axis=axis, keepdims=keepdims)
        return np.where(np.all(mask, axis=axis, keepdims=keepdims), -1, idx)

    return ref


# op name -> (NumPy reference, input kinds, axes, has keepdims)
REDUCTIONS = {
    "sum": (np.sum, "fib", AXES, True),
    "mean": (np.mean, "fib", AXES, True),
    "max": (np.max, "fib", AXES, True),
    "min": (np.min, "fi", AXES, True),
    "amax": (np.amax, "fi", AXES, True),
    "amin": (np.amin, "fi", AXES, True),
    "prod": (np.prod, "fi", AXES, True),
    "std": (np.std, "fi", AXES, True),
    "var": (np.var, "fi", AXES, True),
    "ptp": (np.ptp, "fi", AXES, True),
    "all": (np.all, "ib", AXES, True),
    "any": (np.any, "fb", AXES, True),
    "count_nonzero": (_count_nonzero, "fib", AXES, False),
    "median": (np.median, "fi", [None, -1, (0, 2)], True),
    "nansum": (np.nansum, "ni", AXES, True),
    "nanmean": (np.nanmean, "ni", [None, -1, (0, 2)], True),
    "nanmax": (np.nanmax, "n", [None, -1, (0, 2)], True),
    "nanmin": (np.nanmin, "n", [None, -1, (0, 2)], True),
    "nanprod": (np.nanprod, "n", AXES, True),
    "nanstd": (np.nanstd, "n", [None, -1, (0, 2)], True),
    "nanvar": (np.nanvar, "n", [None, -1, (0, 2)], True),
    "nanmedian": (np.nanmedian, "n", [None, -1, (0, 2)], True),
    "argmax": (np.argmax, "fib", [None, 1, -1], True),
    "argmin": (np.argmin, "fi", [None, 1, -1], True),
    "nanargmax": (_nanarg(np.argmax, -np.inf), "ni", [None, 1, -1], True),
    "nanargmin": (_nanarg(np.argmin, np.inf), "ni", [None, 1, -1], True),
}

# keepdims=True is exercised with a full, a single and a multi-axis reduction
CASES = [
    (name, kind, axis, keepdims)
    for name, (_, kinds, axes, has_keep) in REDUCTIONS.items()
    for kind in kinds
    for axis in axes
    for keepdims in ((False, True) if has_keep and axis in (None, 1, (0, 2)) else (False,))
]


def _check(actual, expected, atol=1e-5):
    actual = to_np(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual.astype("float64"), expected.astype("float64"), rtol=1e-5, atol=atol)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name,kind,axis,keepdims", CASES)
def test_reduction_values_match_numpy(name, kind, axis, keepdims):
    ref, _, _, has_keep = REDUCTIONS[name]
    x = INPUTS[kind]
    kwargs = {"axis": axis, "keepdims": keepdims} if has_keep else {"axis": axis}
    expected = ref(x.astype("float64") if kind in "fn" else x, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        actual = getattr(ops, name)(ops.convert_to_tensor(x), **kwargs)
    _check(actual, expected)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "nancumsum", "nancumprod"])
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("kind", ["f", "i", "b", "n"])
def test_scans_match_numpy(name, axis, kind):
    x = INPUTS[kind]
    if kind == "n" and not name.startswith("nan"):
        pytest.skip("NaN propagation through scans is checked by the nan* variants")
    expected = getattr(np, name)(x.astype("float64") if kind in "fn" else x, axis=axis)
    out = getattr(ops, name)(ops.convert_to_tensor(x), axis=axis)
    _check(out, expected)
    expected_dtype = "int32" if kind == "b" else str(x.dtype)
    assert standardize_dtype(out.dtype) == expected_dtype


@pytest.mark.parametrize("dtype", ["float32", "int32", "int16"])
def test_scan_dtype_argument(dtype):
    out = ops.cumsum(ops.convert_to_tensor(XB), axis=1, dtype=dtype)
    assert standardize_dtype(out.dtype) == dtype
    _check(out, np.cumsum(XB, axis=1))
    out = ops.cumprod(ops.convert_to_tensor(XI), axis=0, dtype=dtype)
    assert standardize_dtype(out.dtype) == dtype
    _check(out, np.cumprod(XI, axis=0))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name,scale", [("quantile", 1), ("percentile", 100),
                                        ("nanquantile", 1), ("nanpercentile", 100)])
@pytest.mark.parametrize("method,q,axis,keepdims", [
    (method, q, axis, False)
    for method in ("linear", "lower", "higher", "midpoint", "nearest")
    for q, axis in (([0.0, 0.25, 0.5, 0.7, 1.0], None), (0.3, 1))
] + [("linear", 0.3, None, True), ("linear", [0.1, 0.9], (0, 2), True), ("nearest", 0.5, -1, True)])
def test_quantiles_match_numpy(name, scale, method, q, axis, keepdims):
    x = XN if name.startswith("nan") else XF
    qs = np.asarray(q) * scale
    q_arg = qs.tolist() if isinstance(q, list) else float(qs)
    expected = getattr(np, name)(x.astype("float64"), qs, axis=axis, method=method, keepdims=keepdims)
    out = getattr(ops, name)(ops.convert_to_tensor(x), q_arg, axis=axis, method=method, keepdims=keepdims)
    _check(out, expected)
    assert standardize_dtype(out.dtype) == "float32"


def test_quantile_of_ints_and_tensor_q():
    q = ops.convert_to_tensor(np.array([0.1, 0.9], dtype="float32"))
    out = ops.quantile(ops.convert_to_tensor(XI), q, axis=1)
    _check(out, np.quantile(XI, [0.1, 0.9], axis=1))
    assert standardize_dtype(out.dtype) == "float32"
    # a NaN anywhere in a slice makes that slice's quantile NaN
    out = to_np(ops.quantile(ops.convert_to_tensor(XN), 0.1, axis=-1))
    assert np.isnan(out[0, 1]) and np.isnan(out[1, 0]) and not np.isnan(out[0, 0])


def test_median_even_count_averages_middle_values():
    out = ops.median(ops.convert_to_tensor(np.array([[4.0, 1.0, 3.0, 2.0]], "float32")), axis=1)
    _check(out, [2.5])


@pytest.mark.parametrize("axis,weights", [
    (None, None), (1, None), ((0, 2), None),
    (None, "full"), (1, "full"), (-1, "1d"), (0, "1d"),
])
@pytest.mark.parametrize("kind", ["f", "i"])
def test_average_matches_numpy(axis, weights, kind):
    x = INPUTS[kind]
    if weights == "full":
        w = RNG.uniform(0.5, 2.0, x.shape).astype("float32")
    elif weights == "1d":
        w = RNG.uniform(0.5, 2.0, x.shape[axis]).astype("float32")
    else:
        w = None
    expected = np.average(x.astype("float64"), axis=axis, weights=w)
    out = ops.average(ops.convert_to_tensor(x), axis=axis, weights=None if w is None else ops.convert_to_tensor(w))
    _check(out, expected)
    assert standardize_dtype(out.dtype) == "float32"


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_initial(name):
    x = ops.convert_to_tensor(XF)
    out = getattr(ops, name)(x, axis=1, initial=0.5)
    _check(out, getattr(np, name)(XF, axis=1, initial=0.5))
    empty = ops.convert_to_tensor(np.zeros((0, 3), "float32"))
    _check(getattr(ops, name)(empty, axis=0, initial=5.0), np.full((3,), 5.0))
    _check(getattr(ops, name)(empty, axis=0, keepdims=True, initial=5.0), np.full((1, 3), 5.0))


def test_python_values_and_scalar_inputs():
    assert standardize_dtype(ops.sum([1, 2, 3]).dtype) == "int32"
    assert to_np(ops.sum([1, 2, 3])) == 6
    assert standardize_dtype(ops.mean([1, 2]).dtype) == "float32"
    assert to_np(ops.mean([1, 2])) == 1.5
    assert standardize_dtype(ops.max(3.5).dtype) == "float32"
    assert to_np(ops.argmax([1.0, 7.0, 2.0])) == 1
    assert standardize_dtype(ops.argmax([1.0, 7.0, 2.0]).dtype) == "int32"
    _check(ops.average([1.0, 2.0, 3.0], weights=[3.0, 1.0, 0.0]), 1.25)
    assert to_np(ops.count_nonzero([[0, 1], [2, 3]])) == 3


def test_variables_are_accepted():
    v = lamina.Variable(XF)
    _check(ops.sum(v, axis=0), XF.sum(axis=0))
    _check(ops.argmax(v, axis=-1), XF.argmax(axis=-1))


def test_low_precision_inputs_keep_their_dtype():
    for dt in ("float16", "bfloat16"):
        x = ops.convert_to_tensor(XF, dtype=dt)
        for name in ("sum", "mean", "max", "std", "var", "median"):
            out = getattr(ops, name)(x, axis=1)
            assert standardize_dtype(out.dtype) == dt, (name, dt)
            ref = getattr(np, name)(XF.astype(dt).astype("float64"), axis=1)
            np.testing.assert_allclose(to_np(out).astype("float64"), ref, rtol=3e-2, atol=3e-2)


@pytest.mark.skipif(BACKEND == "jax", reason="jax runs with x64 disabled (no float64/int64 arrays)")
def test_64_bit_inputs():
    x64 = ops.convert_to_tensor(XF.astype("float64"))
    assert standardize_dtype(ops.mean(x64).dtype) == "float64"
    assert standardize_dtype(ops.max(x64, axis=0).dtype) == "float64"
    i64 = ops.convert_to_tensor(XI.astype("int64"))
    assert standardize_dtype(ops.cumsum(i64).dtype) == "int64"
    assert standardize_dtype(ops.prod(i64, axis=0).dtype) == "int64"
    _check(ops.prod(i64, axis=0), np.prod(XI, axis=0))


def test_unsigned_inputs():
    for dt in ("uint8", "uint16", "uint32"):
        x = ops.convert_to_tensor(np.abs(XI).astype(dt))
        ref = np.abs(XI).astype("int64")
        _check(ops.max(x, axis=1), ref.max(axis=1))
        _check(ops.sum(x, axis=(0, 2)), ref.sum(axis=(0, 2)))
        _check(ops.cumsum(x, axis=1), ref.cumsum(axis=1))
        _check(ops.argmin(x, axis=2), ref.argmin(axis=2))
        _check(ops.median(x, axis=0), np.median(ref, axis=0))
        assert standardize_dtype(ops.max(x, axis=1).dtype) == dt
        assert standardize_dtype(ops.cumsum(x, axis=1).dtype) == dt


# --------------------------------------------------------------------------
# dtype parity with the Keras 3 oracle
# --------------------------------------------------------------------------
DTYPES = ["bool", "uint8", "uint16", "uint32", "int8", "int16", "int32", "int64",
          "bfloat16", "float16", "float32", "float64"]
X0 = np.array([[1, 2, 0], [3, 1, 2]], dtype="float32")

DTYPE_OPS = {
    "sum": lambda o, x: o.sum(x, axis=0),
    "sum_all": lambda o, x: o.sum(x),
    "nansum": lambda o, x: o.nansum(x, axis=1),
    "mean": lambda o, x: o.mean(x, axis=0),
    "nanmean": lambda o, x: o.nanmean(x, axis=0),
    "max": lambda o, x: o.max(x, axis=0),
    "min": lambda o, x: o.min(x),
    "amax": lambda o, x: o.amax(x, axis=1),
    "amin": lambda o, x: o.amin(x, axis=1),
    "nanmax": lambda o, x: o.nanmax(x, axis=0),
    "nanmin": lambda o, x: o.nanmin(x, axis=0),
    "prod": lambda o, x: o.prod(x, axis=0),
    "prod_dtype": lambda o, x: o.prod(x, axis=0, dtype="float32"),
    "nanprod": lambda o, x: o.nanprod(x, axis=0),
    "std": lambda o, x: o.std(x, axis=0),
    "var": lambda o, x: o.var(x, axis=0),
    "nanstd": lambda o, x: o.nanstd(x, axis=0),
    "nanvar": lambda o, x: o.nanvar(x, axis=0),
    "all": lambda o, x: o.all(x, axis=0),
    "any": lambda o, x: o.any(x),
    "argmax": lambda o, x: o.argmax(x, axis=0),
    "argmin": lambda o, x: o.argmin(x),
    "nanargmax": lambda o, x: o.nanargmax(x, axis=1),
    "nanargmin": lambda o, x: o.nanargmin(x, axis=1),
    "count_nonzero": lambda o, x: o.count_nonzero(x, axis=0),
    "average": lambda o, x: o.average(x, axis=0),
    "median": lambda o, x: o.median(x, axis=0),
    "nanmedian": lambda o, x: o.nanmedian(x, axis=0),
    "quantile": lambda o, x: o.quantile(x, 0.5, axis=0),
    "nanquantile": lambda o, x: o.nanquantile(x, 0.5, axis=0),
    "percentile": lambda o, x: o.percentile(x, 50, axis=0),
    "nanpercentile": lambda o, x: o.nanpercentile(x, 50, axis=0),
    "cumsum": lambda o, x: o.cumsum(x, axis=0),
    "cumprod": lambda o, x: o.cumprod(x, axis=0),
    "cumsum_dtype": lambda o, x: o.cumsum(x, axis=0, dtype="float32"),
    "nancumsum": lambda o, x: o.nancumsum(x, axis=0),
    "nancumprod": lambda o, x: o.nancumprod(x, axis=0),
    "ptp": lambda o, x: o.ptp(x, axis=0),
}

# on jax every eager call compiles; a representative subset keeps the file fast
JAX_EAGER_DTYPES = ("bool", "uint8", "int16", "bfloat16")

# lamina refuses these on purpose (Keras's symbolic op accepts them, its kernels fail)
REFUSED = {("ptp", "bool")}


def _lamina_holds(dtype):
    return not (BACKEND == "jax" and "64" in dtype)


def _keras_holds(dtype):
    """Keras's torch backend converts uint16/32/64 to signed types, jax has no 64-bit arrays."""
    if BACKEND == "torch" and dtype in ("uint16", "uint32", "uint64"):
        return False
    return _lamina_holds(dtype)


def _tensor(lib, dtype):
    return lib.ops.convert_to_tensor(X0.astype("bool") if dtype == "bool" else X0, dtype=dtype)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", sorted(DTYPE_OPS))
def test_dtypes_match_keras(keras, name):
    fn = DTYPE_OPS[name]
    mismatches = []
    for dt in DTYPES:
        if (name, dt) in REFUSED:
            continue
        k_sym = keras.backend.standardize_dtype(fn(keras.ops, keras.KerasTensor((2, 3), dtype=dt)).dtype)
        l_sym = fn(ops, lamina.KerasTensor((2, 3), dtype=dt)).dtype
        if l_sym != k_sym:
            mismatches.append(f"{dt}: symbolic {l_sym} != keras {k_sym}")
        if not _lamina_holds(dt) or (BACKEND == "jax" and dt not in JAX_EAGER_DTYPES):
            continue
        l_eager = standardize_dtype(fn(ops, _tensor(lamina, dt)).dtype)
        if l_eager != l_sym:
            mismatches.append(f"{dt}: eager {l_eager} != symbolic {l_sym}")
        if _keras_holds(dt) and BACKEND != "jax":  # (on jax the oracle's eager run only costs compile time)
            k_eager = keras.backend.standardize_dtype(fn(keras.ops, _tensor(keras, dt)).dtype)
            # Where Keras's eager kernel disagrees with its own symbolic rule (64-bit inputs on
            # numpy/torch), lamina follows the symbolic rule, which is the same on every backend.
            if k_eager == k_sym and l_eager != k_eager:
                mismatches.append(f"{dt}: eager {l_eager} != keras eager {k_eager}")
    assert not mismatches, mismatches


def test_refused_inputs_raise_clearly():
    with pytest.raises(TypeError, match="ptp.*bool"):
        ops.ptp(ops.convert_to_tensor(XB))
    with pytest.raises(TypeError, match="ptp.*bool"):
        ops.ptp(lamina.KerasTensor((None, 3), dtype="bool"))


# --------------------------------------------------------------------------
# symbolic shapes
# --------------------------------------------------------------------------
SHAPE_CASES = [
    ("sum", (None, 3, 4), {"axis": 1}, (None, 4)),
    ("sum", (None, 3, 4), {"axis": (0, 2), "keepdims": True}, (1, 3, 1)),
    ("sum", (None, 3, 4), {}, ()),
    ("sum", (None, 3, 4), {"axis": -1, "keepdims": True}, (None, 3, 1)),
    ("sum", (None, 3, 4), {"axis": ()}, (None, 3, 4)),
    ("mean", (None, None, 4), {"axis": [0, 1]}, (4,)),
    ("max", (None, 3), {"axis": 0, "keepdims": True}, (1, 3)),
    ("nanmax", (None, 3), {"axis": 1}, (None,)),
    ("prod", (2, None), {"axis": None, "keepdims": True}, (1, 1)),
    ("std", (None, 5), {"axis": -1}, (None,)),
    ("var", (None, 5), {"axis": 0}, (5,)),
    ("all", (None, 5), {"axis": 1, "keepdims": True}, (None, 1)),
    ("argmax", (None, 3, 4), {"axis": -1}, (None, 3)),
    ("argmax", (None, 3, 4), {}, ()),
    ("argmax", (None, 3, 4), {"keepdims": True}, (1, 1, 1)),
    ("argmin", (None, 3, 4), {"axis": 1, "keepdims": True}, (None, 1, 4)),
    ("nanargmax", (None, 3), {"axis": 0}, (3,)),
    ("count_nonzero", (None, 3, 4), {"axis": (1, 2)}, (None,)),
    ("median", (None, 3, 4), {"axis": 1, "keepdims": True}, (None, 1, 4)),
    ("cumsum", (None, 3), {}, (None,)),
    ("cumsum", (2, 3), {}, (6,)),
    ("cumprod", (None, 3), {"axis": 1}, (None, 3)),
    ("nancumsum", (None, 3), {"axis": 0}, (None, 3)),
    ("ptp", (None, 3), {"axis": 1}, (None,)),
]


@pytest.mark.parametrize("name,shape,kwargs,expected", SHAPE_CASES)
def test_symbolic_shapes(keras, name, shape, kwargs, expected):
    out = getattr(ops, name)(lamina.KerasTensor(shape), **kwargs)
    assert out.shape == expected
    k_out = getattr(keras.ops, name)(keras.KerasTensor(shape), **kwargs)
    assert tuple(k_out.shape) == expected


@pytest.mark.parametrize("name", ["quantile", "percentile", "nanquantile", "nanpercentile"])
def test_symbolic_quantile_shapes(name):
    scale = 100 if "percentile" in name else 1
    x = lamina.KerasTensor((None, 3, 4))
    fn = getattr(ops, name)
    assert fn(x, 0.5 * scale, axis=1).shape == (None, 4)
    assert fn(x, [0.1 * scale, 0.5 * scale], axis=-1, keepdims=True).shape == (2, None, 3, 1)
    assert fn(x, [0.5 * scale]).shape == (1,)
    assert fn(x, lamina.KerasTensor((3,)), axis=(0, 2)).shape == (3, 3)


def test_symbolic_average_shapes_and_dtypes():
    x = lamina.KerasTensor((None, 3), dtype="int32")
    out = ops.average(x, axis=1, weights=lamina.KerasTensor((3,), dtype="float16"))
    assert out.shape == (None,) and out.dtype == "float16"  # result_type(int32, float, float16)
    assert ops.average(x, axis=1, weights=lamina.KerasTensor((3,), dtype="int8")).dtype == "float32"
    assert ops.average(x).shape == ()
    assert ops.average(lamina.KerasTensor((None, 3), dtype="float16"), axis=0).dtype == "float16"
    with pytest.raises(ValueError, match="average"):
        ops.average(x, axis=1, weights=lamina.KerasTensor((4,)))


def test_symbolic_call_records_a_graph_node():
    x = lamina.KerasTensor((None, 3, 4))
    y = ops.quantile(x, [0.25, 0.75], axis=1, method="lower")
    op = y._keras_history.operation
    assert op.op_name == "quantile"
    # replaying the recorded op on data gives the same result as calling the op directly
    out = op.call(ops.convert_to_tensor(XF), [0.25, 0.75], axis=1, method="lower")
    _check(out, np.quantile(XF, [0.25, 0.75], axis=1, method="lower"))


# --------------------------------------------------------------------------
# errors name the op, what was expected and what was received
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sum", "mean", "max", "prod", "std", "all", "median", "nanmean", "argmax",
                                  "count_nonzero", "cumsum"])
def test_axis_out_of_bounds(name):
    x = ops.convert_to_tensor(XF)
    with pytest.raises(ValueError, match=rf"{name}: axis 5 is out of bounds for a tensor of rank 3"):
        getattr(ops, name)(x, axis=5)
    with pytest.raises(ValueError, match=rf"{name}: axis 5 is out of bounds"):
        getattr(ops, name)(lamina.KerasTensor((None, 3, 4)), axis=5)


def test_bad_arguments():
    x = ops.convert_to_tensor(XF)
    with pytest.raises(ValueError, match="quantile: method must be one of"):
        ops.quantile(x, 0.5, method="cubic")
    with pytest.raises(ValueError, match=r"quantile: q must be in the range \[0, 1\]"):
        ops.quantile(x, 1.5)
    with pytest.raises(ValueError, match=r"percentile: q must be in the range \[0, 100\]"):
        ops.percentile(x, [50, 101])
    with pytest.raises(TypeError, match="argmax: axis must be None or an int"):
        ops.argmax(lamina.KerasTensor((None, 3)), axis=(0, 1))
    with pytest.raises(ValueError, match="sum: repeated axis"):
        ops.sum(lamina.KerasTensor((None, 3)), axis=(1, 1))
    with pytest.raises(ValueError, match="average: 1-D weights must have the length of x along axis 1"):
        ops.average(x, axis=1, weights=ops.convert_to_tensor(np.ones(5, "float32")))
    with pytest.raises(ValueError, match="max: cannot compute for an input of shape \\(0, 3\\)"):
        ops.max(ops.convert_to_tensor(np.zeros((0, 3), "float32")), axis=0)
