"""model.export(): ONNX files that onnxruntime runs with lamina's predictions, and torch .pt2 programs.

On the jax and numpy backends the export runs through the torch backend in a
subprocess; the same tests prove it there (each export costs a subprocess, so
the models are few and each covers several layer families).
"""

import os
import warnings

import numpy as np
import pytest

import lamina
from lamina import layers

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
pytest.importorskip("onnxscript")
pytest.importorskip("torch")

BACKEND = lamina.config.backend()
# Off torch every export runs a torch subprocess (~10 s): there the multi-input model covers that path once
# (the bridge's format="torch" branch differs only in the torch function it calls).
torch_only = pytest.mark.skipif(BACKEND != "torch", reason="the subprocess export path is covered by "
                                "test_functional_multi_input_conv_rnn_attention_onnx_matches on this backend")


def _np(x):
    return np.asarray(lamina.ops.convert_to_numpy(x))


def _randomize(model, seed=0):
    """Non-trivial values for every variable (BatchNormalization's moving statistics included)."""
    rng = np.random.default_rng(seed)
    for v in model.variables:
        shape = tuple(v.shape)
        if "moving_variance" in v.path:
            v.assign(rng.uniform(0.5, 2.0, shape).astype(v.dtype))
        else:
            v.assign((rng.standard_normal(shape) * 0.3).astype(v.dtype))


def _run_onnx(path, inputs):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    assert len(names) == len(inputs)
    return session, session.run(None, dict(zip(names, inputs)))


def _mlp():
    model = lamina.Sequential([layers.Input((6,), name="features"), layers.Dense(16, activation="relu"),
                               layers.Dropout(0.5), layers.Dense(3, activation="softmax")], name="mlp")
    _randomize(model)
    return model


def _mixed():
    """Two inputs, two outputs: convolution, pooling, normalization, recurrent and attention layers."""
    image = layers.Input((8, 8, 3), name="image")
    x = layers.Conv2D(4, 3, activation="relu")(image)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(5, 2, padding="same")(x)
    x = layers.AveragePooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    seq = layers.Input((5, 6), name="seq")
    h = layers.LSTM(8, return_sequences=True)(seq)
    a = layers.MultiHeadAttention(num_heads=2, key_dim=4)(h, h)
    h = layers.LayerNormalization()(layers.Add()([h, a]))
    h = layers.GRU(7)(h)
    merged = layers.Concatenate()([x, h])
    out_a = layers.Dense(3, activation="softmax", name="probs")(merged)
    out_b = layers.Dense(1, name="score")(layers.Dropout(0.3)(merged))
    model = lamina.Model([image, seq], [out_a, out_b], name="mixed")
    _randomize(model, seed=1)
    return model


def _mixed_inputs(batch, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((batch, 8, 8, 3)).astype("float32"),
            rng.standard_normal((batch, 5, 6)).astype("float32")]


@torch_only
def test_sequential_mlp_onnx_matches_and_batch_is_dynamic(tmp_path, capsys):
    model = _mlp()
    path = str(tmp_path / "mlp.onnx")
    model.export(path, format="onnx")
    assert f"Saved artifact at '{path}'" in capsys.readouterr().out
    for batch in (1, 5):
        x = np.random.default_rng(batch).standard_normal((batch, 6)).astype("float32")
        session, (out,) = _run_onnx(path, [x])
        np.testing.assert_allclose(out, _np(model(x, training=False)), atol=1e-5, rtol=1e-5)
    assert session.get_inputs()[0].name == "features"
    assert session.get_inputs()[0].shape[0] == "batch"  # the batch dim is symbolic
    assert session.get_outputs()[0].shape == ["batch", 3]
    assert session.get_inputs()[0].shape[1] == 6
    assert [f for f in os.listdir(tmp_path)] == ["mlp.onnx"]  # no temporary file left behind


def test_functional_multi_input_conv_rnn_attention_onnx_matches(tmp_path):
    model = _mixed()
    path = str(tmp_path / "mixed.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "dimension fixed" warning: every batch size works
        model.export(path, format="onnx", verbose=False)
    # Off torch, eager calls of this model are slow (jax compiles per shape): one batch size there.
    for batch, seed in ((2, 0), (4, 1)) if BACKEND == "torch" else ((4, 1),):
        inputs = _mixed_inputs(batch, seed)
        session, outs = _run_onnx(path, inputs)
        expected = model(inputs, training=False)
        assert len(outs) == 2
        for got, want in zip(outs, expected):
            assert got.shape == (batch, _np(want).shape[1])
            np.testing.assert_allclose(got, _np(want), atol=1e-5, rtol=1e-5)
    assert [i.name for i in session.get_inputs()] == ["image", "seq"]
    assert [i.shape for i in session.get_inputs()] == [["batch", 8, 8, 3], ["batch", 5, 6]]
    assert [o.name for o in session.get_outputs()] == ["probs", "score"]


@torch_only
def test_torch_format_pt2_loads_with_torch_export_and_matches(tmp_path):
    import torch

    model = _mlp()
    path = str(tmp_path / "mlp.pt2")
    model.export(path, format="torch", verbose=False)
    program = torch.export.load(path)
    for batch in (2, 7):
        x = np.random.default_rng(batch).standard_normal((batch, 6)).astype("float32")
        (out,) = program.module()(torch.from_numpy(x))
        np.testing.assert_allclose(out.detach().numpy(), _np(model(x, training=False)), atol=1e-5, rtol=1e-5)


@pytest.mark.skipif(BACKEND != "torch", reason="a subclassed model is exported in-process only on torch")
def test_subclassed_model_with_input_signature(tmp_path):
    class Scaled(lamina.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x) * 2.0

    model = Scaled()
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    expected = _np(model(x))
    with pytest.raises(ValueError, match="has no known inputs.*input_signature"):
        model.export(str(tmp_path / "s.onnx"), format="onnx", verbose=False)
    model.export(str(tmp_path / "s.onnx"), format="onnx", verbose=False,
                 input_signature=[lamina.InputSpec(shape=(None, 4), dtype="float32")])
    _, (out,) = _run_onnx(str(tmp_path / "s.onnx"), [x])
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("fmt,match", [
    ("tf_saved_model", "needs TensorFlow.*format='onnx'"),
    ("litert", "needs TensorFlow"),
    ("savedmodel", "unrecognized format='savedmodel'.*'onnx', 'torch'"),
])
def test_bad_format_is_a_clear_error(tmp_path, fmt, match):
    with pytest.raises(ValueError, match=match):
        _mlp().export(str(tmp_path / "m.out"), format=fmt)
    assert os.listdir(tmp_path) == []


def test_bad_arguments_are_clear_errors(tmp_path):
    model = _mlp()
    with pytest.raises(ValueError, match=r"must end with '\.pt2'"):
        model.export(str(tmp_path / "m.onnx"), format="torch")
    with pytest.raises(ValueError, match=r"unrecognized arguments \['bogus'\]"):
        model.export(str(tmp_path / "m.onnx"), format="onnx", bogus=1)
    with pytest.raises(ValueError, match="does not exist"):
        model.export(str(tmp_path / "nowhere" / "m.onnx"), format="onnx")
    unbuilt = lamina.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="never been built"):
        unbuilt.export(str(tmp_path / "u.onnx"), format="onnx")
    with pytest.raises(TypeError, match="input_signature entries"):
        model.export(str(tmp_path / "m.onnx"), format="onnx", input_signature=["x"])
    assert os.listdir(tmp_path) == []
