"""Functional graphs that call ops directly (``inputs + x``, ``ops.sum(x, axis=1)``, ``x[:, 0]``) save and load
in Keras 3's form both ways, and a file can name only lamina's own symbolic ops that way."""

import json
import zipfile

import numpy as np
import pytest

import lamina
from lamina.saving.file_safety import LaminaFileError

DATA = np.random.default_rng(0).random((2, 4, 3)).astype("float32")


def _np(x):
    return np.asarray(lamina.ops.convert_to_numpy(x), dtype="float32")


def _keras_graph(keras):
    i = keras.Input((4, 3))
    x = keras.ops.sum(i + 3.0, axis=1, keepdims=True)
    w = keras.ops.cast(x, "float16")[:, 0]
    v = keras.ops.concatenate([i, keras.layers.Dense(3)(i) * (1.0 / 6.0)], axis=-1)
    return keras.Model(i, [w, v])


def test_keras_written_op_nodes_load_and_save_back(keras, tmp_path):
    reference = _keras_graph(keras)
    path, back = str(tmp_path / "k.keras"), str(tmp_path / "l.keras")
    reference.save(path)
    expected = [np.asarray(keras.ops.convert_to_numpy(o), dtype="float32") for o in reference(DATA)]
    model = lamina.models.load_model(path)
    assert [op.name for op in model.operations] == [op.name for op in reference.operations]
    for got, want in zip(model.predict(DATA, verbose=0), expected):
        np.testing.assert_allclose(_np(got), want, atol=1e-3)
    model.save(back)
    again = keras.models.load_model(back)
    for got, want in zip(again(DATA), expected):
        np.testing.assert_allclose(np.asarray(keras.ops.convert_to_numpy(got), "float32"), want, atol=1e-3)


def test_lamina_graph_with_ops_round_trips_through_keras(keras, tmp_path):
    i = lamina.Input((4, 3))
    total = lamina.ops.sum(i + 3.0, 1, keepdims=True)  # a constant parameter given positionally
    mixed = lamina.ops.concatenate([i, lamina.layers.Dense(3)(i) * 0.5], axis=-1)[:, 1:, ...]
    model = lamina.Model(i, [total, mixed])
    expected = [_np(o) for o in model.predict(DATA, verbose=0)]
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        entries = {e["name"]: e for e in json.loads(zf.read("config.json"))["config"]["layers"]}
    assert entries["sum"]["class_name"] == "Sum" and entries["sum"]["config"]["axis"] == 1
    for got, want in zip(lamina.models.load_model(path).predict(DATA, verbose=0), expected):
        np.testing.assert_allclose(_np(got), want, atol=1e-6)
    for got, want in zip(keras.models.load_model(path)(DATA), expected):
        np.testing.assert_allclose(np.asarray(keras.ops.convert_to_numpy(got), "float32"), want, atol=1e-5)


@pytest.mark.parametrize("module,class_name", [
    ("keras.src.ops.os", "System"),            # not an op family
    ("keras.src.ops.numpy", "ExportFunctions"),  # a name in the module that is not a symbolic op
    ("keras.src.ops.core", "ConvertToNumpy"),  # a function, but not one a graph records
    ("keras.src.ops.numpy", "__Import__"),
])
def test_op_entries_can_name_only_lamina_symbolic_ops(module, class_name):
    config = {"name": "m", "layers": [
        {"module": "keras.src.layers", "class_name": "InputLayer", "name": "input_layer",
         "config": {"batch_shape": [None, 3], "dtype": "float32", "name": "input_layer"}, "inbound_nodes": []},
        {"module": module, "class_name": class_name, "name": "evil", "config": {"name": "evil"},
         "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {
             "shape": [None, 3], "dtype": "float32", "keras_history": ["input_layer", 0, 0]}}], "kwargs": {}}]},
    ], "input_layers": [["input_layer", 0, 0]], "output_layers": [["evil", 0, 0]]}
    with pytest.raises(LaminaFileError, match="op"):
        lamina.Model.from_config(config)
