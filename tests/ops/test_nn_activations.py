"""Activation ops of lamina.ops.nn: values against NumPy formulas and the Keras 3 oracle, dtypes, specs, errors."""

import math
import warnings

import numpy as np
import pytest

import lamina
from lamina import ops
from tests.conftest import BACKEND, to_np

RNG = np.random.default_rng(1234)
X = (RNG.standard_normal((4, 6)) * 3).astype("float32")
X[0, :3] = [-1.0, 0.0, 1.0]  # the kinks of the piecewise activations


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _erf(x):
    return np.vectorize(math.erf)(x)


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _sparsemax_rows(x):
    out = np.empty_like(x)
    for i, row in enumerate(x.reshape(-1, x.shape[-1])):
        z = np.sort(row)[::-1]
        k = np.arange(1, len(z) + 1)
        support = 1 + k * z > np.cumsum(z)
        kz = k[support][-1]
        tau = (np.cumsum(z)[kz - 1] - 1) / kz
        out.reshape(-1, x.shape[-1])[i] = np.maximum(row - tau, 0)
    return out


SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805

# name, kwargs, NumPy reference (float64)
CASES = [
    ("relu", {}, lambda x: np.maximum(x, 0)),
    ("relu6", {}, lambda x: np.clip(x, 0, 6)),
    ("sigmoid", {}, _sigmoid),
    ("sparse_sigmoid", {}, lambda x: np.clip((x + 1) / 2, 0, 1)),
    ("softplus", {}, lambda x: np.log1p(np.exp(x))),
    ("softsign", {}, lambda x: x / (1 + np.abs(x))),
    ("silu", {}, lambda x: x * _sigmoid(x)),
    ("swish", {}, lambda x: x * _sigmoid(x)),
    ("hard_sigmoid", {}, lambda x: np.clip(x + 3, 0, 6) / 6),
    ("hard_silu", {}, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("hard_swish", {}, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("log_sigmoid", {}, lambda x: np.log(_sigmoid(x))),
    ("leaky_relu", {}, lambda x: np.where(x >= 0, x, 0.2 * x)),
    ("leaky_relu", {"negative_slope": 0.01}, lambda x: np.where(x >= 0, x, 0.01 * x)),
    ("elu", {}, lambda x: np.where(x >= 0, x, np.expm1(x))),
    ("elu", {"alpha": 0.5}, lambda x: np.where(x >= 0, x, 0.5 * np.expm1(x))),
    ("selu", {}, lambda x: SELU_S * np.where(x >= 0, x, SELU_A * np.expm1(x))),
    ("gelu", {}, lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))),
    ("gelu", {"approximate": False}, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    ("celu", {}, lambda x: np.maximum(x, 0) + np.expm1(np.minimum(x, 0))),
    ("celu", {"alpha": 2.0}, lambda x: np.maximum(x, 0) + 2 * np.expm1(np.minimum(x, 0) / 2)),
    ("glu", {}, lambda x: x[:, :3] * _sigmoid(x[:, 3:])),
    ("glu", {"axis": 0}, lambda x: x[:2] * _sigmoid(x[2:])),
    ("tanh_shrink", {}, lambda x: x - np.tanh(x)),
    ("hard_tanh", {}, lambda x: np.clip(x, -1, 1)),
    ("soft_shrink", {}, lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    ("soft_shrink", {"threshold": 1.5}, lambda x: np.where(x > 1.5, x - 1.5, np.where(x < -1.5, x + 1.5, 0))),
    ("hard_shrink", {}, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    ("hard_shrink", {"threshold": 2.0}, lambda x: np.where(np.abs(x) > 2.0, x, 0)),
    ("threshold", {"threshold": 0.5, "default_value": -3.0}, lambda x: np.where(x > 0.5, x, -3.0)),
    ("squareplus", {}, lambda x: (x + np.sqrt(x**2 + 4)) / 2),
    ("squareplus", {"b": 1.0}, lambda x: (x + np.sqrt(x**2 + 1)) / 2),
    ("sparse_plus", {}, lambda x: np.where(x <= -1, 0, np.where(x < 1, (x + 1) ** 2 / 4, x))),
    ("softmax", {}, _softmax),
    ("softmax", {"axis": 0}, lambda x: _softmax(x, 0)),
    ("log_softmax", {}, lambda x: np.log(_softmax(x))),
    ("log_softmax", {"axis": 0}, lambda x: np.log(_softmax(x, 0))),
    ("sparsemax", {}, _sparsemax_rows),
    ("sparsemax", {"axis": 0}, lambda x: _sparsemax_rows(x.T).T),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" if kw else n for n, kw, _ in CASES]


def _keras_has(keras, name):
    return hasattr(keras.ops, name)


@pytest.mark.parametrize("name,kwargs,ref", CASES, ids=IDS)
def test_against_numpy_formula(name, kwargs, ref):
    out = getattr(ops, name)(X, **kwargs)
    assert ops.dtype(out) == "float32"
    np.testing.assert_allclose(to_np(out), ref(X.astype(np.float64)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kwargs,ref", CASES, ids=IDS)
def test_against_keras_oracle(keras, name, kwargs, ref):
    data = X
    if name == "sparsemax":
        # Keras 3.15.1's sparsemax is only right when one entry survives (keras-team/keras#23425):
        # compare on inputs whose largest entry leads by more than 1.
        axis = kwargs.get("axis", -1)
        data = X + 5 * (X == X.max(axis=axis, keepdims=True))
    out = getattr(ops, name)(ops.convert_to_tensor(data), **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = keras.ops.convert_to_numpy(getattr(keras.ops, name)(keras.ops.convert_to_tensor(data), **kwargs))
    assert out.shape == expected.shape
    np.testing.assert_allclose(to_np(out), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["relu", "hard_tanh"])
def test_integer_preserving(name):
    x = np.array([-3, -1, 0, 2, 7], dtype="int32")
    out = getattr(ops, name)(x)
    assert ops.dtype(out) == "int32"
    expected = np.maximum(x, 0) if name == "relu" else np.clip(x, -1, 1)
    np.testing.assert_array_equal(to_np(out), expected)


def test_threshold_keeps_int_dtype():
    out = ops.threshold(np.array([-3, 1, 5], "int32"), 1, 9)
    assert ops.dtype(out) == "int32"
    np.testing.assert_array_equal(to_np(out), [9, 9, 5])


@pytest.mark.parametrize("name", ["sigmoid", "silu", "gelu", "elu", "softplus", "softmax", "leaky_relu", "relu6",
                                  "hard_sigmoid", "log_sigmoid", "tanh_shrink", "sparse_plus"])
def test_int_input_becomes_floatx(name):
    x = np.array([[-2, 0, 3, 1]], dtype="int32")
    out = getattr(ops, name)(x)
    assert ops.dtype(out) == "float32"
    np.testing.assert_allclose(to_np(out), to_np(getattr(ops, name)(x.astype("float32"))), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
@pytest.mark.parametrize("name", ["relu", "sigmoid", "gelu", "log_softmax", "hard_silu"])
def test_float_dtypes_are_kept(name, dtype):
    if dtype == "float64" and BACKEND == "jax":
        pytest.skip("jax runs with x64 disabled: no float64 arrays")
    x = ops.cast(X, dtype)
    out = getattr(ops, name)(x)
    assert ops.dtype(out) == dtype
    tol = 1e-6 if dtype == "float64" else 3e-2  # against the float32 result
    expected = to_np(getattr(ops, name)(X.astype("float32")))
    np.testing.assert_allclose(to_np(out).astype("float32"), expected, rtol=tol, atol=tol)


def test_python_list_input():
    np.testing.assert_allclose(to_np(ops.relu([-1.0, 2.0])), [0.0, 2.0])
    np.testing.assert_allclose(to_np(ops.sigmoid([0.0])), [0.5])
    np.testing.assert_allclose(to_np(ops.softmax([1.0, 1.0])), [0.5, 0.5])


def test_variable_input():
    v = lamina.Variable(X)
    np.testing.assert_allclose(to_np(ops.gelu(v)), to_np(ops.gelu(X)), rtol=1e-7)


def test_aliases_and_gelu_default():
    import inspect

    assert ops.swish is ops.silu and ops.nn.swish is ops.silu
    assert ops.hard_swish is ops.hard_silu
    assert inspect.signature(ops.gelu).parameters["approximate"].default is True
    # The default is the tanh approximation, which differs from the exact gelu.
    assert abs(float(to_np(ops.gelu(np.float32(1.0)))) - 0.841192) < 1e-5
    assert abs(float(to_np(ops.gelu(np.float32(1.0), approximate=False))) - 0.841345) < 1e-5


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside Keras on torch
@pytest.mark.parametrize("axis", [(0, 1), (1, 2), (0, 2), None, (-1, 0)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_over_several_axes(keras, name, axis):
    x = RNG.standard_normal((2, 3, 4)).astype("float32")
    out = to_np(getattr(ops, name)(x, axis=axis))
    ax = tuple(range(3)) if axis is None else tuple(a % 3 for a in axis)
    ref = _softmax(x.astype(np.float64), ax)
    np.testing.assert_allclose(out, np.log(ref) if name == "log_softmax" else ref, rtol=1e-5, atol=1e-6)
    if axis is not None and min(axis) >= 0:  # Keras rejects negative entries in a tuple axis
        expected = keras.ops.convert_to_numpy(getattr(keras.ops, name)(keras.ops.convert_to_tensor(x), axis=axis))
        np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)


def test_softmax_is_stable_for_large_logits():
    out = to_np(ops.softmax(np.array([1000.0, 1000.0, -1000.0], "float32")))
    np.testing.assert_allclose(out, [0.5, 0.5, 0.0], atol=1e-7)
    out = to_np(ops.log_softmax(np.array([1000.0, 0.0], "float32")))
    np.testing.assert_allclose(out, [0.0, -1000.0], atol=1e-3)
    assert np.isfinite(to_np(ops.sigmoid(np.array([-1000.0, 1000.0], "float32")))).all()
    assert np.isfinite(to_np(ops.log_sigmoid(np.array([-1000.0, 1000.0], "float32")))).all()


def test_sparsemax_sums_to_one_with_zeros():
    for axis in (-1, 0):
        out = to_np(ops.sparsemax(X * 0.3, axis=axis))
        np.testing.assert_allclose(out.sum(axis), 1.0, rtol=1e-5)
        assert (out == 0).any() and (out >= 0).all() and ((out > 0).sum(axis) > 1).any()
    # The case Keras 3.15.1 gets wrong (it returns [0, 0, 0.25]).
    np.testing.assert_allclose(to_np(ops.sparsemax(np.array([0.0, 0.5, 1.0], "float32"))), [0, 0.25, 0.75], atol=1e-7)


def test_softmax_warns_on_size_one_axis():
    with pytest.warns(UserWarning, match="size 1"):
        ops.softmax(np.ones((3, 1), "float32"))


@pytest.mark.parametrize("name,kwargs,ref", CASES, ids=IDS)
def test_symbolic_spec(name, kwargs, ref):
    x = lamina.KerasTensor((None, 6), dtype="float32")
    y = getattr(ops, name)(x, **kwargs)
    expected_shape = ref(np.zeros((4, 6))).shape
    expected_shape = tuple(None if i == 0 and d == 4 else d for i, d in enumerate(expected_shape))
    if kwargs.get("axis") == 0:
        expected_shape = (None,) + expected_shape[1:]
    assert y.shape == expected_shape
    assert y.dtype == "float32"


def test_symbolic_dtypes():
    xi = lamina.KerasTensor((2, None), dtype="int32")
    assert ops.relu(xi).dtype == "int32"
    assert ops.hard_tanh(xi).dtype == "int32"
    assert ops.sigmoid(xi).dtype == "float32"
    assert ops.softmax(xi).dtype == "float32"
    xh = lamina.KerasTensor((None, 8), dtype="float16")
    assert ops.gelu(xh).dtype == "float16"
    assert ops.glu(xh).shape == (None, 4)
    assert ops.glu(lamina.KerasTensor((None, None))).shape == (None, None)
    assert ops.softmax(lamina.KerasTensor((None, 3, 4)), axis=(1, 2)).shape == (None, 3, 4)


def test_symbolic_op_recomputes_on_real_tensors():
    """The recorded graph node reruns the op on real data."""
    x = lamina.KerasTensor((None, 6))
    y = ops.elu(x, alpha=0.5)
    op = y._keras_history.operation
    np.testing.assert_allclose(to_np(op.call(X, alpha=0.5)), to_np(ops.elu(X, alpha=0.5)))


def test_errors_name_the_op():
    with pytest.raises(ValueError, match="glu.*divisible by 2"):
        ops.glu(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="glu.*divisible by 2"):
        ops.glu(lamina.KerasTensor((None, 5)))
    with pytest.raises(ValueError, match="softmax.*out of bounds"):
        ops.softmax(lamina.KerasTensor((None, 5)), axis=2)
    with pytest.raises(ValueError, match="sparsemax"):
        ops.sparsemax(lamina.KerasTensor((None, 5)), axis=(0, 1))
