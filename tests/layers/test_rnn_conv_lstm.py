"""ConvLSTM1D/2D/3D: parity with real Keras 3, shapes, dropout, masks and errors."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.layers.layer_test_utils import run_layer_test
from tests.layers.test_rnn import _np, _parity

CASES = [
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "strides": 2, "go_backwards": True}, (2, 3, 9, 3)),
    ("ConvLSTM2D", {"filters": 3, "kernel_size": 3}, (2, 3, 6, 6, 2)),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": (3, 2), "padding": "same", "return_sequences": True,
                    "return_state": True, "unit_forget_bias": False}, (2, 3, 5, 4, 2)),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "data_format": "channels_first",
                    "return_sequences": True}, (2, 3, 2, 6, 6)),
    ("ConvLSTM3D", {"filters": 2, "kernel_size": 2, "padding": "same"}, (1, 2, 3, 3, 3, 2)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_conv_lstm_layers(keras, name, kwargs, shape):
    layer, _ = run_layer_test(getattr(layers, name), kwargs, input_shape=shape, keras=keras,
                              run_training_check=name == "ConvLSTM2D" and "data_format" not in kwargs)
    kernel, recurrent, *bias = [tuple(w.shape) for w in layer.weights]
    filters, window = kwargs["filters"], layer.kernel_size
    in_ch = shape[2] if kwargs.get("data_format") == "channels_first" else shape[-1]
    assert kernel == window + (in_ch, 4 * filters) and recurrent == window + (filters, 4 * filters)
    assert bias == [(4 * filters,)]


def test_conv_lstm_random_weights(keras):
    x = np.random.default_rng(0).normal(size=(2, 4, 5, 5, 2)).astype("float32")
    _parity(keras, lambda lib: lib.layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True), x)


def test_conv_lstm_mask_skips_steps():
    # (Keras 3's own ConvLSTM fails with a mask on jax and NumPy, so the reference is the unmasked run.)
    x = np.random.default_rng(0).normal(size=(2, 4, 5, 5, 2)).astype("float32")
    layer = layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True)
    mask = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], bool)
    seq, h, c = _np(layer(x, mask=mask))
    np.testing.assert_array_equal(seq[0, 2], seq[0, 1])
    ref_seq, ref_h, ref_c = _np(layer(x[:, [0, 1, 3]]))
    np.testing.assert_allclose(h[0], ref_h[0], atol=1e-5)
    np.testing.assert_allclose(c[0], ref_c[0], atol=1e-5)
    np.testing.assert_allclose(seq[0, 3], ref_seq[0, 2], atol=1e-5)


def test_conv_lstm_dropout():
    x = np.random.default_rng(0).normal(size=(2, 3, 6, 2)).astype("float32")
    layer = layers.ConvLSTM1D(2, 3, dropout=0.4, recurrent_dropout=0.4, seed=1, return_sequences=True)
    y = _np(layer(x))
    y_train = _np(layer(x, training=True))
    assert y_train.shape == y.shape == (2, 3, 4, 2) and not np.allclose(y, y_train)
    np.testing.assert_allclose(_np(layer(x)), y)


def test_conv_lstm_errors():
    with pytest.raises(ValueError, match="rank 5"):
        layers.ConvLSTM2D(2, 3)(np.ones((2, 3, 4, 4), "float32"))
    with pytest.raises(ValueError, match="dilation_rate"):
        layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="empty"):
        layers.ConvLSTM2D(2, 5)(np.ones((1, 2, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="filters"):
        layers.ConvLSTM1D(0, 3)
    assert layers.ConvLSTM2D(2, 3)(lamina.KerasTensor((None, None, 8, 8, 1))).shape == (None, 6, 6, 2)
