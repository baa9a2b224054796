"""Bidirectional, TimeDistributed and Wrapper: parity with real Keras 3, masks, configs, errors."""

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from tests.layers.layer_test_utils import _check_gradients_reach_every_weight
from tests.layers.test_rnn import MASK, X, _assert_all_close, _config_round_trip, _keras_np, _np, _parity

CAN_TRAIN = lamina.backend.impl.CAN_TRAIN


# ---------------------------------------------------------------------- Bidirectional

@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes(keras, merge_mode):
    def make(lib):
        return lib.layers.Bidirectional(lib.layers.LSTM(3, return_sequences=True), merge_mode=merge_mode)

    ours, theirs, out = _parity(keras, make, X)
    outs = out if merge_mode is None else [out]
    assert [tuple(o.shape) for o in outs] == ([(3, 6, 6)] if merge_mode == "concat" else [(3, 6, 3)] * len(outs))
    computed = ours.compute_output_shape((3, 6, 4))
    assert (computed if merge_mode is None else [computed]) == [tuple(o.shape) for o in outs]
    assert [w.path.split("/")[0] for w in ours.weights] == ["bidirectional"] * 6
    assert ours.forward_layer.name == "forward_lstm" and ours.backward_layer.name == "backward_lstm"
    _config_round_trip(ours, theirs)


def test_bidirectional_backward_half_is_the_reversed_run():
    bi = layers.Bidirectional(layers.GRU(3, return_sequences=True), merge_mode=None)
    fwd, bwd = bi(X)
    reference = layers.GRU(3, return_sequences=True)
    reference(X)
    reference.set_weights(bi.backward_layer.get_weights())
    expected = _np(reference(X[:, ::-1]))[:, ::-1]  # reversed in time, output in input order
    np.testing.assert_allclose(_np(bwd), expected, atol=1e-6)


@pytest.mark.parametrize("merge_mode", ["concat", None])
def test_bidirectional_return_state(keras, merge_mode):
    def make(lib):
        return lib.layers.Bidirectional(lib.layers.LSTM(3, return_state=True), merge_mode=merge_mode)

    ours, _, out = _parity(keras, make, X)
    assert len(out) == (6 if merge_mode is None else 5)
    shapes = [tuple(o.shape) for o in out]
    assert shapes[-4:] == [(3, 3)] * 4
    assert [tuple(s) for s in ours.compute_output_shape((3, 6, 4))] == shapes


def test_bidirectional_initial_state(keras):
    states = [np.random.default_rng(i).normal(size=(3, 2)).astype("float32") for i in range(2)]
    _parity(keras, lambda lib: lib.layers.Bidirectional(lib.layers.GRU(2, return_sequences=True)), X,
            {"initial_state": states})
    with pytest.raises(ValueError, match="even number"):
        layers.Bidirectional(layers.GRU(2))(X, initial_state=states[:1])


@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_mask(keras, return_sequences):
    def make(lib):
        return lib.layers.Bidirectional(lib.layers.SimpleRNN(3, return_sequences=return_sequences), merge_mode="sum")

    ours, _, out = _parity(keras, make, X, {"mask": MASK})
    if return_sequences:  # zero_output_for_mask is forced on: masked steps are 0 in both directions
        np.testing.assert_array_equal(_np(out)[0, 3:], 0.0)
        mask = ops.convert_to_tensor(MASK)
        assert ours.compute_mask(X, mask) is mask
    assert ours.forward_layer.zero_output_for_mask == return_sequences


def test_bidirectional_custom_backward_layer(keras):
    def make(lib):
        return lib.layers.Bidirectional(lib.layers.LSTM(3), backward_layer=lib.layers.GRU(2, go_backwards=True))

    ours, theirs, out = _parity(keras, make, X)
    assert tuple(out.shape) == (3, 5)
    _config_round_trip(ours, theirs)


def test_bidirectional_in_functional_model_with_embedding_mask(keras):
    tokens = np.array([[1, 2, 3, 0, 0], [4, 0, 5, 6, 7]], "int32")

    def build(lib):
        inp = lib.Input((5,), dtype="int32")
        x = lib.layers.Embedding(9, 4, mask_zero=True)(inp)
        x = lib.layers.Bidirectional(lib.layers.GRU(3, return_sequences=True))(x)
        x = lib.layers.Bidirectional(lib.layers.LSTM(2), merge_mode="ave")(x)
        return lib.Model(inp, x)

    ours, theirs = build(lamina), build(keras)
    rng = np.random.default_rng(3)
    ours.set_weights([rng.normal(scale=0.7, size=w.shape).astype("float32") for w in ours.get_weights()])
    theirs.set_weights(ours.get_weights())
    _assert_all_close(_np(ours(tokens)), _keras_np(keras, theirs(tokens)))


def test_bidirectional_gradients_and_errors():
    if CAN_TRAIN:
        _check_gradients_reach_every_weight(lambda: layers.Bidirectional(layers.GRU(2, return_sequences=True)), {},
                                            X, X.shape, "float32", {})
    with pytest.raises(ValueError, match="merge_mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="Layer instance"):
        layers.Bidirectional("lstm")
    with pytest.raises(ValueError, match="go_backwards"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match="return_sequences"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2, go_backwards=True, return_sequences=True))
    with pytest.raises(ValueError, match="recurrent layer"):
        layers.Bidirectional(layers.Dense(2))


def test_bidirectional_stateful_reset():
    bi = layers.Bidirectional(layers.SimpleRNN(2, stateful=True))
    first = _np(bi(X))
    assert not np.allclose(_np(bi(X)), first)  # states carried over
    assert len(bi.states) == 2
    bi.reset_state()
    np.testing.assert_allclose(_np(bi(X)), first, atol=1e-6)
    with pytest.raises(AttributeError, match="stateful"):
        layers.Bidirectional(layers.SimpleRNN(2)).reset_state()


# ---------------------------------------------------------------------- TimeDistributed

def test_time_distributed_dense(keras):
    ours, theirs, out = _parity(keras, lambda lib: lib.layers.TimeDistributed(lib.layers.Dense(3, activation="relu")),
                                X)
    assert tuple(out.shape) == (3, 6, 3)
    assert ours.compute_output_shape((3, 6, 4)) == (3, 6, 3)
    assert [w.path for w in ours.weights] == ["time_distributed/dense/kernel", "time_distributed/dense/bias"]
    _config_round_trip(ours, theirs)
    sym = layers.TimeDistributed(layers.Dense(3))(lamina.KerasTensor((None, None, 4)))
    assert sym.shape == (None, None, 3)
    if CAN_TRAIN:
        _check_gradients_reach_every_weight(lambda: layers.TimeDistributed(layers.Dense(3)), {}, X, X.shape,
                                            "float32", {})


def test_time_distributed_conv2d(keras):
    frames = np.random.default_rng(1).normal(size=(2, 3, 6, 6, 2)).astype("float32")

    def make(lib):
        return lib.layers.TimeDistributed(lib.layers.Conv2D(4, 3, padding="same", strides=2))

    ours, _, out = _parity(keras, make, frames)
    assert tuple(out.shape) == (2, 3, 3, 3, 4)
    assert ours.compute_output_shape((2, 3, 6, 6, 2)) == (2, 3, 3, 3, 4)


def test_time_distributed_passes_mask_and_training(keras):
    class Recorder(layers.Layer):
        def call(self, inputs, training=None, mask=None):
            self.seen = (training, None if mask is None else tuple(mask.shape))
            return inputs

    rec = Recorder()
    td = layers.TimeDistributed(rec)
    x = np.ones((2, 3, 4), "float32")
    td(x, training=True, mask=np.ones((2, 3), bool))
    assert rec.seen == (True, (6,))
    mask = ops.convert_to_tensor(np.ones((2, 3), bool))
    assert td.compute_mask(x, mask) is mask
    with pytest.raises(ValueError, match="mask"):
        td(x, mask=np.ones((3, 3), bool))


def test_time_distributed_of_lstm(keras):
    seqs = np.random.default_rng(2).normal(size=(2, 3, 5, 4)).astype("float32")
    _parity(keras, lambda lib: lib.layers.TimeDistributed(lib.layers.LSTM(3)), seqs)


def test_time_distributed_errors():
    with pytest.raises(ValueError, match="rank >= 3"):
        layers.TimeDistributed(layers.Dense(2))(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="Layer instance"):
        layers.TimeDistributed("dense")
    with pytest.raises(ValueError, match="Layer instance"):
        layers.Wrapper(3)


def test_wrapper_base_config_round_trip():
    class Twice(layers.Wrapper):
        def call(self, x):
            return self.layer(self.layer(x))

    w = Twice(layers.Dense(4, use_bias=False))
    y = w(np.ones((2, 4), "float32"))
    assert tuple(y.shape) == (2, 4) and w.layer.built
    clone = Twice.from_config(w.get_config())
    assert isinstance(clone.layer, layers.Dense) and clone.layer.use_bias is False
