"""The fused LSTM/GRU path (one backend kernel for the whole time loop, torch) equals the general
``ops.scan`` loop: same outputs, states and training updates; it is taken where it applies and left
where it does not; ``use_cudnn`` chooses as in Keras."""

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from lamina.ops import rnn as fused_kernels
from tests.conftest import requires_training

RNG = np.random.default_rng(3)
X = RNG.normal(size=(4, 7, 5)).astype("float32")
HAS_FUSED = fused_kernels.has_fused_kernels()


def _layer(cls, use_cudnn, **kwargs):
    layer = cls(6, use_cudnn=use_cudnn, **kwargs)
    layer.build(X.shape)
    rng = np.random.default_rng(11)
    for w in layer.weights:
        w.assign(rng.normal(scale=0.4, size=w.shape).astype("float32"))
    return layer


def _np(outputs):
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [ops.convert_to_numpy(o) for o in outputs]


@pytest.fixture
def count_fused(monkeypatch):
    calls = []
    for name in ("lstm", "gru"):
        original = getattr(fused_kernels, name)

        def counted(*args, _original=original, **kwargs):
            calls.append(_original)
            return _original(*args, **kwargs)

        monkeypatch.setattr(fused_kernels, name, counted)
    return calls


CONFIGS = [
    dict(),
    dict(return_sequences=True),
    dict(return_state=True),
    dict(return_sequences=True, return_state=True, go_backwards=True),
    dict(use_bias=False, return_sequences=True),
]


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU])
@pytest.mark.parametrize("kwargs", CONFIGS)
def test_fused_equals_general_loop(cls, kwargs, count_fused):
    fused = _layer(cls, "auto", **kwargs)
    general = _layer(cls, False, **kwargs)
    h0 = [RNG.normal(size=(4, 6)).astype("float32") for _ in range(2 if cls is layers.LSTM else 1)]
    for call_kwargs in ({}, {"initial_state": h0}):
        count_fused.clear()
        got = _np(fused(X, **call_kwargs))
        assert len(count_fused) == (1 if HAS_FUSED else 0)
        count_fused.clear()
        want = _np(general(X, **call_kwargs))
        assert not count_fused
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, atol=1e-5, rtol=1e-5)


def test_gru_reset_before_and_masks_take_the_general_loop(count_fused):
    gru = _layer(layers.GRU, "auto", reset_after=False)
    gru(X)
    lstm = _layer(layers.LSTM, "auto")
    mask = np.ones((4, 7), bool)
    mask[:, 5:] = False
    lstm(X, mask=mask)
    relu = _layer(layers.LSTM, "auto", activation="relu")
    relu(X)
    assert not count_fused


def test_use_cudnn_true_requires_the_fused_kernel():
    if HAS_FUSED:
        layer = _layer(layers.GRU, True, reset_after=False)
    else:
        layer = _layer(layers.LSTM, True)
    with pytest.raises(ValueError, match="use_cudnn=True"):
        layer(X)


def test_use_cudnn_is_validated():
    with pytest.raises(ValueError, match="use_cudnn"):
        layers.LSTM(3, use_cudnn="yes")


@requires_training
@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU])
def test_fused_training_step_equals_general(cls):
    """Gradients through the fused kernel equal the scan loop's: one SGD step gives the same weights."""
    y = RNG.normal(size=(4, 1)).astype("float32")
    results = []
    for use_cudnn in ("auto", False):
        lamina.utils.set_random_seed(5)
        inputs = lamina.Input((7, 5))
        rnn = cls(6, use_cudnn=use_cudnn, return_sequences=True, go_backwards=True)
        out = layers.Dense(1)(layers.GlobalAveragePooling1D()(rnn(inputs)))
        model = lamina.Model(inputs, out)
        model.compile(optimizer=lamina.optimizers.SGD(0.5), loss="mse")
        model.train_on_batch(X, y)
        results.append([w.numpy() for w in model.weights])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU])
def test_fused_matches_keras(cls, keras):
    """The configuration the fused kernel takes, against real Keras 3 with the same weights."""
    layer = _layer(cls, "auto", return_sequences=True, return_state=True)
    ref = getattr(keras.layers, cls.__name__)(6, return_sequences=True, return_state=True)
    ref.build(X.shape)
    ref.set_weights([w.numpy() for w in layer.weights])
    got = _np(layer(X))
    want = [keras.ops.convert_to_numpy(v) for v in ref(X)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN])
def test_inputs_with_other_feature_counts_are_refused(cls):
    layer = cls(3)
    layer(X)
    with pytest.raises(ValueError, match=r"built for inputs with 5 features.*\(4, 7, 2\)"):
        layer(X[..., :2])


# --- where a step's input projection happens (inside the loop on jax/CPU, before it elsewhere) -----

@pytest.mark.parametrize("make", [
    lambda: layers.LSTM(6, return_sequences=True), lambda: layers.GRU(6), lambda: layers.SimpleRNN(6),
    lambda: layers.GRU(6, reset_after=False, go_backwards=True),
])
def test_projection_inside_or_before_the_loop_gives_the_same_outputs(make, monkeypatch):
    results = []
    for per_step in (False, True):
        monkeypatch.setattr(fused_kernels, "projects_inputs_per_step", lambda per_step=per_step: per_step)
        lamina.utils.set_random_seed(4)
        layer = make()
        results.append(ops.convert_to_numpy(layer(X)))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)


@requires_training
def test_projection_inside_or_before_the_loop_trains_the_same(monkeypatch):
    y = RNG.normal(size=(4, 3)).astype("float32")
    weights = []
    for per_step in (False, True):
        monkeypatch.setattr(fused_kernels, "projects_inputs_per_step", lambda per_step=per_step: per_step)
        lamina.utils.set_random_seed(9)
        model = lamina.Sequential([lamina.Input(X.shape[1:]), layers.LSTM(6, use_cudnn=False), layers.Dense(3)])
        model.compile("sgd", "mse")
        model.train_on_batch(X, y)
        weights.append([w.numpy() for w in model.weights])
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
