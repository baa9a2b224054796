"""Merging layers against real Keras 3: values, shapes, configs, masks, broadcasting and errors."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.layers import merging
from tests.conftest import assert_close, to_np
from tests.layers.layer_test_utils import run_layer_test

ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]

SHAPE_CASES = [
    [(2, 3, 4), (2, 3, 4)],        # same shapes
    [(2, 3, 4), (2, 1, 4)],        # broadcasting along a size-1 axis
    [(2, 3, 4), (2, 4)],           # lower rank: size-1 axes inserted after the batch axis
    [(3, 5), (3, 1)],
]


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shapes", SHAPE_CASES, ids=lambda s: "-".join("x".join(map(str, t)) for t in s))
def test_elementwise_matches_keras(keras, name, shapes):
    run_layer_test(getattr(merging, name), {}, input_shape=shapes, keras=keras)


@pytest.mark.parametrize("name", ["Add", "Multiply", "Average", "Maximum", "Minimum"])
def test_elementwise_three_inputs_match_numpy(keras, name):
    rng = np.random.default_rng(1)
    xs = [rng.normal(size=(2, 3, 4)).astype("float32") for _ in range(3)]
    expected = {"Add": sum(xs), "Multiply": xs[0] * xs[1] * xs[2], "Average": sum(xs) / 3,
                "Maximum": np.maximum(np.maximum(xs[0], xs[1]), xs[2]),
                "Minimum": np.minimum(np.minimum(xs[0], xs[1]), xs[2])}[name]
    _, out = run_layer_test(getattr(merging, name), {}, input_shape=[x.shape for x in xs], input_data=xs,
                            keras=keras)
    assert_close(out, expected)


@pytest.mark.parametrize("kwargs,shapes", [
    ({}, [(2, 3, 4), (2, 3, 5)]),
    ({"axis": 1}, [(2, 3, 4), (2, 2, 4), (2, 1, 4)]),
    ({"axis": -2}, [(2, 3, 4), (2, 5, 4)]),
    ({"axis": 0}, [(2, 3), (2, 3)]),
])
def test_concatenate_matches_keras(keras, kwargs, shapes):
    run_layer_test(merging.Concatenate, kwargs, input_shape=shapes, keras=keras)


@pytest.mark.parametrize("kwargs,shapes,expected", [
    ({"axes": 1}, [(3, 4), (3, 4)], (3, 1)),
    ({"axes": -1}, [(3, 4), (3, 4)], (3, 1)),
    ({"axes": (1, 2)}, [(2, 3, 5), (2, 10, 3)], (2, 5, 10)),
    ({"axes": [2, 1]}, [(2, 3, 4), (2, 4)], (2, 3)),
    ({"axes": 1}, [(2, 4), (2, 4, 5)], (2, 5)),
    ({"axes": (2, 1), "normalize": True}, [(2, 3, 4), (2, 4, 6)], (2, 3, 6)),
    ({"axes": (3, 1)}, [(2, 2, 3, 4), (2, 4, 2, 5)], (2, 2, 3, 2, 5)),
])
def test_dot_matches_keras(keras, kwargs, shapes, expected):
    run_layer_test(merging.Dot, kwargs, input_shape=shapes, expected_output_shape=expected, keras=keras)


def test_dot_values_match_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 5)).astype("float32")
    y = rng.normal(size=(2, 10, 3)).astype("float32")
    assert_close(merging.Dot(axes=(1, 2))([x, y]), np.einsum("bkn,bmk->bnm", x, y), atol=1e-4)
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    yn = y / np.linalg.norm(y, axis=2, keepdims=True)
    assert_close(merging.Dot(axes=(1, 2), normalize=True)([x, y]), np.einsum("bkn,bmk->bnm", xn, yn), atol=1e-5)


def test_subtract_and_average_values():
    x = np.arange(6, dtype="float32").reshape(2, 3)
    y = np.ones((2, 3), "float32")
    assert_close(merging.Subtract()([x, y]), x - y)
    assert_close(merging.Average()([x, y]), (x + y) / 2)
    # Broadcasting against a lower-rank input inserts axes after the batch axis (Keras's rule).
    z = np.arange(2, dtype="float32").reshape(2, 1)
    assert_close(merging.Add()([np.zeros((2, 3, 4), "float32"), np.ones((2, 4), "float32")]), np.ones((2, 3, 4)))
    assert_close(merging.Multiply()([x, z]), x * z)


FUNCTIONAL = [("add", "Add", {}), ("subtract", "Subtract", {}), ("multiply", "Multiply", {}),
              ("average", "Average", {}), ("maximum", "Maximum", {}), ("minimum", "Minimum", {}),
              ("concatenate", "Concatenate", {"axis": 1}), ("dot", "Dot", {"axes": 1})]


@pytest.mark.parametrize("fn,cls,kwargs", FUNCTIONAL, ids=[f[0] for f in FUNCTIONAL])
def test_functional_forms(keras, fn, cls, kwargs):
    rng = np.random.default_rng(3)
    xs = [rng.normal(size=(2, 4)).astype("float32") for _ in range(2)]
    ours = getattr(merging, fn)(xs, name="merged", **kwargs)
    assert_close(ours, getattr(merging, cls)(**kwargs)(xs))
    assert_close(ours, keras.ops.convert_to_numpy(getattr(keras.layers, fn)(xs, **kwargs)))
    # On symbolic inputs they build a graph node whose layer has the given name.
    a, b = lamina.Input((4,)), lamina.Input((4,))
    out = getattr(merging, fn)([a, b], name="merged_sym", **kwargs)
    model = lamina.Model([a, b], out)
    assert model.get_layer("merged_sym").__class__.__name__ == cls
    assert_close(model(xs), ours)


def test_symbolic_shapes_with_unknown_dims():
    a = lamina.KerasTensor((None, None, 4))
    b = lamina.KerasTensor((None, 3, 1))
    assert merging.Add()([a, b]).shape == (None, None, 4)
    assert merging.Concatenate(axis=1)([a, b if False else lamina.KerasTensor((None, 3, 4))]).shape == (None, None, 4)
    assert merging.Concatenate()([lamina.KerasTensor((None, 3, 4)), lamina.KerasTensor((None, 3, 2))]).shape == (
        None, 3, 6)
    assert merging.Dot(axes=(2, 1))([lamina.KerasTensor((None, 3, 4)), lamina.KerasTensor((None, 4, 7))]).shape == (
        None, 3, 7)


def test_config_round_trip_and_keras_keys(keras):
    for cls, kwargs in [("Concatenate", {"axis": 1}), ("Dot", {"axes": (1, 2), "normalize": True}), ("Add", {})]:
        ours = getattr(merging, cls)(**kwargs).get_config()
        theirs = getattr(keras.layers, cls)(**kwargs).get_config()
        assert set(ours) == set(theirs)
        restored = getattr(merging, cls).from_config(ours)
        assert restored.get_config() == ours


# ------------------------------------------------------------------ masks
def _masks():
    m1 = np.array([[True, True, False, False], [True, False, True, False]])
    m2 = np.array([[True, False, True, False], [False, False, True, True]])
    return m1, m2


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_compute_mask_matches_keras(keras, name):
    m1, m2 = _masks()
    xs = [np.ones((2, 4, 3), "float32"), np.ones((2, 4, 3), "float32")]
    ours = getattr(merging, name)().compute_mask(xs, [m1, m2])
    theirs = getattr(keras.layers, name)().compute_mask(xs, [m1, m2])
    np.testing.assert_array_equal(to_np(ours), keras.ops.convert_to_numpy(theirs))
    np.testing.assert_array_equal(to_np(ours), m1 | m2)   # Keras 3 ORs the masks
    assert getattr(merging, name)().compute_mask(xs, [m1, None]) is None
    assert getattr(merging, name)().compute_mask(xs, None) is None


@pytest.mark.parametrize("axis", [-1, 1])
def test_concatenate_mask_matches_keras(keras, axis):
    m1, m2 = _masks()
    xs = [np.ones((2, 4, 3), "float32"), np.ones((2, 4, 3), "float32")]
    for masks in ([m1, m2], [m1, None], [None, m2]):
        ours = merging.Concatenate(axis=axis).compute_mask(xs, masks)
        theirs = keras.layers.Concatenate(axis=axis).compute_mask(xs, masks)
        np.testing.assert_array_equal(to_np(ours), keras.ops.convert_to_numpy(theirs))
    # Along the time axis the masks are joined end to end.
    ours = merging.Concatenate(axis=1).compute_mask(xs, [m1, m2])
    np.testing.assert_array_equal(to_np(ours), np.concatenate([m1, m2], axis=1))
    assert merging.Concatenate().compute_mask(xs, [None, None]) is None
    assert merging.Dot(axes=2).compute_mask(xs, [m1, m2]) is None


def _masked_models(lib, layer_name, kwargs):
    a, b = lib.Input((4, 3)), lib.Input((4, 3))
    out = getattr(lib.layers, layer_name)(**kwargs)([lib.layers.Masking()(a), lib.layers.Masking()(b)])
    return lib.Model([a, b], out)


@pytest.mark.parametrize("name,kwargs", [("Multiply", {}), ("Maximum", {}), ("Minimum", {}), ("Add", {}),
                                         ("Subtract", {}), ("Average", {}), ("Concatenate", {"axis": 1}),
                                         ("Concatenate", {"axis": -1}), ("Dot", {"axes": 2})])
def test_masked_merge_in_a_model_matches_keras(keras, name, kwargs, monkeypatch):
    monkeypatch.setattr(lamina.layers, name, getattr(merging, name), raising=False)
    rng = np.random.default_rng(5)
    x1 = rng.normal(size=(2, 4, 3)).astype("float32")
    x2 = rng.normal(size=(2, 4, 3)).astype("float32")
    x1[0, 1] = 0.0
    x1[1, 2:] = 0.0
    x2[0, 1:3] = 0.0
    x2[1, 3] = 0.0
    ours_model, theirs_model = _masked_models(lamina, name, kwargs), _masked_models(keras, name, kwargs)
    assert_close(ours_model([x1, x2]), keras.ops.convert_to_numpy(theirs_model([x1, x2])), atol=1e-6)
    # The symbolic output carries a mask exactly where Keras's does, with the same values.
    ours_mask = getattr(ours_model.outputs[0], "_keras_mask", None)
    theirs_mask = getattr(theirs_model.outputs[0], "_keras_mask", None)
    assert (ours_mask is None) == (theirs_mask is None)
    if theirs_mask is not None:
        assert tuple(ours_mask.shape) == tuple(theirs_mask.shape)
        m1, m2 = np.any(x1 != 0, axis=-1), np.any(x2 != 0, axis=-1)
        layer = getattr(merging, name)(**kwargs)
        np.testing.assert_array_equal(
            to_np(layer.compute_mask([x1, x2], [m1, m2])),
            keras.ops.convert_to_numpy(getattr(keras.layers, name)(**kwargs).compute_mask([x1, x2], [m1, m2])))


def test_multiply_mask_semantics():
    # Masked entries count as 1 in the product; positions masked everywhere are 0.
    x1 = np.full((1, 3, 2), 2.0, "float32")
    x2 = np.full((1, 3, 2), 5.0, "float32")
    m1 = np.array([[True, False, False]])
    m2 = np.array([[True, True, False]])
    out = to_np(merging.Multiply()([x1, x2], mask=[m1, m2]))
    np.testing.assert_allclose(out[0, :, 0], [10.0, 5.0, 0.0])
    out = to_np(merging.Maximum()([x1, x2], mask=[np.array([[True, True, False]]), np.array([[False, True, True]])]))
    np.testing.assert_allclose(out[0, :, 0], [2.0, 5.0, 5.0])


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_incompatible_shapes_error_names_layer_and_shapes(name):
    layer = getattr(merging, name)(name="merge_me")
    with pytest.raises(ValueError, match=r'layer "merge_me".*incompatible shapes.*\(2, 3, 4\).*\(2, 5\)'):
        layer([np.ones((2, 3, 4), "float32"), np.ones((2, 5), "float32")])
    with pytest.raises(ValueError, match="incompatible shapes"):
        getattr(merging, name)()([lamina.KerasTensor((None, 3)), lamina.KerasTensor((None, 4))])
    # After building on good shapes, a later call with bad shapes still gets the clear error.
    layer = getattr(merging, name)(name="built_first")
    layer([np.ones((2, 3), "float32"), np.ones((2, 3), "float32")])
    with pytest.raises(ValueError, match=r'"built_first".*incompatible shapes'):
        layer([np.ones((2, 3), "float32"), np.ones((2, 4), "float32")])


def test_merge_errors():
    with pytest.raises(ValueError, match=r'Add layer .* list of .*input'):
        merging.Add()(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="different batch sizes"):
        merging.Add()([np.ones((2, 3), "float32"), np.ones((3, 3), "float32")])
    with pytest.raises(ValueError, match=r"Subtract layer .* exactly 2 inputs"):
        merging.Subtract()([np.ones((2, 3), "float32")] * 3)
    with pytest.raises(ValueError, match=r"Concatenate layer .* matching shapes except for the concatenation axis"):
        merging.Concatenate(axis=1)([np.ones((2, 3, 4), "float32"), np.ones((2, 3, 5), "float32")])
    with pytest.raises(ValueError, match="different ranks"):
        merging.Concatenate()([np.ones((2, 3, 4), "float32"), np.ones((2, 4), "float32")])
    with pytest.raises(ValueError, match="out of bounds"):
        merging.Concatenate(axis=3)([np.ones((2, 3), "float32"), np.ones((2, 3), "float32")])


def test_dot_errors():
    with pytest.raises(TypeError, match="`axes`"):
        merging.Dot(axes="1")
    with pytest.raises(ValueError, match="two elements"):
        merging.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="integers"):
        merging.Dot(axes=(1, 2.0))
    with pytest.raises(ValueError, match=r'Dot layer "dd".*axis values 3 \(at axis 1\) != 4 \(at axis 1\)'):
        merging.Dot(axes=1, name="dd")([np.ones((2, 3), "float32"), np.ones((2, 4), "float32")])
    with pytest.raises(ValueError, match="batch axis"):
        merging.Dot(axes=0)([np.ones((2, 3), "float32"), np.ones((2, 3), "float32")])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        merging.Dot(axes=1)([np.ones((2, 3), "float32")] * 3)


def test_int_inputs_stay_int():
    x = np.arange(6, dtype="int32").reshape(2, 3)
    out = merging.Add()([x, x])
    assert ops.convert_to_numpy(out).dtype == np.int32
    assert_close(out, 2 * x)
