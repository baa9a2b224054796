"""ReversibleEmbedding: forward ids -> vectors, reverse vectors -> logits; parity with Keras 3."""

import inspect

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from lamina.layers.core.reversible_embedding import ReversibleEmbedding
from tests.conftest import BACKEND, assert_close, requires_training, to_np
from tests.layers.layer_test_utils import run_layer_test

VOCAB, DIM = 12, 4
IDS = np.array([[1, 2, 0, 5], [0, 11, 3, 0]], "int32")


class _ReverseDefault(ReversibleEmbedding):
    """Test-only view whose compute_output_shape defaults to reverse=True, so that run_layer_test
    (which calls compute_output_shape without call kwargs) can check the reverse mode."""

    def compute_output_shape(self, input_shape, reverse=True):
        return super().compute_output_shape(input_shape, reverse=reverse)


_ReverseDefault.__name__ = "ReversibleEmbedding"  # run_layer_test finds the oracle class by name


def _pair(keras, **kwargs):
    """A built lamina layer and a Keras layer holding the same (random, non-trivial) weights."""
    ours = ReversibleEmbedding(VOCAB, DIM, embeddings_initializer="random_normal", **kwargs)
    ours.build()
    theirs = keras.layers.ReversibleEmbedding(VOCAB, DIM, **kwargs)
    theirs.build()
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs, weights


def _soft_cap(x, cap):
    return np.tanh(x / cap) * cap if cap is not None else x


# ---------------------------------------------------------------- API surface

def test_constructor_signature_matches_keras(keras):
    ours = inspect.signature(ReversibleEmbedding.__init__).parameters
    theirs = inspect.signature(keras.layers.ReversibleEmbedding.__init__).parameters
    assert list(ours) == list(theirs)
    assert [p.default for p in ours.values()] == [p.default for p in theirs.values()]


def test_registered_and_subclass_of_embedding():
    from lamina.saving.serialization import deserialize_keras_object, serialize_keras_object

    layer = ReversibleEmbedding(VOCAB, DIM, tie_weights=False, logit_soft_cap=5.0)
    assert isinstance(layer, layers.Embedding)
    clone = deserialize_keras_object(serialize_keras_object(layer))
    assert type(clone) is ReversibleEmbedding and clone.tie_weights is False and clone.logit_soft_cap == 5.0


@pytest.mark.parametrize("tie", [True, False])
def test_weights_names_shapes_order_match_keras(keras, tie):
    ours = ReversibleEmbedding(VOCAB, DIM, tie_weights=tie)
    ours.build()
    theirs = keras.layers.ReversibleEmbedding(VOCAB, DIM, tie_weights=tie)
    theirs.build()
    assert [(w.name, tuple(w.shape), w.trainable) for w in ours.weights] == \
           [(w.name, tuple(w.shape), w.trainable) for w in theirs.weights]
    expected = [("embeddings", (VOCAB, DIM))] + ([] if tie else [("reverse_embeddings", (DIM, VOCAB))])
    assert [(w.name, tuple(w.shape)) for w in ours.weights] == expected


# ---------------------------------------------------------------- run_layer_test, both modes

@pytest.mark.parametrize("kwargs,train", [
    ({"input_dim": 10, "output_dim": 3}, True),
    ({"input_dim": 10, "output_dim": 3, "mask_zero": True}, True),
    # Untied: a forward call never touches reverse_embeddings, so no gradient reaches it.
    ({"input_dim": 10, "output_dim": 3, "tie_weights": False}, False),
])
def test_forward_run_layer_test(keras, kwargs, train):
    layer, out = run_layer_test(ReversibleEmbedding, kwargs, input_shape=(2, 5), input_dtype="int32",
                                keras=keras, expected_output_shape=(2, 5, 3), run_training_check=train)
    ids = np.random.default_rng(0).integers(0, 10, size=(2, 5))
    assert_close(out, to_np(layer.embeddings)[ids])


@pytest.mark.parametrize("kwargs,train", [
    ({"input_dim": 7, "output_dim": 4}, True),
    ({"input_dim": 7, "output_dim": 4, "logit_soft_cap": 0.05}, True),
    ({"input_dim": 7, "output_dim": 4, "tie_weights": False, "logit_soft_cap": 2.0}, False),
])
def test_reverse_run_layer_test(keras, kwargs, train):
    layer, out = run_layer_test(_ReverseDefault, kwargs, input_shape=(2, 3, 4), call_kwargs={"reverse": True},
                                keras=keras, expected_output_shape=(2, 3, 7), run_training_check=train)
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32")
    kernel = to_np(layer.embeddings).T if kwargs.get("tie_weights", True) else to_np(layer.reverse_embeddings)
    assert_close(out, _soft_cap(x @ kernel, kwargs.get("logit_soft_cap")), atol=1e-5)


# ---------------------------------------------------------------- parity with Keras and NumPy

@pytest.mark.parametrize("tie", [True, False])
@pytest.mark.parametrize("cap", [None, 3.0])
def test_forward_then_reverse_matches_keras_and_numpy(keras, tie, cap):
    ours, theirs, weights = _pair(keras, tie_weights=tie, logit_soft_cap=cap)
    hidden = ours(IDS)
    assert_close(hidden, weights[0][IDS])
    assert_close(hidden, keras.ops.convert_to_numpy(theirs(IDS)))
    logits = ours(hidden, reverse=True)
    kernel = weights[0].T if tie else weights[1]
    expected = _soft_cap(weights[0][IDS] @ kernel, cap)
    assert tuple(logits.shape) == (2, 4, VOCAB)
    assert_close(logits, expected, atol=1e-5)
    theirs_logits = keras.ops.convert_to_numpy(theirs(keras.ops.convert_to_tensor(to_np(hidden)), reverse=True))
    assert_close(logits, theirs_logits, atol=1e-5)
    if cap is not None:
        assert np.abs(to_np(logits)).max() < cap


def test_reverse_positional_argument_and_float_ids(keras):
    ours, theirs, weights = _pair(keras)
    h = np.random.default_rng(2).normal(size=(3, DIM)).astype("float32")
    assert_close(ours(h, True), h @ weights[0].T)
    # Float ids are cast to int in a forward call, as in Keras.
    assert_close(ours(IDS.astype("float32")), keras.ops.convert_to_numpy(theirs(IDS.astype("float32"))))


def test_tied_reverse_uses_current_embeddings():
    layer = ReversibleEmbedding(VOCAB, DIM)
    layer.build()
    new = np.arange(VOCAB * DIM, dtype="float32").reshape(VOCAB, DIM) / 10
    layer.embeddings.assign(new)
    h = np.ones((1, DIM), "float32")
    assert_close(layer(h, reverse=True), h @ new.T)


def test_weights_argument_with_untied_reverse():
    rng = np.random.default_rng(3)
    e, r = rng.normal(size=(VOCAB, DIM)).astype("float32"), rng.normal(size=(DIM, VOCAB)).astype("float32")
    layer = ReversibleEmbedding(VOCAB, DIM, tie_weights=False, weights=[e, r])
    h = layer(IDS)
    assert_close(h, e[IDS])
    assert_close(layer(h, reverse=True), e[IDS] @ r)


# ---------------------------------------------------------------- dtypes

def test_reverse_dtype_casts_the_projection(keras):
    ours, theirs, weights = _pair(keras, reverse_dtype="float16")
    h = np.random.default_rng(4).normal(size=(2, DIM)).astype("float32")
    out = ours(h, reverse=True)
    assert ops.dtype(out) == "float16"
    ref = (h.astype("float16") @ weights[0].T.astype("float16"))
    assert_close(out.astype("float32") if isinstance(out, np.ndarray) else ops.cast(out, "float32"),
                 ref.astype("float32"), atol=1e-2, rtol=1e-2)
    assert str(keras.ops.convert_to_numpy(theirs(h, reverse=True)).dtype) == "float16"
    # The inferred spec gives the dtype call() returns; the forward mode keeps the compute dtype.
    spec = ours.compute_output_spec(lamina.KerasTensor((None, DIM)), reverse=True)
    assert spec.dtype == "float16" and spec.shape == (None, VOCAB)
    assert ours.compute_output_spec(lamina.KerasTensor((None, 3), dtype="int32")).dtype == "float32"


def test_mixed_precision_policy():
    layer = ReversibleEmbedding(VOCAB, DIM, dtype="mixed_float16", reverse_dtype="float32")
    h = layer(IDS)
    assert ops.dtype(h) == "float16"
    assert layer.embeddings.dtype == "float32"
    assert ops.dtype(layer(h, reverse=True)) == "float32"
    plain = ReversibleEmbedding(VOCAB, DIM, dtype="mixed_float16")
    assert ops.dtype(plain(plain(IDS), reverse=True)) == "float16"


# ---------------------------------------------------------------- shapes and symbolic calls

def test_compute_output_shape_and_symbolic_both_modes():
    layer = ReversibleEmbedding(VOCAB, DIM)
    assert layer.compute_output_shape((2, 5)) == (2, 5, DIM)
    assert layer.compute_output_shape((2, 5, DIM), reverse=True) == (2, 5, VOCAB)
    assert layer.compute_output_shape((None, None, DIM), reverse=True) == (None, None, VOCAB)
    ids = lamina.Input((None,), dtype="int32")
    hidden = layer(ids)
    assert hidden.shape == (None, None, DIM) and hidden.dtype == "float32"
    logits = layer(hidden, reverse=True)
    assert logits.shape == (None, None, VOCAB) and logits.dtype == "float32"
    model = lamina.Model(ids, logits)
    out = model(IDS)
    assert_close(out, to_np(layer.embeddings)[IDS] @ to_np(layer.embeddings).T, atol=1e-6)


def test_functional_config_round_trip_keeps_reverse_calls():
    ids = lamina.Input((4,), dtype="int32")
    layer = ReversibleEmbedding(VOCAB, DIM, tie_weights=False, logit_soft_cap=4.0)
    model = lamina.Model(ids, layer(layer(ids), reverse=True))
    clone = lamina.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    assert_close(clone(IDS), to_np(model(IDS)), atol=1e-6)


# ---------------------------------------------------------------- masks

def test_mask_forward_only_symbolic():
    layer = ReversibleEmbedding(VOCAB, DIM, mask_zero=True)
    ids = lamina.Input((4,), dtype="int32")
    hidden = layer(ids)
    assert hidden._keras_mask is not None and hidden._keras_mask.shape == (None, 4)
    assert layer(hidden, reverse=True)._keras_mask is None
    assert ReversibleEmbedding(VOCAB, DIM)(ids)._keras_mask is None
    # Outside a call compute_mask gives None, as Keras's does (the mask is attached by the call).
    assert layer.compute_mask(IDS) is None


def test_mask_consumed_downstream_in_functional_model():
    ids = lamina.Input((4,), dtype="int32")
    layer = ReversibleEmbedding(VOCAB, DIM, mask_zero=True)
    pooled = layers.GlobalAveragePooling1D()(layer(ids))
    model = lamina.Model(ids, pooled)
    emb = to_np(layer.embeddings)[IDS]
    keep = (IDS != 0)[..., None]
    assert_close(model(IDS), (emb * keep).sum(1) / keep.sum(1), atol=1e-6)


@pytest.mark.skipif(BACKEND != "torch", reason="only torch tensors carry a Keras mask in eager calls")
def test_eager_mask_matches_keras_on_torch(keras):
    ours, theirs, _ = _pair(keras, mask_zero=True)
    hidden, theirs_hidden = ours(IDS), theirs(IDS)
    np.testing.assert_array_equal(to_np(hidden._keras_mask), IDS != 0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(theirs_hidden._keras_mask), IDS != 0)
    assert getattr(ours(hidden, reverse=True), "_keras_mask", None) is None
    assert getattr(theirs(theirs_hidden, reverse=True), "_keras_mask", None) is None


# ---------------------------------------------------------------- config

def test_get_config_matches_keras_and_round_trips(keras):
    kwargs = dict(tie_weights=False, mask_zero=True, reverse_dtype="bfloat16", logit_soft_cap=30.0,
                  embeddings_regularizer="l2", name="rev")
    ours = ReversibleEmbedding(VOCAB, DIM, **kwargs).get_config()
    theirs = keras.layers.ReversibleEmbedding(VOCAB, DIM, **kwargs).get_config()
    assert list(ours) == list(theirs)
    assert ours == theirs
    assert ReversibleEmbedding(VOCAB, DIM).get_config() == {
        **keras.layers.ReversibleEmbedding(VOCAB, DIM).get_config(), "name": "reversible_embedding"}
    clone = ReversibleEmbedding.from_config(ours)
    assert clone.get_config() == ours


# ---------------------------------------------------------------- gradients

@requires_training
@pytest.mark.parametrize("tie", [True, False])
def test_gradients_reach_every_weight_through_both_modes(tie):
    ids = lamina.Input((4,), dtype="int32")
    layer = ReversibleEmbedding(VOCAB, DIM, tie_weights=tie, logit_soft_cap=5.0)
    logits = layer(layer(ids), reverse=True)
    model = lamina.Model(ids, logits)
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=1.0),
                  loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.copy() for w in layer.get_weights()]
    targets = np.roll(IDS, 1, axis=1)
    first = float(model.train_on_batch(IDS, targets))
    after = layer.get_weights()
    assert len(after) == (1 if tie else 2)
    for b, a in zip(before, after):
        assert not np.array_equal(b, a)
    for _ in range(5):
        last = float(model.train_on_batch(IDS, targets))
    assert last < first


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("kwargs,match", [
    ({"input_dim": 0, "output_dim": 4}, "input_dim"),
    ({"input_dim": 4, "output_dim": -1}, "output_dim"),
    ({"input_dim": 4, "output_dim": 4, "tie_weights": "yes"}, "tie_weights"),
    ({"input_dim": 4, "output_dim": 4, "logit_soft_cap": 0}, "logit_soft_cap"),
    ({"input_dim": 4, "output_dim": 4, "logit_soft_cap": "big"}, "logit_soft_cap"),
    ({"input_dim": 4, "output_dim": 4, "reverse_dtype": "int32"}, "reverse_dtype"),
    ({"input_dim": 4, "output_dim": 4, "reverse_dtype": "floaty"}, "reverse_dtype"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ReversibleEmbedding(**kwargs)


def test_quantization_not_implemented():
    with pytest.raises(NotImplementedError, match="ReversibleEmbedding.*quantization"):
        ReversibleEmbedding(VOCAB, DIM, quantization_config={"mode": "int8"})
    layer = ReversibleEmbedding(VOCAB, DIM)
    layer.build()
    with pytest.raises(NotImplementedError, match="ReversibleEmbedding.*int8"):
        layer.quantize("int8")


def test_reverse_with_wrong_hidden_size():
    layer = ReversibleEmbedding(VOCAB, DIM)
    with pytest.raises(ValueError, match=r"ReversibleEmbedding.*output_dim=4.*\(2, 5\)"):
        layer(np.ones((2, 5), "float32"), reverse=True)
    with pytest.raises(ValueError, match="output_dim=4"):
        layer(lamina.KerasTensor((None, 3)), reverse=True)
    with pytest.raises(ValueError, match="output_dim=4"):
        layer.compute_output_shape((2, 3), reverse=True)
