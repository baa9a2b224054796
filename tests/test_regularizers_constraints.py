"""lamina.regularizers and lamina.constraints against Keras 3: penalties, projections, configs, names, get()."""

import inspect

import numpy as np
import pytest

import lamina
import lamina.saving
from lamina import constraints, regularizers
from tests.conftest import BACKEND, to_np

RNG = np.random.default_rng(1)
W2 = RNG.normal(size=(6, 4)).astype("float32")
W4 = RNG.normal(size=(3, 3, 5, 4)).astype("float32")


def _public_names(module):
    return {n for n in dir(module) if not n.startswith("_") and not inspect.ismodule(getattr(module, n))}


def _np(keras, x):
    return np.asarray(keras.ops.convert_to_numpy(x))


# ================================================================== regularizers
REG_CASES = [
    ("L1", {}), ("L1", {"l1": 0.3}), ("L2", {}), ("L2", {"l2": 2.0}), ("L1L2", {}), ("L1L2", {"l1": 0.01}),
    ("L1L2", {"l1": 0.1, "l2": 0.2}), ("L1L2", {"l1": None, "l2": 3}),
    ("OrthogonalRegularizer", {}), ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"}),
]
REG_IDS = [n + "".join(f"-{k}={v}" for k, v in kw.items()) for n, kw in REG_CASES]


@pytest.mark.parametrize("name,kwargs", REG_CASES, ids=REG_IDS)
def test_regularizer_penalty_and_config_match_keras(keras, name, kwargs):
    ours = getattr(regularizers, name)(**kwargs)
    theirs = getattr(keras.regularizers, name)(**kwargs)
    for w in (W2, W2 * 10):
        penalty = ours(lamina.ops.convert_to_tensor(w))
        assert tuple(lamina.ops.shape(penalty)) == ()
        assert lamina.ops.dtype(penalty) == "float32"
        if BACKEND == "numpy" and kwargs.get("mode") == "columns":
            # Keras's numpy-array path of normalize() fails for axis=0; rows of w.T are the columns of w.
            expected = getattr(keras.regularizers, name)(kwargs["factor"], "rows")(w.T)
        else:
            expected = theirs(keras.ops.convert_to_tensor(w))
        np.testing.assert_allclose(to_np(penalty), _np(keras, expected), rtol=1e-6)
    assert ours.get_config() == theirs.get_config()
    config = regularizers.serialize(ours)
    assert config == keras.regularizers.serialize(theirs)
    assert lamina.saving.serialize_keras_object(ours) == config
    back = regularizers.deserialize(config)
    assert type(back) is type(ours) and back.get_config() == ours.get_config()
    assert type(regularizers.get(keras.regularizers.serialize(theirs))) is type(ours)


def test_regularizer_known_values():
    ones = lamina.ops.ones((5, 5))
    np.testing.assert_allclose(to_np(regularizers.L2(2.0)(ones)), 50.0)
    np.testing.assert_allclose(to_np(regularizers.L1(0.5)(ones)), 12.5)
    np.testing.assert_allclose(to_np(regularizers.L1L2(0.01, 0.01)(lamina.ops.ones((2, 2)))), 0.08, rtol=1e-6)
    np.testing.assert_allclose(to_np(regularizers.OrthogonalRegularizer(1.0)(np.eye(3, dtype="float32"))), 0.0,
                               atol=1e-7)
    # Rows all equal: every pair has cosine 1, so the mean over pairs, hence the penalty / factor, is 1.
    np.testing.assert_allclose(to_np(regularizers.OrthogonalRegularizer(0.3)(lamina.ops.ones((3, 4)))), 0.3,
                               rtol=1e-6)
    # Orthogonal rows but parallel columns: only "columns" mode penalizes.
    w = np.array([[1.0, 1.0], [1.0, -1.0]], "float32")
    np.testing.assert_allclose(to_np(regularizers.OrthogonalRegularizer(1.0)(w)), 0.0, atol=1e-7)
    w = np.array([[1.0, 2.0], [0.0, 0.0]], "float32")
    np.testing.assert_allclose(to_np(regularizers.OrthogonalRegularizer(1.0, mode="columns")(w)), 1.0, rtol=1e-6)


def test_regularizer_on_variable_and_float64():
    v = lamina.Variable(W2, name="w")
    np.testing.assert_allclose(to_np(regularizers.L2(0.1)(v)), 0.1 * np.sum(W2.astype("float64") ** 2), rtol=1e-5)
    if BACKEND == "torch":  # jax has x64 off; Keras's numpy backend computes float64 arrays in floatx
        p = regularizers.L1(0.1)(lamina.ops.convert_to_tensor(W2, dtype="float64"))
        symbolic = regularizers.L1(0.1)(lamina.KerasTensor(W2.shape, dtype="float64"))
        assert lamina.ops.dtype(p) == symbolic.dtype


def test_regularizer_errors():
    for bad in (-1.0, float("nan"), float("inf"), "0.1"):
        with pytest.raises(ValueError, match="l2"):
            regularizers.L2(bad)
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="rank"):
        regularizers.OrthogonalRegularizer()(W4)
    with pytest.raises(NotImplementedError):
        regularizers.Regularizer().get_config()
    assert regularizers.Regularizer()(W2) == 0.0


def test_regularizer_names_and_get(keras):
    assert _public_names(regularizers) - {"ALL_OBJECTS", "ALL_OBJECTS_DICT"} == _public_names(keras.regularizers)
    from keras.src.regularizers import ALL_OBJECTS_DICT as keras_names

    for key, cls in keras_names.items():
        if key in ("Regularizer", "regularizer"):
            assert regularizers.ALL_OBJECTS_DICT[key] is regularizers.Regularizer
            continue
        got = regularizers.get(key)
        assert type(got).__name__ == cls.__name__
        assert got.get_config() == keras.regularizers.get(key).get_config()
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    assert isinstance(regularizers.get("orthogonal_regularizer"), regularizers.OrthogonalRegularizer)
    assert regularizers.l1_l2 is regularizers.L1L2 and regularizers.l2 is regularizers.L2
    assert regularizers.get(None) is None
    reg = regularizers.L2(0.5)
    assert regularizers.get(reg) is reg

    def fn(x):
        return lamina.ops.sum(x)

    assert regularizers.get(fn) is fn
    got = regularizers.get({"class_name": "L1L2", "config": {"l1": 0.5, "l2": 0.25}})
    assert got.get_config() == {"l1": 0.5, "l2": 0.25}
    with pytest.raises(ValueError) as info:
        regularizers.get("l3")
    msg = str(info.value)
    assert "regularizer" in msg and "'l3'" in msg and "'l1_l2'" in msg


@pytest.mark.parametrize("name", ["L1", "L2", "L1L2", "OrthogonalRegularizer"])
def test_regularizer_signature_matches_keras(keras, name):
    ours = inspect.signature(getattr(regularizers, name)).parameters
    theirs = inspect.signature(getattr(keras.regularizers, name)).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]


# ================================================================== constraints
CON_CASES = [
    ("MaxNorm", {}, W2), ("MaxNorm", {"max_value": 1.5, "axis": 1}, W2),
    ("MaxNorm", {"max_value": 0.5, "axis": [0, 1, 2]}, W4),
    ("MinMaxNorm", {}, W2), ("MinMaxNorm", {"min_value": 1.0, "max_value": 2.0, "rate": 0.5}, W2 * 3),
    ("MinMaxNorm", {"min_value": 2.5, "max_value": 3.0, "axis": [0, 1, 2]}, W4),
    ("NonNeg", {}, W2), ("NonNeg", {}, W4),
    ("UnitNorm", {}, W2), ("UnitNorm", {"axis": -1}, W2), ("UnitNorm", {"axis": [0, 1, 2]}, W4),
]
CON_IDS = [f"{n}-{w.ndim}d" + "".join(f"-{k}={v}" for k, v in kw.items()) for n, kw, w in CON_CASES]


@pytest.mark.parametrize("name,kwargs,w", CON_CASES, ids=CON_IDS)
def test_constraint_output_and_config_match_keras(keras, name, kwargs, w):
    ours = getattr(constraints, name)(**kwargs)
    theirs = getattr(keras.constraints, name)(**kwargs)
    out = ours(lamina.ops.convert_to_tensor(w))
    assert lamina.ops.dtype(out) == "float32" and tuple(lamina.ops.shape(out)) == w.shape
    np.testing.assert_allclose(to_np(out), _np(keras, theirs(keras.ops.convert_to_tensor(w))), rtol=1e-6, atol=1e-7)
    assert ours.get_config() == theirs.get_config()
    config = constraints.serialize(ours)
    assert config == keras.constraints.serialize(theirs)
    back = constraints.deserialize(config)
    assert type(back) is type(ours) and back.get_config() == ours.get_config()
    assert type(constraints.get(keras.constraints.serialize(theirs))) is type(ours)


def test_constraint_semantics():
    unit = to_np(constraints.UnitNorm()(W2))
    np.testing.assert_allclose(np.linalg.norm(unit, axis=0), 1.0, rtol=1e-5)
    capped = to_np(constraints.MaxNorm(max_value=1.0)(W2 * 5))
    np.testing.assert_allclose(np.linalg.norm(capped, axis=0), 1.0, rtol=1e-5)
    small = W2 * 0.01
    np.testing.assert_allclose(to_np(constraints.MaxNorm(max_value=1.0)(small)), small, rtol=1e-4)
    nn = to_np(constraints.NonNeg()(W2))
    np.testing.assert_array_equal(nn, np.maximum(W2, 0))
    assert constraints.Constraint()(W2) is W2
    v = lamina.Variable(W2, name="w")
    np.testing.assert_allclose(to_np(constraints.NonNeg()(v)), np.maximum(W2, 0))


def test_constraint_names_and_get(keras):
    assert _public_names(constraints) - {"ALL_OBJECTS", "ALL_OBJECTS_DICT"} == _public_names(keras.constraints)
    from keras.src.constraints import ALL_OBJECTS_DICT as keras_names

    for key, cls in keras_names.items():
        got = constraints.get(key)
        assert type(got).__name__ == cls.__name__
        assert got.get_config() == keras.constraints.get(key).get_config()
    assert constraints.max_norm is constraints.MaxNorm and constraints.non_neg is constraints.NonNeg
    assert constraints.get(None) is None
    c = constraints.UnitNorm(axis=1)
    assert constraints.get(c) is c
    got = constraints.get({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 1}})
    assert got.get_config() == {"max_value": 3, "axis": 1}
    with pytest.raises(ValueError) as info:
        constraints.get("nonneg")
    msg = str(info.value)
    assert "constraint" in msg and "'nonneg'" in msg and "'non_neg'" in msg


@pytest.mark.parametrize("name", ["MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"])
def test_constraint_signature_matches_keras(keras, name):
    ours = inspect.signature(getattr(constraints, name)).parameters
    theirs = inspect.signature(getattr(keras.constraints, name)).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]
