"""Sharded weights (``.weights.json`` index + ``*_00000.weights.h5`` shards) both ways with real Keras 3."""

import json
import os
import warnings

import h5py
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import LaminaFileError
from lamina.saving.file_safety import UnsafeFileError
from tests.conftest import to_np

# 200 bytes per shard: the 4->8->BN->3 model below then needs 3 shards, and both the
# BatchNormalization and the last Dense have their variables split across two shards.
TINY_GB = 200 / 1024 ** 3
X = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")


def _weights():
    rng = np.random.default_rng(1)
    return [rng.normal(size=(4, 8)), rng.normal(size=(8,)),              # dense
            rng.normal(size=(8,)), rng.normal(size=(8,)),                # bn gamma, beta
            rng.normal(size=(8,)), rng.uniform(0.5, 2.0, size=(8,)),     # bn moving mean, variance
            rng.normal(size=(8, 3)), rng.normal(size=(3,))]              # dense_1


def _lamina_model():
    return lamina.Sequential([lamina.Input((4,)), layers.Dense(8, activation="relu"),
                              layers.BatchNormalization(), layers.Dense(3)])


def _keras_model(keras):
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.BatchNormalization(), keras.layers.Dense(3)])


def _set(model, weights):
    model.set_weights([w.astype("float32") for w in weights])


def _shards(folder, base="m"):
    return sorted(n for n in os.listdir(folder) if n.startswith(f"{base}_") and n.endswith(".weights.h5"))


def _index(path):
    with open(path) as f:
        return json.load(f)


def _assert_spans(index):
    spans = {k: v for k, v in index["weight_map"].items() if isinstance(v, list) and len(v) > 1}
    assert spans == {"/layers/batch_normalization/vars": ["m_00000.weights.h5", "m_00001.weights.h5"],
                     "/layers/dense_1/vars": ["m_00001.weights.h5", "m_00002.weights.h5"]}


def test_keras_writes_sharded_lamina_loads(keras, tmp_path):
    km = _keras_model(keras)
    _set(km, _weights())
    path = str(tmp_path / "m.weights.json")
    km.save_weights(path, max_shard_size=TINY_GB)
    assert _shards(tmp_path) == ["m_00000.weights.h5", "m_00001.weights.h5", "m_00002.weights.h5"]
    _assert_spans(_index(path))

    model = _lamina_model()
    model.load_weights(path)
    for got, want in zip(model.get_weights(), _weights()):
        np.testing.assert_allclose(to_np(got), want.astype("float32"), rtol=0, atol=0)
    np.testing.assert_allclose(to_np(model(X, training=False)), keras.ops.convert_to_numpy(km(X, training=False)),
                               rtol=1e-5, atol=1e-5)


def test_lamina_writes_sharded_keras_loads(keras, tmp_path):
    model = _lamina_model()
    _set(model, _weights())
    path = str(tmp_path / "m.weights.json")
    model.save_weights(path, max_shard_size=TINY_GB)
    ours = _index(path)
    _assert_spans(ours)

    # Keras writes the same index for the same model and limit.
    (tmp_path / "k").mkdir()
    km_ref = _keras_model(keras)
    _set(km_ref, _weights())
    km_ref.save_weights(str(tmp_path / "k" / "m.weights.json"), max_shard_size=TINY_GB)
    theirs = _index(str(tmp_path / "k" / "m.weights.json"))
    assert ours["weight_map"] == theirs["weight_map"]
    assert ours["metadata"]["total_size"] == theirs["metadata"]["total_size"]
    assert _shards(tmp_path) == _shards(tmp_path / "k")

    km = _keras_model(keras)
    km.load_weights(path)
    for got, want in zip(km.get_weights(), _weights()):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(got), want.astype("float32"), rtol=0, atol=0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(km(X, training=False)), to_np(model(X, training=False)),
                               rtol=1e-5, atol=1e-5)


def test_lamina_round_trip_with_optimizer_state(tmp_path):
    model = _lamina_model()
    _set(model, _weights())
    model.compile(optimizer=lamina.optimizers.Adam(1e-3), loss="mse")
    model.optimizer.build(model.trainable_variables)
    rng = np.random.default_rng(2)
    for v in model.optimizer.variables[2:]:
        v.assign(rng.normal(size=tuple(v.shape)).astype("float32"))
    path = str(tmp_path / "m.weights.json")
    model.save_weights(path, max_shard_size=TINY_GB)
    index = _index(path)
    assert "/optimizer/vars" in index["weight_map"]
    assert len(_shards(tmp_path)) > 3

    other = _lamina_model()
    other.compile(optimizer=lamina.optimizers.Adam(1e-3), loss="mse")
    other.load_weights(path)
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(to_np(a), to_np(b))
    assert len(other.optimizer.variables) == len(model.optimizer.variables)
    for a, b in zip(other.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(to_np(a), to_np(b))
    np.testing.assert_array_equal(to_np(other(X, training=False)), to_np(model(X, training=False)))

    # One shard is enough when the limit is large; every shard is a normal .weights.h5 file.
    one = str(tmp_path / "one.weights.json")
    model.save_weights(one, max_shard_size=1)
    assert _shards(tmp_path, "one") == ["one_00000.weights.h5"]
    names = {n for v in _index(one)["weight_map"].values() for n in (v if isinstance(v, list) else [v])}
    assert names == {"one_00000.weights.h5"}
    fresh = _lamina_model()
    fresh.load_weights(str(tmp_path / "one_00000.weights.h5"))
    np.testing.assert_array_equal(to_np(fresh(X, training=False)), to_np(model(X, training=False)))


def test_failed_or_refused_save_leaves_previous_files(tmp_path):
    model = _lamina_model()
    _set(model, _weights())
    path = str(tmp_path / "m.weights.json")
    model.save_weights(path, max_shard_size=TINY_GB)
    before = {n: (tmp_path / n).read_bytes() for n in os.listdir(tmp_path)}
    with pytest.raises(FileExistsError):
        model.save_weights(path, overwrite=False, max_shard_size=TINY_GB)
    # The 4x8 float32 kernel (128 bytes) cannot fit in a 100-byte shard.
    with pytest.raises(ValueError, match="max_shard_size"):
        model.save_weights(path, max_shard_size=100 / 1024 ** 3)
    assert {n: (tmp_path / n).read_bytes() for n in os.listdir(tmp_path)} == before


def _saved(folder):
    model = _lamina_model()
    _set(model, _weights())
    path = str(folder / "m.weights.json")
    model.save_weights(path, max_shard_size=TINY_GB)
    return path


@pytest.mark.parametrize("bad_name", ["../m_00002.weights.h5", "sub/m_00002.weights.h5", "ABS",
                                      "..", "C:evil.weights.h5", "a\\b.weights.h5"])
def test_hostile_shard_names_are_refused(tmp_path, bad_name):
    folder = tmp_path / "d"
    folder.mkdir()
    path = _saved(folder)
    # The files the hostile names point at exist, so only the name check can stop them.
    (folder / "sub").mkdir()
    for target in (tmp_path / "m_00002.weights.h5", folder / "sub" / "m_00002.weights.h5"):
        target.write_bytes((folder / "m_00002.weights.h5").read_bytes())
    if bad_name == "ABS":
        bad_name = str(folder / "m_00002.weights.h5")
    index = _index(path)
    index["weight_map"]["/layers/dense_1/vars"] = ["m_00001.weights.h5", bad_name]
    with open(path, "w") as f:
        json.dump(index, f)
    model = _lamina_model()
    before = [to_np(w).copy() for w in model.get_weights()]
    with pytest.raises(UnsafeFileError, match=r"m\.weights\.json: refusing shard file"):
        model.load_weights(path)
    # Refused before anything was loaded.
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(to_np(a), b)
    # The same index with the plain name loads.
    index["weight_map"]["/layers/dense_1/vars"] = ["m_00001.weights.h5", "m_00002.weights.h5"]
    with open(path, "w") as f:
        json.dump(index, f)
    model.load_weights(path)
    np.testing.assert_array_equal(to_np(model.get_weights()[-1]), _weights()[-1].astype("float32"))


def test_missing_shard_and_broken_index(tmp_path):
    path = _saved(tmp_path)
    os.remove(tmp_path / "m_00002.weights.h5")
    with pytest.raises(LaminaFileError, match="missing shard file 'm_00002.weights.h5'"):
        _lamina_model().load_weights(path)

    for text, message in [("{not json", "not valid JSON"), ('{"metadata": {}}', "weight_map"),
                          ('{"weight_map": {"/vars": 3}}', "non-empty strings"),
                          ('{"weight_map": {"/vars": ""}}', "non-empty strings"),
                          ('{"weight_map": {"/vars": []}}', "names no shard")]:
        with open(path, "w") as f:
            f.write(text)
        with pytest.raises(LaminaFileError, match=message):
            _lamina_model().load_weights(path)


def test_shard_that_is_not_hdf5_or_lacks_the_group(tmp_path):
    path = _saved(tmp_path)
    (tmp_path / "m_00001.weights.h5").write_bytes(b"not an hdf5 file")
    with pytest.raises(LaminaFileError, match="not a valid HDF5 file"):
        _lamina_model().load_weights(path)

    path = _saved(tmp_path)
    with h5py.File(tmp_path / "m_00002.weights.h5", "a") as f:
        del f["layers/dense_1"]
    with pytest.raises(LaminaFileError, match="no such group"):
        _lamina_model().load_weights(path)


def test_shard_soft_link_refused(tmp_path):
    path = _saved(tmp_path)
    with h5py.File(tmp_path / "m_00000.weights.h5", "a") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense/vars/1")
    with pytest.raises(LaminaFileError, match="SoftLink"):
        _lamina_model().load_weights(path)


def test_wrong_suffix_and_bad_shard_size(keras, tmp_path):
    model = _lamina_model()
    for name in ("m.h5", "m.json", "m.keras"):
        with pytest.raises(ValueError, match=r"must end in `\.weights\.json`"):
            model.save_weights(str(tmp_path / name), max_shard_size=1)
    with pytest.raises(ValueError):  # Keras refuses it too
        _keras_model(keras).save_weights(str(tmp_path / "m.h5"), max_shard_size=1)
    with pytest.raises(ValueError, match="positive"):
        model.save_weights(str(tmp_path / "m.weights.json"), max_shard_size=0)
    with pytest.raises(TypeError, match="max_shard_size"):
        model.save_weights(str(tmp_path / "m.weights.json"), max_shard_size="1")
    assert os.listdir(tmp_path) == []
    # Without max_shard_size a .weights.json target is an error, as in Keras.
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(str(tmp_path / "m.weights.json"))
    # As in Keras, a .weights.h5 name with max_shard_size is saved as .weights.json (with a warning).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.save_weights(str(tmp_path / "w.weights.h5"), max_shard_size=1)
    assert any(".weights.json" in str(w.message) for w in caught)
    assert sorted(os.listdir(tmp_path)) == ["w.weights.json", "w_00000.weights.h5"]
