"""Rescaling and Normalization: values vs NumPy and real Keras, adapt(), invert, axis, saving."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training, to_np
from tests.layers.layer_test_utils import run_layer_test


@pytest.mark.parametrize("kwargs", [
    {"scale": 1 / 255.0},
    {"scale": 1 / 127.5, "offset": -1.0},
    {"scale": [0.5, 2.0, 3.0], "offset": [1.0, 0.0, -1.0]},
])
def test_rescaling_parity(keras, kwargs):
    run_layer_test(layers.Rescaling, kwargs, input_shape=(2, 4, 4, 3), keras=keras)


def test_rescaling_values_int_input_and_symbolic():
    x = np.array([[0, 128, 255]], "uint8")
    y = layers.Rescaling(1 / 127.5, offset=-1)(x)
    assert str(to_np(y).dtype) == "float32"
    np.testing.assert_allclose(to_np(y), x.astype("float32") / 127.5 - 1, rtol=1e-6)
    out = layers.Rescaling(2.0)(lamina.KerasTensor((None, 5), dtype="int32"))
    assert out.shape == (None, 5) and out.dtype == "float32"


def test_rescaling_channels_first_per_channel_scale():
    lamina.config.set_image_data_format("channels_first")
    try:
        x = np.ones((1, 3, 2, 2), "float32")
        y = to_np(layers.Rescaling([1.0, 2.0, 3.0])(x))
    finally:
        lamina.config.set_image_data_format("channels_last")
    np.testing.assert_allclose(y[0, :, 0, 0], [1.0, 2.0, 3.0])


@pytest.mark.parametrize("axis,shape", [(-1, (8, 3)), (None, (8, 3)), ((1, 2), (6, 2, 3)), (1, (6, 2, 3))])
def test_normalization_adapt_matches_numpy_and_keras(keras, axis, shape):
    rng = np.random.default_rng(0)
    data = rng.normal(3.0, 2.0, size=shape).astype("float32")
    ours = layers.Normalization(axis=axis)
    ours.adapt(data)
    theirs = keras.layers.Normalization(axis=axis)
    theirs.adapt(data)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [str(w.dtype) for w in ours.weights] == [str(w.dtype) for w in theirs.weights]
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    x = rng.normal(size=shape).astype("float32")
    np.testing.assert_allclose(to_np(ours(x)), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-5)
    ndim = len(shape)
    keep = () if axis is None else tuple(a % ndim for a in ((axis,) if isinstance(axis, int) else axis))
    red = tuple(d for d in range(ndim) if d not in keep)
    expected = (x - data.mean(axis=red, keepdims=True)) / np.sqrt(data.var(axis=red, keepdims=True))
    np.testing.assert_allclose(to_np(ours(x)), expected, rtol=1e-4, atol=1e-4)


def test_normalization_adapt_on_batches_equals_full_adapt():
    rng = np.random.default_rng(1)
    data = rng.uniform(0, 10, size=(50, 4)).astype("float32")
    batches = [data[i:i + 16] for i in range(0, 50, 16)]
    full, batched = layers.Normalization(), layers.Normalization()
    full.adapt(data)
    batched.adapt(iter(batches))
    for a, b in zip(full.get_weights()[:2], batched.get_weights()[:2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(batched.get_weights()[0], data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(batched.get_weights()[1], data.var(0), rtol=1e-4)
    # (x, y) tuples are accepted, as in Keras (whose iterable path needs TensorFlow, so NumPy is the reference).
    tupled = layers.Normalization()
    tupled.adapt([(b, np.zeros(len(b))) for b in batches])
    for a, b in zip(tupled.get_weights()[:2], (data.mean(0), data.var(0))):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_normalization_adapt_on_tensor_and_pydataset():
    data = np.arange(12, dtype="float32").reshape(6, 2)
    layer = layers.Normalization()
    layer.adapt(lamina.ops.convert_to_tensor(data))
    np.testing.assert_allclose(layer.get_weights()[0], data.mean(0), rtol=1e-6)

    class Batches(lamina.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return data[2 * i:2 * i + 2], np.zeros(2)

    layer = layers.Normalization()
    layer.adapt(Batches())
    np.testing.assert_allclose(layer.get_weights()[1], data.var(0), rtol=1e-5)


@pytest.mark.parametrize("kwargs", [
    {"mean": 3.0, "variance": 2.0},
    {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]},
    {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0], "invert": True},
    {"axis": None, "mean": 3.0, "variance": 2.0},
])
def test_normalization_given_statistics_parity(keras, kwargs):
    run_layer_test(layers.Normalization, kwargs, input_shape=(4, 3), keras=keras,
                   expected_num_non_trainable_weights=0)


def test_normalization_invert_round_trip_and_keras_doc_example():
    adapt = np.array([[0., 7., 4.], [2., 9., 6.], [0., 7., 4.], [2., 9., 6.]], "float32")
    norm, inv = layers.Normalization(), layers.Normalization(invert=True)
    norm.adapt(adapt)
    inv.adapt(adapt)
    np.testing.assert_allclose(to_np(norm(np.array([[0., 7., 4.]], "float32"))), [[-1., -1., -1.]], atol=1e-6)
    np.testing.assert_allclose(to_np(inv(np.array([[1., 2., 3.]], "float32"))), [[2., 10., 8.]], atol=1e-5)
    x = np.random.default_rng(2).normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(to_np(inv(norm(x))), x, atol=1e-5)


def test_normalization_config_matches_keras(keras):
    for kwargs in ({}, {"axis": (1, 2), "invert": True}, {"mean": [1.0, 2.0], "variance": [3.0, 4.0]}):
        ours = layers.Normalization(**kwargs).get_config()
        theirs = keras.layers.Normalization(**kwargs).get_config()
        ours.pop("name"), theirs.pop("name")
        assert ours == theirs
        assert layers.Normalization.from_config(ours).get_config()["axis"] == ours["axis"]


def test_normalization_symbolic_and_in_model_saving(tmp_path):
    data = np.random.default_rng(3).uniform(0, 255, size=(20, 4, 4, 3)).astype("float32")
    norm = layers.Normalization()
    norm.adapt(data)
    inputs = lamina.Input((4, 4, 3))
    out = norm(layers.Rescaling(1 / 255.0)(inputs))
    assert out.shape == (None, 4, 4, 3)
    model = lamina.Model(inputs, out)
    expected = to_np(model(data[:2]))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = lamina.saving.load_model(path)
    np.testing.assert_allclose(to_np(loaded(data[:2])), expected, rtol=1e-6)
    np.testing.assert_allclose(to_np(loaded.layers[-1].weights[0]), norm.get_weights()[0])


@requires_training
def test_normalization_inside_fit_keeps_statistics():
    rng = np.random.default_rng(4)
    x = rng.normal(5.0, 3.0, size=(32, 3)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    norm = layers.Normalization()
    norm.adapt(x)
    before = norm.get_weights()
    model = lamina.Sequential([lamina.Input((3,)), norm, layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    for a, b in zip(norm.get_weights(), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs,match", [
    ({"mean": 1.0}, "both `mean` and `variance`"),
    ({"mean": [1.0, 2.0], "variance": [1.0]}, "same shape"),
    ({"axis": "x"}, "axis"),
])
def test_normalization_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Normalization(**kwargs)


def test_normalization_build_errors():
    with pytest.raises(ValueError, match="Normalization.*range"):
        layers.Normalization(axis=3)(np.ones((2, 3)))
    layer = layers.Normalization()
    layer.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match="Normalization.*incompatible"):
        layer.adapt(np.ones((4, 5)))
    with pytest.raises(ValueError, match="Normalization.*unknown"):
        layers.Normalization(axis=1).build((None, None))
    with pytest.raises(ValueError, match="Normalization.*broadcast"):
        layers.Normalization(mean=[1.0, 2.0], variance=[1.0, 2.0])(np.ones((2, 3)))


@requires_training
def test_rescaling_in_a_compiled_fit_with_changing_batch_sizes():
    """Rescaling's constants are never cached as tensors: on jax a cached tensor made while one step
    is traced would leak into the next trace (a batch of another size) and break it."""
    inputs = lamina.Input((4,))
    outputs = lamina.layers.Dense(1)(lamina.layers.Rescaling(0.5, offset=-1.0)(inputs))
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(10, 4)).astype("float32")
    history = model.fit(x, x[:, :1], batch_size=4, epochs=2, verbose=0)  # batches of 4, 4, 2, twice
    assert np.all(np.isfinite(history.history["loss"]))
    expected = model.layers[-1](x * 0.5 - 1.0)
    np.testing.assert_allclose(model.predict(x, batch_size=3, verbose=0), lamina.ops.convert_to_numpy(expected),
                               atol=1e-5)
