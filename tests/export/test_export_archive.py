"""lamina.export.ExportArchive: several endpoints, one ONNX / .pt2 file each (torch backend)."""

import os

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.export import ExportArchive

BACKEND = lamina.config.backend()
on_torch = pytest.mark.skipif(BACKEND != "torch", reason="ExportArchive traces its endpoints with torch")


def _model():
    inputs = lamina.Input((4,), name="x")
    hidden = layers.Dense(5, activation="relu", name="hidden")(inputs)
    outputs = layers.Dense(2, name="out")(layers.Dropout(0.5)(hidden))
    model = lamina.Model(inputs, outputs)
    rng = np.random.default_rng(0)
    for v in model.weights:
        v.assign(rng.standard_normal(tuple(v.shape)).astype("float32"))
    return model


def _np(x):
    return np.asarray(lamina.ops.convert_to_numpy(x))


@on_torch
def test_two_endpoints_as_onnx_files(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = _model()
    hidden = model.get_layer("hidden")
    archive = ExportArchive()
    archive.track(model)
    spec = [lamina.InputSpec(shape=(None, 4), dtype="float32")]
    archive.add_endpoint("serve", lambda x: model(x, training=False), input_signature=spec)
    archive.add_endpoint("embed", lambda x: hidden(x), input_signature=spec)
    assert [id(v) for v in archive.variables] == [id(v) for v in model.variables]
    written = archive.write_out(str(tmp_path / "exported"), format="onnx", verbose=False)
    assert sorted(os.listdir(tmp_path / "exported")) == ["embed.onnx", "serve.onnx"]
    assert [os.path.basename(w) for w in written] == ["serve.onnx", "embed.onnx"]
    for batch in (1, 6):
        x = np.random.default_rng(batch).standard_normal((batch, 4)).astype("float32")
        for name, expected in (("serve", model(x, training=False)), ("embed", hidden(x))):
            session = ort.InferenceSession(str(tmp_path / "exported" / f"{name}.onnx"),
                                           providers=["CPUExecutionProvider"])
            (out,) = session.run(None, {session.get_inputs()[0].name: x})
            np.testing.assert_allclose(out, _np(expected), atol=1e-5, rtol=1e-5)


@on_torch
def test_track_and_add_endpoint_as_pt2(tmp_path):
    import torch

    model = _model()
    archive = ExportArchive()
    archive.track_and_add_endpoint("serve", model, [lamina.InputSpec(shape=(None, 4), dtype="float32")])
    archive.write_out(str(tmp_path / "pt"), format="torch", verbose=False)
    program = torch.export.load(str(tmp_path / "pt" / "serve.pt2"))
    x = np.random.default_rng(3).standard_normal((3, 4)).astype("float32")
    (out,) = program.module()(torch.from_numpy(x))
    np.testing.assert_allclose(out.detach().numpy(), _np(model(x, training=False)), atol=1e-5)


def test_errors_are_clear(tmp_path):
    model = _model()
    archive = ExportArchive()
    with pytest.raises(ValueError, match="no endpoint"):
        archive.write_out(str(tmp_path / "a"))
    with pytest.raises(ValueError, match="not built"):
        archive.track(lamina.Sequential([layers.Dense(2)]))
    with pytest.raises(ValueError, match="expected a lamina Layer"):
        archive.track(object())
    spec = [lamina.InputSpec(shape=(None, 4), dtype="float32")]
    with pytest.raises(ValueError, match="input_signature is required"):
        archive.add_endpoint("serve", model)
    with pytest.raises(ValueError, match="Python identifier"):
        archive.add_endpoint("bad name", model, spec)
    archive.add_endpoint("serve", model, spec)
    with pytest.raises(ValueError, match="already exists"):
        archive.add_endpoint("serve", model, spec)
    with pytest.raises(ValueError, match="needs TensorFlow"):
        archive.write_out(str(tmp_path / "a"), format="tf_saved_model")
    with pytest.raises(NotImplementedError, match="variable collections"):
        archive.add_variable_collection("opt", model.weights)
    if BACKEND != "torch":
        with pytest.raises(RuntimeError, match="LAMINA_BACKEND=torch.*model.export"):
            archive.write_out(str(tmp_path / "a"))
    assert not os.path.exists(tmp_path / "a")
