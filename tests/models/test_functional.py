"""Functional and Sequential models: graph building, forward passes, summary, layer order, errors."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from tests.conftest import assert_close, to_np


def _two_tower(lib):
    """Two inputs, a shared Dense, a nested Sequential, two outputs (built with lamina or keras)."""
    a = lib.Input((8,), name="a")
    b = lib.Input((8,), name="b")
    shared = lib.layers.Dense(6, activation="relu", name="shared")
    tower = lib.Sequential([lib.Input((12,)), lib.layers.Dense(5, activation="tanh"), lib.layers.Dense(4)], name="tower")
    merged = lib.layers.Concatenate()([shared(a), shared(b)])
    out1 = lib.layers.Dense(1, activation="sigmoid", name="score")(tower(merged))
    out2 = lib.layers.Dense(3, activation="softmax", name="probs")(merged)
    return lib.Model([a, b], [out1, out2], name="two_tower")


@pytest.fixture
def lamina_full():
    pytest.importorskip("lamina.layers.merging", reason="merging layers not present")
    return lamina


def test_two_tower_model_matches_keras(keras):
    if not hasattr(layers, "Concatenate"):
        pytest.skip("Concatenate not implemented yet")
    model = _two_tower(lamina)
    keras.backend.clear_session()  # Keras's auto-names restart like lamina's (which the fixtures reset per test)
    reference = _two_tower(keras)
    assert [l.name for l in model.layers] == [l.name for l in reference.layers]
    assert model.count_params() == reference.count_params()
    assert len(model.trainable_weights) == len(reference.trainable_weights)
    for lw, kw in zip(model.weights, reference.weights):
        assert tuple(lw.shape) == tuple(kw.shape)
    reference.set_weights(model.get_weights())
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(3, 8)).astype("float32"), rng.normal(size=(3, 8)).astype("float32")
    ours = model([xa, xb])
    theirs = reference.predict([xa, xb], verbose=0)
    for o, t in zip(ours, theirs):
        assert_close(o, t, atol=1e-5)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert f"Total params: {reference.count_params():,}" in text
    assert "tower (Sequential)" in text and "shared (Dense)" in text


def test_dict_inputs_by_name():
    a = lamina.Input((3,), name="left")
    b = lamina.Input((2,), name="right")
    out = layers.Dense(1)(ops.concatenate([a, b], axis=-1)) if hasattr(ops, "concatenate") else None
    if out is None:
        pytest.skip("concatenate not implemented yet")
    model = lamina.Model({"left": a, "right": b}, out)
    x = {"left": np.ones((2, 3), "float32"), "right": np.ones((2, 2), "float32")}
    assert tuple(model(x).shape) == (2, 1)


def test_sequential_deferred_build_and_layers():
    model = lamina.Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    assert not model.built
    y = model(np.ones((5, 3), "float32"))
    assert tuple(y.shape) == (5, 2)
    assert model.built
    assert [type(l).__name__ for l in model.layers] == ["Dense", "Dense"]
    assert model.inputs[0].shape == (None, 3)
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_sequential_add_pop_and_input_shape_kwarg():
    model = lamina.Sequential()
    model.add(layers.Dense(4, input_shape=(7,)))
    model.add(layers.Dense(3))
    assert model.built and model.output_shape == (None, 3)
    popped = model.pop()
    assert popped.units == 3 and model.output_shape == (None, 4)


def test_model_used_as_layer_and_get_layer():
    inner_in = lamina.Input((4,))
    inner = lamina.Model(inner_in, layers.Dense(3, name="inner_dense")(inner_in), name="inner")
    x = lamina.Input((4,))
    y = layers.Dense(2)(inner(x))
    outer = lamina.Model(x, y)
    assert outer.get_layer("inner") is inner
    assert outer.get_layer(index=1) is inner
    data = np.random.default_rng(1).normal(size=(2, 4)).astype("float32")
    expected = to_np(outer.layers[-1](inner(data)))
    assert_close(outer(data), expected)
    with pytest.raises(ValueError, match="No such layer: 'nope'"):
        outer.get_layer("nope")


def test_ops_in_functional_graph_are_replayed():
    x = lamina.Input((3,))
    y = ops.add(ops.multiply(x, 2.0), 1.0)
    model = lamina.Model(x, y)
    assert_close(model(np.ones((2, 3), "float32")), np.full((2, 3), 3.0))


def test_layer_order_matches_keras_for_branching_graph(keras):
    def build(lib):
        i = lib.Input((4,))
        a = lib.layers.Dense(3)(i)
        b = lib.layers.Dense(3)(a)
        c = lib.layers.Dense(3)(i)
        d = lib.layers.Dense(2)(b)
        return lib.Model(i, [d, c])

    keras.backend.clear_session()
    ours, theirs = build(lamina), build(keras)
    assert [l.name for l in ours.layers] == [l.name for l in theirs.layers]


def test_wrong_input_shape_is_a_clear_error():
    model = lamina.Sequential([lamina.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4\), found shape=\(2, 5\)"):
        model(np.ones((2, 5), "float32"))
    with pytest.raises(ValueError, match="rank 3 instead of 2"):
        model(np.ones((2, 4, 1), "float32"))
    with pytest.raises(ValueError, match="expects 1 input"):
        model([np.ones((2, 4)), np.ones((2, 4))])


def test_masks_propagate_through_functional_graph():
    tokens = lamina.Input((5,), dtype="int32")
    emb = layers.Embedding(10, 4, mask_zero=True)(tokens)

    class MaskEcho(layers.Layer):
        def call(self, inputs, mask=None):
            return ops.cast(mask, "float32")

    echoed = MaskEcho()(emb)
    model = lamina.Model(tokens, echoed)
    x = np.array([[1, 2, 0, 0, 3]], dtype="int32")
    assert_close(model(x), [[1, 1, 0, 0, 1]])


def test_functional_get_config_round_trip_and_matches_keras(keras):
    def build(k):
        a, b = k.Input((3,), name="a"), k.Input((2,), name="b")
        h = k.layers.Dense(4, name="h")(a)
        out = k.layers.Dense(1, name="out")(k.layers.Concatenate(name="cat")([h, b]))
        return k.Model([a, b], out, name="net")

    ours, theirs = build(lamina), build(keras)
    config = ours.get_config()
    as_json = lambda c: json.loads(json.dumps(c))  # noqa: E731 - tuples and lists are the same in a file
    assert as_json(config) == as_json(theirs.get_config())
    clone = lamina.Model.from_config(config)
    x = [np.ones((2, 3), "float32"), np.ones((2, 2), "float32")]
    clone.set_weights(ours.get_weights())
    np.testing.assert_allclose(to_np(clone(x)), to_np(ours(x)), rtol=1e-6)


def test_model_subclass_with_its_own_positional_arguments():
    class SmallNet(lamina.Model):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x)

    net = SmallNet(5)
    assert tuple(net(np.ones((2, 3), "float32")).shape) == (2, 5)
