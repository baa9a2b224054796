"""lamina.activations against Keras 3's keras.activations: values, dtypes, symbolic shapes, names, get/serialize."""

import inspect

import numpy as np
import pytest

import lamina
import lamina.saving
from lamina import activations
from tests.conftest import BACKEND, to_np

RNG = np.random.default_rng(0)
# Values on a grid that hits every piece of the piecewise activations (±3, ±1, ±0.5, 0, thresholds).
GRID = np.concatenate([np.linspace(-6, 6, 49), [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0]]).astype("float32")
X2D = np.concatenate([GRID[:48].reshape(4, 12), RNG.normal(size=(2, 12)) * 4], axis=0).astype("float32")

# (name, kwargs): every Keras activation, with non-default arguments where it has them.
CASES = [
    ("relu", {}),
    ("relu", {"negative_slope": 0.3}),
    ("relu", {"max_value": 2.5}),
    ("relu", {"max_value": 6}),
    ("relu", {"threshold": 1.5}),
    ("relu", {"negative_slope": 0.2, "max_value": 4.0}),
    ("relu", {"negative_slope": 0.1, "threshold": -1.0}),
    ("relu", {"negative_slope": 0.5, "max_value": 3.0, "threshold": 1.0}),
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.01}),
    ("relu6", {}),
    ("softmax", {}),
    ("softmax", {"axis": 0}),
    ("elu", {}),
    ("elu", {"alpha": 0.5}),
    ("selu", {}),
    ("softplus", {}),
    ("softsign", {}),
    ("soft_shrink", {}),
    ("soft_shrink", {"threshold": 1.0}),
    ("sparse_plus", {}),
    ("silu", {}),
    ("swish", {}),
    ("squareplus", {}),
    ("squareplus", {"b": 1.0}),
    ("gelu", {}),
    ("gelu", {"approximate": True}),
    ("celu", {}),
    ("celu", {"alpha": 2.0}),
    ("glu", {}),
    ("glu", {"axis": 0}),
    ("tanh", {}),
    ("tanh_shrink", {}),
    ("hard_tanh", {}),
    ("hard_shrink", {}),
    ("hard_shrink", {"threshold": 1.0}),
    ("threshold", {"threshold": 0.5, "default_value": -2.0}),
    ("sigmoid", {}),
    ("exponential", {}),
    ("hard_sigmoid", {}),
    ("log_sigmoid", {}),
    ("sparse_sigmoid", {}),
    ("hard_silu", {}),
    ("hard_swish", {}),
    ("linear", {}),
    ("mish", {}),
    ("log_softmax", {}),
    ("log_softmax", {"axis": 0}),
    ("sparsemax", {}),
    ("sparsemax", {"axis": 0}),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" if kw else n for n, kw in CASES]


def _public_names(module):
    return {n for n in dir(module) if not n.startswith("_") and not inspect.ismodule(getattr(module, n))}


def _sparsemax_reference(x, axis=-1):
    """Sparsemax (Martins & Astudillo, 2016) in NumPy: max(x - tau, 0) with tau set so the output sums to 1."""
    z = np.moveaxis(np.asarray(x, "float64"), axis, -1)
    zs = -np.sort(-z, axis=-1)
    cs = np.cumsum(zs, axis=-1)
    r = np.arange(1, z.shape[-1] + 1)
    k = np.sum(1 + r * zs > cs, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cs, k - 1, axis=-1) - 1) / k
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_values_match_keras(keras, name, kwargs):
    ours = to_np(getattr(activations, name)(X2D, **kwargs))
    if name == "sparsemax":
        # Keras 3.15's sparsemax kernels take tau from the sum of the cumulative sums instead of the
        # cumulative sum at k, which is wrong whenever more than one entry stays non-zero; lamina
        # follows the definition, checked against NumPy.
        expected = _sparsemax_reference(X2D, **kwargs)
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours.sum(axis=kwargs.get("axis", -1)), 1.0, rtol=1e-5)
        return
    theirs = keras.ops.convert_to_numpy(getattr(keras.activations, name)(X2D, **kwargs))
    assert ours.shape == theirs.shape
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_symbolic_shape_and_dtype(name, kwargs):
    if kwargs.get("axis") == 0:
        kwargs = {**kwargs, "axis": 1}
    x = lamina.KerasTensor((None, 6, 8), dtype="float32")
    y = getattr(activations, name)(x, **kwargs)
    expected = {("glu", -1): (None, 6, 4), ("glu", 1): (None, 3, 8)}.get((name, kwargs.get("axis", -1)), (None, 6, 8))
    assert isinstance(y, lamina.KerasTensor)
    assert tuple(y.shape) == expected
    assert y.dtype == "float32"


@pytest.mark.parametrize("name", ["relu", "elu", "sigmoid", "softmax", "gelu", "mish", "hard_silu"])
def test_float64_preserved(keras, name):
    if BACKEND != "torch":
        pytest.skip("jax runs with x64 disabled; Keras's numpy backend computes float64 arrays in floatx")
    x = X2D.astype("float64")
    y = getattr(activations, name)(x)
    # Eager dtype equals the symbolic one (Keras's promotion narrows float64 pairs in binary ops).
    symbolic = getattr(activations, name)(lamina.KerasTensor(x.shape, dtype="float64"))
    assert lamina.ops.dtype(y) == symbolic.dtype
    tol = 1e-12 if symbolic.dtype == "float64" else 1e-6
    expected = keras.ops.convert_to_numpy(getattr(keras.activations, name)(x))
    np.testing.assert_allclose(to_np(y), expected, rtol=tol, atol=tol)


def test_relu_docstring_examples():
    x = [-10.0, -5.0, 0.0, 5.0, 10.0]
    np.testing.assert_allclose(to_np(activations.relu(x)), [0, 0, 0, 5, 10])
    np.testing.assert_allclose(to_np(activations.relu(x, negative_slope=0.5)), [-5, -2.5, 0, 5, 10])
    np.testing.assert_allclose(to_np(activations.relu(x, max_value=5.0)), [0, 0, 0, 5, 5])
    np.testing.assert_allclose(to_np(activations.relu(x, threshold=5.0)), [0, 0, 0, 0, 10])


def test_gelu_defaults_to_exact_form():
    x = np.array([-1.5, 0.7, 2.0], "float32")
    from math import erf, sqrt

    exact = [0.5 * v * (1 + erf(v / sqrt(2))) for v in x]
    np.testing.assert_allclose(to_np(activations.gelu(x)), exact, rtol=1e-6)
    assert not np.allclose(to_np(activations.gelu(x, approximate=True)), exact, rtol=1e-6, atol=0)


def test_softmax_and_sigmoid_keep_logits_where_possible():
    x = lamina.ops.convert_to_tensor(X2D)
    for fn in (activations.softmax, activations.sigmoid):
        y = fn(x)
        logits = getattr(y, "_keras_logits", None)
        if BACKEND == "torch":  # numpy and jax arrays cannot carry the attribute
            assert logits is x


def test_public_names_match_keras(keras):
    assert _public_names(activations) - {"ALL_OBJECTS", "ALL_OBJECTS_DICT"} == _public_names(keras.activations)


@pytest.mark.parametrize("name", sorted({c[0] for c in CASES}))
def test_signature_matches_keras(keras, name):
    ours = inspect.signature(getattr(activations, name)).parameters
    theirs = inspect.signature(getattr(keras.activations, name)).parameters
    assert [(p.name, p.default, p.kind) for p in ours.values()] == \
        [(p.name, p.default, p.kind) for p in theirs.values()]


def test_aliases_are_the_same_functions():
    assert activations.swish is activations.silu
    assert activations.hard_swish is activations.hard_silu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu


@pytest.mark.parametrize("name", sorted({c[0] for c in CASES}))
def test_serialize_matches_keras_and_round_trips(keras, name):
    fn = getattr(activations, name)
    config = activations.serialize(fn)
    assert config == keras.activations.serialize(getattr(keras.activations, name))
    assert lamina.saving.serialize_keras_object(fn) == config
    assert activations.deserialize(config) is fn
    assert activations.get(config) is fn
    # Keras's ALL_OBJECTS_DICT keys resolve to the function with the same name.
    assert activations.get(name).__name__ == getattr(keras.activations, name).__name__


def test_get_variants():
    assert activations.get(None) is activations.linear
    assert activations.get(activations.tanh) is activations.tanh

    def custom(x):
        return x

    assert activations.get(custom) is custom
    cfg = {"module": "keras.activations", "class_name": "function", "config": "gelu", "registered_name": "gelu"}
    assert activations.get(cfg) is activations.gelu


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as info:
        activations.get("not_an_activation")
    msg = str(info.value)
    assert "activation" in msg and "not_an_activation" in msg and "'relu'" in msg and "'swish'" in msg
    with pytest.raises(ValueError, match="activation"):
        activations.get(42)


def test_serialize_registered_custom_activation(keras):
    @lamina.saving.register_keras_serializable(package="acttest")
    def doubled(x):
        return lamina.ops.multiply(x, 2.0)

    config = activations.serialize(doubled)
    assert isinstance(config, dict) and config["config"] == "acttest>doubled"
    assert activations.deserialize(config) is doubled
    assert activations.get("acttest>doubled") is doubled
