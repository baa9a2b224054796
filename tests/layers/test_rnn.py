"""Recurrent layers: SimpleRNN, LSTM, GRU, RNN over cells, StackedRNNCells, dropout, masking, stateful.

Parity is checked against real Keras 3 on the same backend (same weights -> same outputs).
Bidirectional and TimeDistributed are in test_rnn_wrappers.py.
"""

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from tests.conftest import requires_training
from tests.layers.layer_test_utils import _check_gradients_reach_every_weight, run_layer_test

BACKEND = lamina.config.backend()
RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 6, 4)).astype("float32")


def _np(x):
    if isinstance(x, (list, tuple)):
        return [_np(v) for v in x]
    return ops.convert_to_numpy(x)


def _keras_np(keras, x):
    if isinstance(x, (list, tuple)):
        return [_keras_np(keras, v) for v in x]
    return keras.ops.convert_to_numpy(x)


def _assert_all_close(a, b, atol=1e-5):
    a = a if isinstance(a, list) else [a]
    b = b if isinstance(b, list) else [b]
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, atol=atol, rtol=1e-5)


def _randomize(layer, scale=0.5, seed=1):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=scale, size=w.shape).astype("float32") for w in layer.get_weights()])


# ---------------------------------------------------------------------- run_layer_test per layer

DENSE_RNN_CASES = [  # (layer, kwargs, whether to run the (slow on jax) training check)
    ("SimpleRNN", {"units": 4}, True),
    ("SimpleRNN", {"units": 3, "return_sequences": True, "go_backwards": True, "activation": "relu"}, False),
    ("SimpleRNN", {"units": 3, "return_state": True, "use_bias": False, "unroll": True}, False),
    ("LSTM", {"units": 4, "return_sequences": True, "return_state": True}, True),
    ("LSTM", {"units": 3}, False),
    ("LSTM", {"units": 3, "go_backwards": True, "unit_forget_bias": False, "implementation": 1}, False),
    ("LSTM", {"units": 2, "return_sequences": True, "unroll": True, "recurrent_activation": "hard_sigmoid"}, False),
    ("GRU", {"units": 4, "return_state": True, "go_backwards": True}, True),
    ("GRU", {"units": 3, "reset_after": False, "return_sequences": True}, True),
    ("GRU", {"units": 3, "use_bias": False}, False),
    ("GRU", {"units": 2, "reset_after": False, "unroll": True, "return_state": True}, False),
]


@pytest.mark.parametrize("name,kwargs,train", DENSE_RNN_CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(DENSE_RNN_CASES)])
def test_dense_rnn_layers(keras, name, kwargs, train):
    layer, _ = run_layer_test(getattr(layers, name), kwargs, input_shape=(3, 5, 4), keras=keras,
                              run_training_check=train)
    # Keras's weight names and shapes, in creation order.
    names = [w.path.split("/")[-1] for w in layer.weights]
    assert names == ["kernel", "recurrent_kernel", "bias"][: len(names)]


@pytest.mark.parametrize("name,kwargs,shapes", [
    ("LSTMCell", {"units": 3}, [(4, 12), (3, 12), (12,)]),
    ("GRUCell", {"units": 3}, [(4, 9), (3, 9), (2, 9)]),
    ("GRUCell", {"units": 3, "reset_after": False}, [(4, 9), (3, 9), (9,)]),
    ("SimpleRNNCell", {"units": 3}, [(4, 3), (3, 3), (3,)]),
])
def test_cells_step_parity(keras, name, kwargs, shapes):
    ours = getattr(layers, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    x = X[:, 0]
    n_states = 2 if name == "LSTMCell" else 1
    states = [RNG.normal(size=(3, 3)).astype("float32") for _ in range(n_states)]
    ours(x, states)
    theirs(x, states)
    assert [tuple(w.shape) for w in ours.weights] == shapes
    _randomize(ours)
    theirs.set_weights(ours.get_weights())
    out, new = ours(x, states)
    k_out, k_new = theirs(x, states)
    _assert_all_close(_np([out] + list(new)), _keras_np(keras, [k_out] + list(k_new)))
    config = ours.get_config()
    assert {k: v for k, v in config.items() if k != "name"} == \
        {k: v for k, v in theirs.get_config().items() if k != "name"}
    assert type(ours).from_config(config).get_config() == config


def test_lstm_unit_forget_bias_initializer():
    layer = layers.LSTM(3, bias_initializer="zeros")
    layer(X)
    bias = layer.cell.bias.numpy()
    np.testing.assert_array_equal(bias, np.r_[np.zeros(3), np.ones(3), np.zeros(6)])


def test_weight_paths_and_counts():
    layer = layers.LSTM(3)
    layer(X)
    assert [w.path for w in layer.weights] == ["lstm/lstm_cell/kernel", "lstm/lstm_cell/recurrent_kernel",
                                              "lstm/lstm_cell/bias"]
    assert layer.count_params() == 4 * 12 + 3 * 12 + 12


# ---------------------------------------------------------------------- parity helper for generic RNN layers

def _parity(keras, make, x, call_kwargs=None, randomize=True, atol=1e-5):
    """make(lib) builds the layer with lamina or keras; compare outputs with the same weights and configs."""
    call_kwargs = call_kwargs or {}
    ours, theirs = make(lamina), make(keras)
    out = ours(x, **call_kwargs)
    theirs(x, **call_kwargs)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    if randomize:
        _randomize(ours)
    theirs.set_weights(ours.get_weights())
    out = ours(x, **call_kwargs)
    _assert_all_close(_np(list(out) if isinstance(out, tuple) else out),
                      _keras_np(keras, list(t) if isinstance(t := theirs(x, **call_kwargs), tuple) else t), atol=atol)
    return ours, theirs, out


def _strip_names(c):
    if isinstance(c, dict):
        return {k: _strip_names(v) for k, v in c.items() if k not in ("name", "build_config")}
    if isinstance(c, (list, tuple)):
        return [_strip_names(v) for v in c]
    return c


def _config_round_trip(layer, theirs=None):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert _strip_names(clone.get_config()) == _strip_names(config)
    if theirs is not None:
        assert _strip_names(config) == _strip_names(theirs.get_config())
    return clone


# ---------------------------------------------------------------------- RNN with cells, stacked cells

def _minimal_cell_class(lib):
    """The same user-defined cell written against lamina or keras (their APIs agree)."""

    class MinimalRNNCell(lib.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent_kernel")

        def call(self, inputs, states):
            h = lib.ops.matmul(inputs, self.kernel) + lib.ops.matmul(states[0], self.recurrent_kernel)
            out = lib.ops.tanh(h)
            return out, [out]

    return MinimalRNNCell


@pytest.mark.parametrize("kwargs", [{}, {"return_sequences": True, "go_backwards": True},
                                    {"return_state": True, "unroll": True}])
def test_rnn_with_custom_cell(keras, kwargs):
    ours, theirs, _ = _parity(keras, lambda lib: lib.layers.RNN(_minimal_cell_class(lib)(4), **kwargs), X)
    if lamina.backend.impl.CAN_TRAIN:
        cell_cls = _minimal_cell_class(lamina)
        _check_gradients_reach_every_weight(lambda: layers.RNN(cell_cls(4), **kwargs), {}, X, X.shape,
                                            "float32", {})


@pytest.mark.parametrize("cell", ["LSTMCell", "GRUCell", "SimpleRNNCell"])
def test_rnn_with_builtin_cell_matches_layer(keras, cell):
    kwargs = {"return_sequences": True, "return_state": True}
    ours, theirs, _ = _parity(keras, lambda lib: lib.layers.RNN(getattr(lib.layers, cell)(3), **kwargs), X)
    _config_round_trip(ours, theirs)


@pytest.mark.parametrize("kwargs", [{}, {"return_sequences": True, "return_state": True}])
def test_stacked_rnn_cells(keras, kwargs):
    def make(lib):
        cells = [lib.layers.LSTMCell(3), lib.layers.GRUCell(4), lib.layers.SimpleRNNCell(2)]
        return lib.layers.RNN(lib.layers.StackedRNNCells(cells), **kwargs)

    ours, theirs, out = _parity(keras, make, X)
    weights = [w.path for w in ours.weights]
    assert len(weights) == 9 and weights[0].endswith("kernel")
    if kwargs.get("return_state"):
        out_, lstm_states, gru_state, rnn_state = out
        # Each cell's state keeps the structure of its get_initial_state (a list, as in Keras).
        assert len(lstm_states) == 2 and tuple(gru_state[0].shape) == (3, 4) and tuple(rnn_state[0].shape) == (3, 2)
    _config_round_trip(ours, theirs)
    assert ours.compute_output_shape((3, 6, 4)) == (
        ((3, 6, 2), [(3, 3), (3, 3)], (3, 4), (3, 2)) if kwargs else (3, 2))
    if lamina.backend.impl.CAN_TRAIN and not kwargs:
        _check_gradients_reach_every_weight(lambda: make(lamina), {}, X, X.shape, "float32", {})


def test_rnn_list_of_cells_is_stacked(keras):
    ours, _, _ = _parity(keras, lambda lib: lib.layers.RNN([lib.layers.SimpleRNNCell(3), lib.layers.LSTMCell(2)]), X)
    assert isinstance(ours.cell, layers.StackedRNNCells)


def test_initial_state_parity(keras):
    h = RNG.normal(size=(3, 4)).astype("float32")
    c = RNG.normal(size=(3, 4)).astype("float32")
    _parity(keras, lambda lib: lib.layers.LSTM(4, return_sequences=True), X, {"initial_state": [h, c]})
    _parity(keras, lambda lib: lib.layers.GRU(4, go_backwards=True), X, {"initial_state": [h]})
    _parity(keras, lambda lib: lib.layers.SimpleRNN(4, unroll=True), X, {"initial_state": h})


def test_initial_state_symbolic():
    seq = lamina.Input((6, 4))
    h0, c0 = lamina.Input((3,)), lamina.Input((3,))
    out = layers.LSTM(3, return_sequences=True)(seq, initial_state=[h0, c0])
    assert out.shape == (None, 6, 3)
    model = lamina.Model([seq, h0, c0], out)
    zeros = np.zeros((3, 3), "float32")
    y = _np(model([X, zeros, zeros]))
    assert y.shape == (3, 6, 3)


# ---------------------------------------------------------------------- masking

MASK = np.array([[1, 1, 1, 0, 0, 0], [0, 1, 1, 0, 1, 1], [1, 1, 1, 1, 1, 1]], bool)


@pytest.mark.parametrize("name,kwargs", [
    ("LSTM", {"return_sequences": True}),
    ("GRU", {}),
    ("SimpleRNN", {"return_sequences": True, "go_backwards": True}),
    ("GRU", {"return_sequences": True, "reset_after": False, "zero_output_for_mask": True}),
    ("LSTM", {"return_state": True, "go_backwards": True}),
    ("SimpleRNN", {"return_sequences": True, "unroll": True}),
])
def test_explicit_mask_parity(keras, name, kwargs):
    ours, _, out = _parity(keras, lambda lib: getattr(lib.layers, name)(3, **kwargs), X, {"mask": MASK})
    if kwargs.get("return_sequences") and not kwargs.get("go_backwards"):
        seq = _np(out)
        if kwargs.get("zero_output_for_mask"):
            np.testing.assert_array_equal(seq[0, 3:], 0)
        else:  # masked steps repeat the last unmasked output; leading masked steps are zeros
            np.testing.assert_array_equal(seq[0, 3], seq[0, 2])
            np.testing.assert_array_equal(seq[0, 5], seq[0, 2])
            np.testing.assert_array_equal(seq[1, 0], 0)


def test_masked_states_are_kept():
    layer = layers.LSTM(3, return_state=True)
    _, h, c = layer(X, mask=MASK)
    _, h_ref, c_ref = layer(X[:1, :3])  # sample 0 has only its first 3 steps unmasked
    np.testing.assert_allclose(_np(h)[0], _np(h_ref)[0], atol=1e-6)
    np.testing.assert_allclose(_np(c)[0], _np(c_ref)[0], atol=1e-6)


def _embedding_model(lib, rnn):
    inp = lib.Input((6,), dtype="int32")
    x = lib.layers.Embedding(10, 4, mask_zero=True)(inp)
    y = rnn(lib)(x)
    return lib.Model(inp, y)


TOKENS = np.array([[1, 2, 3, 0, 0, 0], [0, 0, 4, 5, 6, 7], [1, 0, 2, 0, 3, 9]], "int32")


@pytest.mark.parametrize("rnn", [
    lambda lib: lib.layers.LSTM(5, return_sequences=True),
    lambda lib: lib.layers.GRU(5),
    lambda lib: lib.layers.SimpleRNN(5, return_sequences=True, go_backwards=True),
], ids=["lstm-seq", "gru", "simple-backwards"])
def test_embedding_mask_zero_parity(keras, rnn):
    ours, theirs = _embedding_model(lamina, rnn), _embedding_model(keras, rnn)
    _randomize(ours, scale=0.7)
    theirs.set_weights(ours.get_weights())
    _assert_all_close(_np(ours(TOKENS)), _keras_np(keras, theirs(TOKENS)))


def test_masking_layer_and_mask_propagation(keras):
    x = X.copy()
    x[0, 2:] = 0.0
    x[1, :2] = 0.0

    def build(lib):
        inp = lib.Input((6, 4))
        m = lib.layers.Masking(0.0)(inp)
        y = lib.layers.LSTM(3, return_sequences=True)(m)   # passes the mask on
        y = lib.layers.GRU(2)(y)
        return lib.Model(inp, y)

    ours, theirs = build(lamina), build(keras)
    _randomize(ours)
    theirs.set_weights(ours.get_weights())
    _assert_all_close(_np(ours(x)), _keras_np(keras, theirs(x)))


def test_compute_mask():
    mask = ops.convert_to_tensor(MASK)
    assert layers.LSTM(2).compute_mask(X, mask) is None
    assert layers.LSTM(2, return_sequences=True).compute_mask(X, mask) is mask
    assert layers.GRU(2, return_state=True).compute_mask(X, mask) == [None, None]


# ---------------------------------------------------------------------- dropout

def _identity_rnn(**kwargs):
    """A linear SimpleRNN whose output is its input: kernel = I, recurrent kernel = 0."""
    layer = layers.SimpleRNN(4, activation=None, use_bias=False, return_sequences=True, seed=3, **kwargs)
    layer(X)
    layer.set_weights([np.eye(4, dtype="float32"), np.zeros((4, 4), "float32")])
    return layer


def test_input_dropout_mask_is_shared_across_time():
    layer = _identity_rnn(dropout=0.5)
    ones = np.ones((8, 7, 4), "float32")
    out = _np(layer(ones, training=True))
    kept = out != 0
    assert kept.any() and (~kept).any()
    assert (kept == kept[:, :1]).all(), "one dropout mask per sequence, reused at every step"
    np.testing.assert_allclose(out[kept], 2.0, rtol=1e-6)
    np.testing.assert_array_equal(_np(layer(ones)), ones)  # inference: no dropout
    second = _np(layer(ones, training=True)) != 0
    assert (second != kept).any(), "a new mask for each call"


def test_recurrent_dropout_mask_is_shared_across_time():
    layer = layers.SimpleRNN(4, activation=None, use_bias=False, return_sequences=True, recurrent_dropout=0.5,
                             seed=5)
    ones = np.ones((8, 5, 4), "float32")
    layer(ones)
    layer.set_weights([np.eye(4, dtype="float32"), np.eye(4, dtype="float32")])
    out = _np(layer(ones, training=True))
    # h_t = 1 + 2 * m * h_{t-1}: a dropped unit stays at 1, a kept one grows each step.
    dropped = out[:, 1] == 1.0
    assert dropped.any() and (~dropped).any()
    assert (out[:, 1:][np.broadcast_to(dropped[:, None], out[:, 1:].shape)] == 1.0).all()
    np.testing.assert_allclose(out[:, 2][~dropped], 1 + 2 * 3, rtol=1e-6)


@pytest.mark.parametrize("name,kwargs", [("LSTM", {"dropout": 0.3, "recurrent_dropout": 0.3}),
                                         ("GRU", {"dropout": 0.3, "recurrent_dropout": 0.2}),
                                         ("GRU", {"dropout": 0.3, "reset_after": False, "implementation": 1}),
                                         ("LSTM", {"dropout": 0.3})])
def test_dropout_training_runs_and_inference_is_deterministic(name, kwargs):
    layer = getattr(layers, name)(3, return_sequences=True, seed=1, **kwargs)
    plain = getattr(layers, name)(3, return_sequences=True,
                                  **{k: v for k, v in kwargs.items() if k in ("reset_after", "implementation")})
    y = _np(layer(X))
    plain(X)
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(y, _np(plain(X)), atol=1e-6)
    y_train = _np(layer(X, training=True))
    assert y_train.shape == y.shape and not np.allclose(y_train, y)
    assert layer.cell.get_dropout_mask(X[:, 0]) is not None  # standalone use caches a mask...
    layer.cell.reset_dropout_mask()
    assert getattr(layer.cell, "_dropout_mask") is None  # ...until it is reset


def test_dropout_config_parity(keras):
    kwargs = {"units": 3, "dropout": 0.2, "recurrent_dropout": 0.1, "seed": 4}
    ours, theirs = layers.LSTM(**kwargs), keras.layers.LSTM(**kwargs)
    assert _strip_names(ours.get_config()) == _strip_names(theirs.get_config())
    assert ours.cell.implementation == theirs.cell.implementation == 1


@requires_training
def test_dropout_gradients_reach_weights():
    _check_gradients_reach_every_weight(
        lambda: layers.GRU(3, dropout=0.2, recurrent_dropout=0.2, seed=2), {}, X, X.shape, "float32", {})


# ---------------------------------------------------------------------- stateful

def test_stateful_continues_across_batches():
    full = layers.GRU(3, return_sequences=True)
    y_full = _np(full(X))
    stateful = layers.GRU(3, return_sequences=True, stateful=True)
    stateful(X[:, :3])
    stateful.set_weights(full.get_weights())
    stateful.reset_states()
    y1, y2 = _np(stateful(X[:, :3])), _np(stateful(X[:, 3:]))
    np.testing.assert_allclose(np.concatenate([y1, y2], axis=1), y_full, atol=1e-6)
    assert stateful.weights == stateful.trainable_weights  # states are not weights
    stateful.reset_states()
    np.testing.assert_allclose(_np(stateful(X[:, :3])), y_full[:, :3], atol=1e-6)
    with pytest.raises(ValueError, match="stateful"):
        stateful(X[:2])


def test_stateful_states_carry_through_predict_and_fit():
    """model.predict and model.fit (jitted on jax) carry a stateful layer's states from batch to batch."""
    full = layers.LSTM(3, return_state=True)
    full(X)
    model = lamina.Sequential([lamina.Input((3, 4), batch_size=3), layers.LSTM(3, stateful=True)])
    lstm = model.layers[0]
    lstm.set_weights(full.get_weights())
    model.predict(X[:, :3], batch_size=3, verbose=0)
    second = model.predict(X[:, 3:], batch_size=3, verbose=0)
    last, h, c = _np(full(X))
    np.testing.assert_allclose(second, last, atol=1e-5)
    np.testing.assert_allclose(_np(lstm.states[1]), c, atol=1e-5)
    if lamina.backend.impl.CAN_TRAIN:
        _, h_first, _ = _np(full(X[:, :3]))
        lstm.reset_states()
        model.compile(optimizer="sgd", loss="mse")
        model.train_on_batch(X[:, :3], np.zeros((3, 3), "float32"))  # the forward pass uses the weights before the step
        np.testing.assert_allclose(_np(lstm.states[0]), h_first, atol=1e-5)


def test_stateful_needs_static_batch():
    with pytest.raises(ValueError, match="batch size must be static"):
        layers.LSTM(2, stateful=True)(lamina.Input((5, 3)))


# ---------------------------------------------------------------------- symbolic, shapes and errors

def test_symbolic_shapes():
    seq = lamina.KerasTensor((None, None, 4))
    assert layers.LSTM(3)(seq).shape == (None, 3)
    out, h, c = layers.LSTM(3, return_sequences=True, return_state=True)(seq)
    assert out.shape == (None, None, 3) and h.shape == (None, 3) and c.shape == (None, 3)
    assert layers.GRU(2, return_sequences=True).compute_output_shape((5, 7, 4)) == (5, 7, 2)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_wrong_rank_is_a_clear_error(name):
    with pytest.raises(ValueError, match=rf"{name}.*rank 3.*\(3, 4\)"):
        getattr(layers, name)(2)(np.ones((3, 4), "float32"))
    with pytest.raises(ValueError, match="rank"):
        getattr(layers, name)(2)(lamina.KerasTensor((None, 2, 3, 4)))


def test_rnn_rank_error():
    with pytest.raises(ValueError, match="rank >= 3"):
        layers.RNN(layers.LSTMCell(2))(np.ones((3, 4), "float32"))


def test_cell_without_state_size_is_an_error():
    class NoState(layers.Layer):
        def call(self, inputs, states):
            return inputs, states

    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(NoState())
    with pytest.raises(ValueError, match="state_size"):
        layers.StackedRNNCells([layers.LSTMCell(2), NoState()])
    with pytest.raises(ValueError, match="call"):
        layers.RNN(object())


def test_argument_errors():
    with pytest.raises(ValueError, match="units"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match="units"):
        layers.GRUCell(-2)
    with pytest.raises(ValueError, match="use_cudnn"):
        layers.GRU(2, use_cudnn="maybe")
    with pytest.raises(ValueError, match="initial state"):
        layers.LSTM(2)(X, initial_state=[np.zeros((3, 2), "float32")])


# ---------------------------------------------------------------------- training

@requires_training
@pytest.mark.parametrize("rnn", ["LSTM"])
def test_tiny_fit_reduces_loss(rnn):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 5, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None].astype("float32") / 4
    model = lamina.Sequential([lamina.Input((5, 3)), getattr(layers, rnn)(8), layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.Adam(learning_rate=0.03), loss="mse")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0], losses


@pytest.mark.skipif(BACKEND != "jax", reason="tracing under jax.jit is a JAX matter")
def test_jax_traces_the_step_once_not_per_timestep():
    calls = []

    class CountingCell(layers.LSTMCell):
        def _rnn_step(self, x_t, states, ctx):
            import jax

            if isinstance(x_t, jax.core.Tracer):  # eager calls (building the model) loop in Python
                calls.append(1)
            return super()._rnn_step(x_t, states, ctx)

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 30, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    model = lamina.Sequential([lamina.Input((30, 3)), layers.RNN(CountingCell(4)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)  # 4 train steps of 30 time steps each
    assert 1 <= len(calls) <= 3, len(calls)
