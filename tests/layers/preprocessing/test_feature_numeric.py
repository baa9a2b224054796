"""CategoryEncoding and Discretization against real Keras 3 (both run without TensorFlow there)."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import BACKEND, requires_training, to_np
from tests.layers.layer_test_utils import run_layer_test

IDS = np.array([[0, 1, 3, 3], [2, 2, 2, 0]], dtype="int32")


@pytest.mark.parametrize("kwargs,data,shape", [
    ({"num_tokens": 4, "output_mode": "multi_hot"}, IDS, (2, 4)),
    ({"num_tokens": 4, "output_mode": "count"}, IDS, (2, 4)),
    ({"num_tokens": 5, "output_mode": "one_hot"}, np.array([3, 2, 0, 1], "int32"), (4, 5)),
    ({"num_tokens": 5, "output_mode": "one_hot"}, np.array([[3], [2], [0]], "int32"), (3, 5)),
    ({"num_tokens": 6, "output_mode": "binary"}, IDS, (2, 6)),
])
def test_category_encoding_parity(keras, kwargs, data, shape):
    run_layer_test(layers.CategoryEncoding, kwargs, input_shape=data.shape, input_dtype="int32", input_data=data,
                   expected_output_shape=shape, keras=keras)


def test_category_encoding_count_weights_and_rank1(keras):
    weights = np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]], "float32")
    ours = layers.CategoryEncoding(num_tokens=4, output_mode="count")(IDS, count_weights=weights)
    theirs = keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")(IDS, count_weights=weights)
    np.testing.assert_allclose(to_np(ours), keras.ops.convert_to_numpy(theirs), rtol=1e-6)
    # A rank-1 input is one sample, as in Keras.
    single = layers.CategoryEncoding(num_tokens=4)(np.array([1, 3], "int32"))
    np.testing.assert_array_equal(to_np(single), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="count_weights"):
        layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")(IDS, count_weights=weights)


def test_category_encoding_errors():
    with pytest.raises(ValueError, match="num_tokens must be set"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding(num_tokens=0)
    with pytest.raises(ValueError, match="output_mode"):
        layers.CategoryEncoding(num_tokens=3, output_mode="tf_idf")


VALUES = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 2.0, 1.9, -0.1]], "float32")


@pytest.mark.parametrize("kwargs,shape", [
    ({"bin_boundaries": [0.0, 1.0, 2.0]}, (2, 4)),
    ({"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "one_hot"}, (2, 4, 4)),
    ({"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "multi_hot"}, (2, 4)),
    ({"bin_boundaries": [-1.0, 0.5, 2.0], "output_mode": "count"}, (2, 4)),
])
def test_discretization_parity(keras, kwargs, shape):
    layer, out = run_layer_test(layers.Discretization, kwargs, input_shape=VALUES.shape, input_data=VALUES,
                                expected_output_shape=shape, keras=keras)
    theirs = keras.layers.Discretization(**kwargs)(VALUES)
    assert str(to_np(out).dtype) == str(keras.ops.convert_to_numpy(theirs).dtype)


@pytest.mark.parametrize("num_bins,epsilon,batched", [(4, 0.01, False), (3, 0.1, False), (5, 0.01, True)])
def test_discretization_adapt_matches_keras(keras, num_bins, epsilon, batched):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(500, 1)).astype("float32")
    source = [data[i:i + 100] for i in range(0, 500, 100)] if batched else data
    ours = layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    theirs = keras.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    ours.adapt(source)
    # Keras's adapt() checks for tf.data first (needs TensorFlow): drive its summary steps directly.
    theirs.reset_state()
    for batch in (source if batched else [source]):
        theirs.update_state(batch)
    theirs.finalize_state()
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    np.testing.assert_array_equal(to_np(ours(data)), keras.ops.convert_to_numpy(theirs(data)))
    config = ours.get_config()
    assert config == theirs.get_config() | {"name": ours.name}
    clone = layers.Discretization.from_config(config)
    assert clone.bin_boundaries == ours.bin_boundaries
    np.testing.assert_array_equal(to_np(clone(data)), to_np(ours(data)))


def test_discretization_errors_and_symbolic():
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        layers.Discretization()
    with pytest.raises(ValueError, match="not both"):
        layers.Discretization(num_bins=3, bin_boundaries=[1.0])
    with pytest.raises(ValueError, match="cannot adapt"):
        layers.Discretization(bin_boundaries=[1.0]).adapt(VALUES)
    with pytest.raises(ValueError, match="adapt"):
        layers.Discretization(num_bins=3)(VALUES)
    sym = layers.Discretization(bin_boundaries=[0.0, 1.0])(lamina.KerasTensor((None, 4)))
    assert sym.shape == (None, 4) and sym.dtype == "int32"
    sym = layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot")(lamina.KerasTensor((None, 1)))
    assert sym.shape == (None, 3) and sym.dtype == "float32"


@requires_training
def test_discretization_and_category_encoding_train_in_a_model():
    # Both are plain backend ops: on jax the train step stays jitted.
    inp = lamina.Input(shape=(3,))
    x = layers.Discretization(bin_boundaries=[-0.5, 0.0, 0.5], output_mode="multi_hot")(inp)
    out = layers.Dense(1)(x)
    model = lamina.Model(inp, out)
    model.compile(optimizer="sgd", loss="mse")
    x_np = np.random.default_rng(1).normal(size=(16, 3)).astype("float32")
    history = model.fit(x_np, np.ones((16, 1), "float32"), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    if BACKEND == "jax":
        from lamina.backend.jax.trainer import _eager

        assert not _eager(model)


def test_adapted_discretization_saved_in_a_model(tmp_path):
    layer = layers.Discretization(num_bins=4)
    layer.adapt(np.arange(100, dtype="float32"))
    inp = lamina.Input(shape=(2,))
    model = lamina.Model(inp, layers.CategoryEncoding(num_tokens=4, output_mode="count")(layer(inp)))
    x = np.array([[3.0, 80.0], [40.0, 60.0]], "float32")
    path = str(tmp_path / "disc.keras")
    model.save(path)
    loaded = lamina.saving.load_model(path)
    assert loaded.layers[1].bin_boundaries == layer.bin_boundaries
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
