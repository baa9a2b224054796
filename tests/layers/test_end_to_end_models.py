"""Whole networks built from the catalogue: same weights as Keras give the same outputs, and they train."""

import numpy as np
import pytest

import lamina
from tests.conftest import requires_training, to_np


def _unet(k):
    """A small U-Net-like convnet: two downsampling steps, skip connections, a transposed conv."""
    L = k.layers
    inputs = k.Input((16, 16, 1))
    c1 = L.Conv2D(8, 3, padding="same", activation="relu", name="c1")(inputs)
    c1 = L.BatchNormalization(name="bn1")(c1)
    p1 = L.MaxPooling2D(2, name="p1")(c1)
    c2 = L.Conv2D(16, 3, padding="same", activation="relu", name="c2")(p1)
    p2 = L.MaxPooling2D(2, name="p2")(c2)
    mid = L.SeparableConv2D(16, 3, padding="same", activation="relu", name="mid")(p2)
    u2 = L.Conv2DTranspose(16, 2, strides=2, name="up2")(mid)
    m2 = L.Concatenate(name="skip2")([u2, c2])
    d2 = L.Conv2D(8, 3, padding="same", activation="relu", name="d2")(m2)
    u1 = L.UpSampling2D(2, interpolation="bilinear", name="up1")(d2)
    m1 = L.Concatenate(name="skip1")([u1, c1])
    d1 = L.Conv2D(8, 3, padding="same", activation="relu", name="d1")(m1)
    outputs = L.Conv2D(1, 1, activation="sigmoid", name="mask")(L.Dropout(0.1, name="drop")(d1))
    return k.Model(inputs, outputs, name="unet")


def _tagger(k):
    """A stacked bidirectional LSTM tagger over padded token sequences (mask_zero)."""
    L = k.layers
    inputs = k.Input((12,), dtype="int32")
    x = L.Embedding(30, 8, mask_zero=True, name="emb")(inputs)
    x = L.Bidirectional(L.LSTM(8, return_sequences=True), name="bi1")(x)
    x = L.Bidirectional(L.GRU(6, return_sequences=True), merge_mode="sum", name="bi2")(x)
    outputs = L.TimeDistributed(L.Dense(4, activation="softmax"), name="tags")(x)
    return k.Model(inputs, outputs, name="tagger")


def _images(n=24, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, 16, 16, 1)).astype("float32")
    return x, (x > 0.6).astype("float32")


def _tokens(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 30, size=(n, 12)).astype("int32")
    for row, length in zip(x, rng.integers(5, 13, size=n)):
        row[length:] = 0
    return x, (x % 4).astype("int32")


@pytest.mark.parametrize("builder,data", [(_unet, _images), (_tagger, _tokens)], ids=["unet", "bilstm_tagger"])
def test_same_weights_give_keras_outputs(keras, builder, data):
    ours, theirs = builder(lamina), builder(keras)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    theirs.set_weights(ours.get_weights())
    x, _ = data(6)
    np.testing.assert_allclose(to_np(ours(x, training=False)),
                               keras.ops.convert_to_numpy(theirs(x, training=False)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-5)


@requires_training
@pytest.mark.parametrize("builder,data,loss", [(_unet, _images, "binary_crossentropy"),
                                               (_tagger, _tokens, "sparse_categorical_crossentropy")],
                         ids=["unet", "bilstm_tagger"])
def test_trains_with_fit(builder, data, loss):
    lamina.utils.set_random_seed(0)
    model = builder(lamina)
    model.compile(optimizer=lamina.optimizers.Adam(0.01), loss=loss)
    x, y = data()
    history = model.fit(x, y, epochs=6, batch_size=8, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < 0.8 * losses[0], losses
