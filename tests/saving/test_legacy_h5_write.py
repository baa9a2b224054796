"""model.save("m.h5"): the legacy HDF5 format written in Keras 3's layout, read by Keras and by lamina."""

import json
import os

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training

h5py = pytest.importorskip("h5py")
BACKEND = lamina.config.backend()


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    for v in model.weights:
        shape = tuple(v.shape)
        if "moving_variance" in v.path:
            v.assign(rng.uniform(0.5, 2.0, shape).astype(v.dtype))
        else:
            v.assign((rng.standard_normal(shape) * 0.5).astype(v.dtype))


def _functional():
    image = lamina.Input((6, 6, 2), name="image")
    x = layers.Conv2D(3, 3, activation="relu", name="conv")(image)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    seq = lamina.Input((4, 3), name="seq")
    h = layers.LSTM(5, name="lstm")(seq)
    merged = layers.Concatenate(name="cat")([x, h])
    inner = lamina.Sequential([layers.Input((8,)), layers.Dense(4, activation="tanh", name="inner_dense")],
                              name="inner")
    out = layers.Dense(2, name="head")(inner(merged))
    model = lamina.Model([image, seq], out, name="legacy_model")
    _randomize(model)
    return model


def _inputs(batch=3, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((batch, 6, 6, 2)).astype("float32"),
            rng.standard_normal((batch, 4, 3)).astype("float32")]


def _np(x):
    return np.asarray(lamina.ops.convert_to_numpy(x))


def test_layout_matches_keras(tmp_path):
    model = _functional()
    path = tmp_path / "m.h5"
    with pytest.warns(UserWarning, match=r"legacy HDF5.*\.keras"):
        model.save(path)
    assert os.listdir(tmp_path) == ["m.h5"]
    with h5py.File(path, "r") as f:
        assert {"model_config", "keras_version", "backend"} <= set(f.attrs)
        assert "training_config" not in f.attrs  # never compiled
        assert f.attrs["backend"] == BACKEND
        g = f["model_weights"]
        names = [n.decode() for n in g.attrs["layer_names"]]
        assert names == [layer.name for layer in model.layers]
        assert [n.decode() for n in g["conv"].attrs["weight_names"]] == ["conv/kernel", "conv/bias"]
        # BatchNormalization: trainable first, then moving statistics (Keras's legacy order).
        assert [n.decode() for n in g["bn"].attrs["weight_names"]] == [
            "bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance"]
        np.testing.assert_array_equal(g["conv/conv/kernel"][()], _np(model.get_layer("conv").kernel))
        assert len(g["image"].attrs["weight_names"]) == 0
        assert len(g["top_level_model_weights"].attrs["weight_names"]) == 0


def test_lamina_reads_its_own_h5(tmp_path):
    model = _functional()
    path = tmp_path / "m.h5"
    with pytest.warns(UserWarning):
        lamina.saving.save_model(model, path)
    restored = lamina.models.load_model(path)
    x = _inputs()
    np.testing.assert_allclose(_np(restored(x)), _np(model(x)), atol=1e-6)
    assert [l.name for l in restored.layers] == [l.name for l in model.layers]


def test_keras_reads_lamina_h5(tmp_path, keras):
    model = _functional()
    path = tmp_path / "m.h5"
    with pytest.warns(UserWarning):
        model.save(path)
    restored = keras.models.load_model(path)
    x = _inputs()
    np.testing.assert_allclose(np.asarray(keras.ops.convert_to_numpy(restored(x))), _np(model(x)),
                               atol=1e-5, rtol=1e-5)


def test_keras_h5_and_lamina_h5_round_trip(tmp_path, keras):
    """Keras writes an .h5, lamina reads it and writes it back, Keras reads lamina's copy: same predictions."""
    inp = keras.Input((5,), name="x")
    h = keras.layers.Dense(4, activation="relu", name="d1")(inp)
    out = keras.layers.Dense(2, name="d2")(keras.layers.BatchNormalization(name="bn")(h))
    k_model = keras.Model(inp, out)
    x = np.random.default_rng(0).standard_normal((3, 5)).astype("float32")
    expected = np.asarray(keras.ops.convert_to_numpy(k_model(x)))
    k_model.save(tmp_path / "k.h5")
    ours = lamina.models.load_model(tmp_path / "k.h5")
    with pytest.warns(UserWarning):
        ours.save(tmp_path / "l.h5")
    back = keras.models.load_model(tmp_path / "l.h5")
    np.testing.assert_allclose(np.asarray(keras.ops.convert_to_numpy(back(x))), expected, atol=1e-5)


@requires_training
def test_compiled_model_keeps_training_config_and_optimizer_state(tmp_path, keras):
    inp = lamina.Input((4,), name="x")
    out = layers.Dense(2, name="d")(layers.Dense(3, activation="relu", name="h")(inp))
    model = lamina.Model(inp, out)
    # Loss and metric objects: Keras 3.15 itself cannot reload an .h5 whose compile config holds the string "mse".
    model.compile(optimizer=lamina.optimizers.Adam(learning_rate=0.01), loss=lamina.losses.MeanSquaredError(),
                  metrics=[lamina.metrics.MeanAbsoluteError()])
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 4)).astype("float32"), rng.standard_normal((8, 2)).astype("float32")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    path = tmp_path / "c.h5"
    with pytest.warns(UserWarning):
        model.save(path)
    with h5py.File(path, "r") as f:
        names = [n.decode() for n in f["optimizer_weights"].attrs["weight_names"]]
        training = json.loads(f.attrs["training_config"])
    assert names == [v.path for v in model.optimizer.variables]
    # Keras's legacy form: objects as {"class_name", "config"}, the optimizer apart in optimizer_config.
    assert training["loss"] == {"class_name": "MeanSquaredError",
                                "config": {"name": "mean_squared_error", "reduction": "sum_over_batch_size"}}
    assert training["metrics"][0]["class_name"] == "MeanAbsoluteError"
    assert training["optimizer_config"]["class_name"] == "Adam"
    assert training["optimizer_config"]["config"]["learning_rate"] == pytest.approx(0.01)

    restored = lamina.models.load_model(path)
    assert restored.compiled and type(restored.optimizer).__name__ == "Adam"
    assert float(_np(restored.optimizer.learning_rate)) == pytest.approx(0.01)
    for a, b in zip(restored.optimizer.variables, model.optimizer.variables):
        np.testing.assert_allclose(_np(a), _np(b))
    k_model = keras.models.load_model(path)
    assert int(keras.ops.convert_to_numpy(k_model.optimizer.iterations)) == 4
    for a, b in zip(k_model.optimizer.variables, model.optimizer.variables):
        np.testing.assert_allclose(np.asarray(keras.ops.convert_to_numpy(a)), _np(b), atol=1e-6)
    np.testing.assert_allclose(np.asarray(keras.ops.convert_to_numpy(k_model(x))), _np(model(x)), atol=1e-5)

    with pytest.warns(UserWarning):
        model.save(tmp_path / "no_opt.h5", include_optimizer=False)
    with h5py.File(tmp_path / "no_opt.h5", "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    assert not lamina.models.load_model(tmp_path / "no_opt.h5").compiled


def test_h5_save_is_atomic_and_checks_arguments(tmp_path):
    model = _functional()
    path = tmp_path / "m.h5"
    with pytest.warns(UserWarning):
        model.save(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save(path, overwrite=False)
    with pytest.raises(ValueError, match="unrecognized arguments"):
        model.save(path, bogus=True)
    assert path.read_bytes() == before
    unbuilt = lamina.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="not built"):
        unbuilt.save(tmp_path / "u.h5")
    assert sorted(os.listdir(tmp_path)) == ["m.h5"]
