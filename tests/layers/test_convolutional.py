"""Convolution layers against real Keras 3 (same weights -> same outputs, same config), NumPy references,
LoRA, Keras-written fixtures and clear errors."""

import json
from pathlib import Path

import numpy as np
import pytest

import lamina
from lamina.layers import convolutional as conv
from tests.conftest import assert_close, requires_training, to_np
from tests.layers.layer_test_utils import run_layer_test

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "keras3"

CF = "channels_first"

# (class, constructor kwargs, input shape)
CASES = [
    ("Conv1D", dict(filters=4, kernel_size=3), (2, 9, 3)),
    ("Conv1D", dict(filters=4, kernel_size=3, strides=2, padding="same", activation="relu"), (2, 9, 3)),
    ("Conv1D", dict(filters=5, kernel_size=3, padding="causal", dilation_rate=2), (2, 10, 3)),
    ("Conv1D", dict(filters=4, kernel_size=2, padding="causal", data_format=CF), (2, 3, 7)),
    ("Conv1D", dict(filters=6, kernel_size=3, groups=2, use_bias=False), (2, 8, 4)),
    ("Conv1D", dict(filters=4, kernel_size=3, dilation_rate=2, data_format=CF, padding="same"), (2, 3, 9)),
    ("Conv2D", dict(filters=4, kernel_size=3), (2, 7, 8, 3)),
    ("Conv2D", dict(filters=4, kernel_size=(3, 2), strides=(2, 1), padding="same", activation="tanh"), (2, 9, 8, 3)),
    ("Conv2D", dict(filters=4, kernel_size=3, dilation_rate=(2, 1)), (2, 9, 8, 3)),
    ("Conv2D", dict(filters=6, kernel_size=3, groups=3, padding="same"), (2, 6, 6, 6)),
    ("Conv2D", dict(filters=4, kernel_size=3, strides=2, data_format=CF), (2, 3, 9, 8)),
    ("Conv2D", dict(filters=4, kernel_size=3, groups=2, dilation_rate=2, data_format=CF, padding="same"),
     (2, 4, 8, 8)),
    ("Conv3D", dict(filters=3, kernel_size=2), (1, 4, 5, 4, 2)),
    ("Conv3D", dict(filters=4, kernel_size=3, strides=2, padding="same", groups=2), (1, 5, 6, 5, 4)),
    ("Conv3D", dict(filters=3, kernel_size=(2, 3, 2), data_format=CF, dilation_rate=(1, 2, 1)), (1, 2, 4, 6, 4)),
    ("Conv1DTranspose", dict(filters=4, kernel_size=3, strides=2), (2, 5, 3)),
    ("Conv1DTranspose", dict(filters=4, kernel_size=3, strides=2, padding="same", output_padding=1), (2, 5, 3)),
    ("Conv1DTranspose", dict(filters=3, kernel_size=3, dilation_rate=2, data_format=CF), (2, 3, 5)),
    ("Conv1DTranspose", dict(filters=3, kernel_size=2, strides=3), (2, 4, 2)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=3), (2, 5, 4, 3)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=3, strides=2, padding="same", activation="relu"), (2, 5, 4, 3)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=(3, 2), strides=(2, 3), output_padding=(1, 2)), (2, 4, 4, 3)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=4, strides=2, padding="same", output_padding=0, data_format=CF),
     (2, 3, 4, 5)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"), (2, 5, 5, 3)),
    ("Conv3DTranspose", dict(filters=2, kernel_size=2, strides=2), (1, 3, 2, 3, 2)),
    ("Conv3DTranspose", dict(filters=3, kernel_size=3, strides=(1, 2, 2), padding="same", data_format=CF),
     (1, 2, 3, 3, 4)),
    ("DepthwiseConv1D", dict(kernel_size=3), (2, 9, 3)),
    ("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2, strides=2, padding="same", data_format=CF),
     (2, 3, 9)),
    ("DepthwiseConv1D", dict(kernel_size=2, dilation_rate=3, activation="relu"), (2, 9, 3)),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2), (2, 7, 6, 3)),
    ("DepthwiseConv2D", dict(kernel_size=(3, 2), strides=2, padding="same", use_bias=False), (2, 7, 6, 3)),
    ("DepthwiseConv2D", dict(kernel_size=3, dilation_rate=2, depth_multiplier=3, data_format=CF), (2, 2, 7, 7)),
    ("SeparableConv1D", dict(filters=4, kernel_size=3), (2, 9, 3)),
    ("SeparableConv1D", dict(filters=5, kernel_size=3, depth_multiplier=2, strides=2, padding="same"), (2, 9, 3)),
    ("SeparableConv1D", dict(filters=4, kernel_size=3, dilation_rate=2, data_format=CF), (2, 3, 9)),
    ("SeparableConv2D", dict(filters=4, kernel_size=3), (2, 7, 6, 3)),
    ("SeparableConv2D", dict(filters=4, kernel_size=3, depth_multiplier=2, strides=(2, 1), padding="same",
                             activation="relu"), (2, 7, 6, 3)),
    ("SeparableConv2D", dict(filters=3, kernel_size=2, dilation_rate=2, data_format=CF, use_bias=False),
     (2, 3, 6, 6)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras(keras, name, kwargs, shape):
    layer, _ = run_layer_test(getattr(conv, name), kwargs, shape, keras=keras, atol=2e-5, rtol=2e-5)
    theirs = getattr(keras.layers, name)(**kwargs)
    theirs.build(shape)
    assert [w.name for w in layer.weights] == [w.name for w in theirs.weights]


def _np_conv1d(x, kernel, bias, stride=1, dilation=1, pad=(0, 0)):
    """Reference cross-correlation of (batch, steps, in) with (k, in, out)."""
    x = np.pad(x, [(0, 0), pad, (0, 0)])
    k = kernel.shape[0]
    eff = (k - 1) * dilation + 1
    steps = (x.shape[1] - eff) // stride + 1
    out = np.zeros((x.shape[0], steps, kernel.shape[-1]), "float64")
    for t in range(steps):
        window = x[:, t * stride: t * stride + eff: dilation, :]
        out[:, t] = np.einsum("bki,kio->bo", window, kernel)
    return out + bias


def test_conv1d_causal_matches_numpy_and_sees_only_the_past():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 8, 3)).astype("float32")
    layer = conv.Conv1D(4, 3, padding="causal", dilation_rate=2, bias_initializer="ones")
    y = to_np(layer(x))
    kernel, bias = layer.get_weights()
    assert_close(y, _np_conv1d(x, kernel, bias, dilation=2, pad=(4, 0)), atol=1e-5)
    # Changing a future step leaves earlier outputs unchanged.
    x2 = x.copy()
    x2[:, 5] += 10.0
    y2 = to_np(layer(x2))
    np.testing.assert_array_equal(y[:, :5], y2[:, :5])
    assert not np.allclose(y[:, 5:], y2[:, 5:])


def test_conv1d_groups_are_independent_convolutions():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 7, 4)).astype("float32")
    layer = conv.Conv1D(6, 3, groups=2)
    y = to_np(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 2, 6)
    ref = np.concatenate([_np_conv1d(x[..., :2], kernel[..., :3], bias[:3]),
                          _np_conv1d(x[..., 2:], kernel[..., 3:], bias[3:])], axis=-1)
    assert_close(y, ref, atol=1e-5)


def test_channels_first_equals_transposed_channels_last():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 7, 6, 3)).astype("float32")
    last = conv.Conv2D(4, 3, strides=2, padding="same")
    first = conv.Conv2D(4, 3, strides=2, padding="same", data_format=CF)
    y_last = to_np(last(x))
    first.build((None, 3, 7, 6))
    first.set_weights(last.get_weights())
    y_first = to_np(first(np.transpose(x, (0, 3, 1, 2))))
    assert_close(np.transpose(y_first, (0, 2, 3, 1)), y_last, atol=1e-5)


@pytest.mark.parametrize("name,kwargs,in_shape,out_shape", [
    ("Conv2D", dict(filters=4, kernel_size=3, strides=2, padding="same"), (None, None, 9, 3), (None, None, 5, 4)),
    ("Conv1D", dict(filters=4, kernel_size=3, padding="causal"), (None, None, 3), (None, None, 4)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2), (None, 4, None, 3), (None, 9, None, 2)),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2, data_format=CF), (None, 3, None, 8),
     (None, 6, None, 6)),
    ("SeparableConv1D", dict(filters=5, kernel_size=3), (None, 10, 2), (None, 8, 5)),
])
def test_symbolic_shapes_with_unknown_dims(name, kwargs, in_shape, out_shape):
    y = getattr(conv, name)(**kwargs)(lamina.KerasTensor(in_shape))
    assert y.shape == out_shape
    assert y.dtype == "float32"


def test_weight_shapes_and_order():
    c = conv.Conv2D(8, (3, 2), groups=2)
    c.build((None, 5, 5, 4))
    assert [(w.name, w.shape) for w in c.weights] == [("kernel", (3, 2, 2, 8)), ("bias", (8,))]
    t = conv.Conv2DTranspose(5, 3)
    t.build((None, 5, 5, 4))
    assert [(w.name, w.shape) for w in t.weights] == [("kernel", (3, 3, 5, 4)), ("bias", (5,))]
    d = conv.DepthwiseConv1D(3, depth_multiplier=2)
    d.build((None, 6, 4))
    assert [(w.name, w.shape) for w in d.weights] == [("kernel", (3, 4, 2)), ("bias", (8,))]
    s = conv.SeparableConv2D(7, 3, depth_multiplier=2, use_bias=False)
    s.build((None, 8, 8, 3))
    assert [(w.name, w.shape) for w in s.weights] == [("depthwise_kernel", (3, 3, 3, 2)),
                                                       ("pointwise_kernel", (1, 1, 6, 7))]


def test_aliases_are_the_same_classes_and_deserialize():
    assert conv.Convolution1D is conv.Conv1D and conv.Convolution2D is conv.Conv2D
    assert conv.Convolution3D is conv.Conv3D and conv.Convolution2DTranspose is conv.Conv2DTranspose
    assert conv.Convolution1DTranspose is conv.Conv1DTranspose
    assert conv.Convolution3DTranspose is conv.Conv3DTranspose
    assert conv.SeparableConvolution1D is conv.SeparableConv1D
    assert conv.SeparableConvolution2D is conv.SeparableConv2D
    layer = lamina.layers.deserialize({"class_name": "Convolution2D", "config": {"filters": 3, "kernel_size": 2}})
    assert type(layer) is conv.Conv2D and layer.kernel_size == (2, 2)


def test_from_keras_written_config():
    """Configs as Keras writes them (lists, serialized initializers) rebuild the same layer."""
    path = FIXTURES / "depthwise_separable.config.json"
    if not path.exists():
        pytest.skip(f"fixture {path} not found")
    layers_cfg = {l["class_name"]: l["config"] for l in json.loads(path.read_text())["config"]["layers"]}
    for name in ("DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "Conv2D"):
        cfg = layers_cfg[name]
        layer = getattr(conv, name).from_config(cfg)
        assert json.loads(json.dumps(layer.get_config())) == cfg


# ---------------------------------------------------------------------- LoRA
def test_lora_matches_keras_and_freezes_kernel(keras):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 6, 6, 3)).astype("float32")
    ours = conv.Conv2D(4, 3, lora_rank=2)
    theirs = keras.layers.Conv2D(4, 3, lora_rank=2)
    ours(x), theirs(x)
    assert [(w.name, tuple(w.shape)) for w in ours.weights] == [(w.name, tuple(w.shape)) for w in theirs.weights]
    assert [w.name for w in ours.trainable_weights] == ["bias", "lora_kernel_a", "lora_kernel_b"]
    weights = [w.astype("float32") for w in ours.get_weights()]
    weights[3] = rng.normal(size=weights[3].shape).astype("float32")  # a non-zero delta
    ours.set_weights(weights)
    theirs.set_weights(weights)
    assert_close(ours(x), keras.ops.convert_to_numpy(theirs(x)), atol=1e-5)
    expected_kernel = weights[0] + (2 / 2) * np.einsum("hwir,ro->hwio", weights[2], weights[3])
    assert_close(ours.kernel, expected_kernel, atol=1e-5)
    assert ours.get_config()["lora_rank"] == 2 and ours.get_config()["lora_alpha"] == 2
    # Saving merges the delta into the kernel, as Keras does.
    store = {}
    ours.save_own_variables(store)
    assert_close(store["0"], expected_kernel, atol=1e-5)


@requires_training
def test_lora_training_updates_only_the_low_rank_factors():
    layer = conv.Conv1D(3, 2, lora_rank=1)
    inputs = lamina.Input((5, 2))
    model = lamina.Model(inputs, lamina.ops.mean(lamina.ops.square(layer(inputs) - 1.0)))
    model.compile(optimizer=lamina.optimizers.SGD(0.1), loss=lambda y_true, y_pred: y_pred)
    before = [w.copy() for w in layer.get_weights()]
    model.train_on_batch(np.ones((2, 5, 2), "float32"), np.zeros((2,), "float32"))
    after = layer.get_weights()
    np.testing.assert_array_equal(before[0], after[0])  # frozen kernel
    assert not np.array_equal(before[1], after[1])  # bias
    assert not np.array_equal(before[3], after[3])  # lora_kernel_b (a gets no gradient while b is zero)


def test_enable_lora_errors():
    layer = conv.Conv2D(2, 2)
    with pytest.raises(ValueError, match="build the layer before enabling LoRA"):
        layer.enable_lora(2)
    layer.build((None, 4, 4, 1))
    layer.enable_lora(1)
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(1)
    constrained = conv.Conv1D(2, 2, kernel_constraint="non_neg")
    constrained.build((None, 4, 1))
    with pytest.raises(ValueError, match="kernel_constraint"):
        constrained.enable_lora(1)


# ---------------------------------------------------------------------- Keras-written fixture
def test_conv1d_timeseries_fixture_predictions():
    """Rebuild the Keras-written conv1d_timeseries model from lamina layers and its weights file."""
    h5py = pytest.importorskip("h5py")
    from lamina.layers import pooling

    if not (FIXTURES / "conv1d_timeseries.weights.h5").exists():
        pytest.skip("fixture conv1d_timeseries not found")
    data = np.load(FIXTURES / "conv1d_timeseries.npz")
    inputs = lamina.Input((32, 3))
    c0 = conv.Conv1D(8, 5, padding="causal", dilation_rate=2, activation="relu", name="conv1d")
    c1 = conv.Conv1D(16, 3, strides=2, padding="same", activation="relu", name="conv1d_1")
    c2 = conv.Conv1D(16, 3, activation="elu", name="conv1d_2")
    head = lamina.layers.Dense(2, name="forecast")
    x = c1(pooling.MaxPooling1D(2)(c0(inputs)))
    x = c2(pooling.AveragePooling1D(2)(x))
    model = lamina.Model(inputs, head(pooling.GlobalAveragePooling1D()(x)))
    with h5py.File(FIXTURES / "conv1d_timeseries.weights.h5", "r") as f:
        # The weights file names layers by class (conv1d, conv1d_1, ..., dense), not by layer name.
        for key, layer in (("conv1d", c0), ("conv1d_1", c1), ("conv1d_2", c2), ("dense", head)):
            group = f["layers"][key]["vars"]
            layer.set_weights([group[str(i)][()] for i in range(len(group))])
    assert_close(model(data["x"]), data["y"], atol=1e-5, rtol=1e-5)


# ---------------------------------------------------------------------- errors
def test_wrong_rank_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r'Conv2D layer "c2".*rank 4.*\(5, 5, 2\)'):
        conv.Conv2D(4, 3, name="c2")(np.ones((5, 5, 2), "float32"))
    with pytest.raises(ValueError, match=r"Conv1D.*rank 3.*rank 4"):
        conv.Conv1D(4, 3)(lamina.KerasTensor((None, 5, 5, 2)))
    with pytest.raises(ValueError, match=r"SeparableConv2D.*rank 4"):
        conv.SeparableConv2D(4, 3)(np.ones((2, 5, 5, 5, 2), "float32"))


def test_channels_not_divisible_by_groups():
    with pytest.raises(ValueError, match=r'Conv2D layer "g".*divisible by `groups`.*groups=2.*5 channels'):
        conv.Conv2D(4, 3, groups=2, name="g")(np.ones((1, 5, 5, 5), "float32"))
    with pytest.raises(ValueError, match=r"`filters` must be divisible by `groups`.*filters=4, groups=3"):
        conv.Conv2D(4, 3, groups=3)


def test_kernel_larger_than_input_with_valid_padding_is_an_error():
    with pytest.raises(ValueError, match=r'Conv2D layer "big".*output would be empty.*window of 5.*size 3'):
        conv.Conv2D(4, 5, name="big")(np.ones((1, 3, 3, 2), "float32"))
    with pytest.raises(ValueError, match=r"DepthwiseConv1D.*output would be empty.*dilated to 5"):
        conv.DepthwiseConv1D(3, dilation_rate=2)(lamina.KerasTensor((None, 4, 2)))
    # "same" padding keeps such inputs legal.
    assert conv.Conv2D(4, 5, padding="same")(np.ones((1, 3, 3, 2), "float32")).shape == (1, 3, 3, 4)


def test_argument_errors():
    with pytest.raises(ValueError, match=r"Conv2D.*`strides > 1`.*`dilation_rate > 1`"):
        conv.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"Conv2DTranspose.*`strides > 1`.*`dilation_rate > 1`"):
        conv.Conv2DTranspose(4, 3, strides=(2, 1), dilation_rate=(1, 2))
    with pytest.raises(ValueError, match=r"Conv2D.*`padding` must be one of \['valid', 'same'\].*causal"):
        conv.Conv2D(4, 3, padding="causal")
    with pytest.raises(ValueError, match=r"SeparableConv1D.*`padding`.*causal"):
        conv.SeparableConv1D(4, 3, padding="causal")
    with pytest.raises(ValueError, match=r"Conv2DTranspose.*`output_padding` must be smaller.*stride is 2"):
        conv.Conv2DTranspose(4, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r"Conv3D.*`kernel_size` must be an int or a tuple of 3 ints"):
        conv.Conv3D(4, (3, 3))
    with pytest.raises(ValueError, match=r"Conv1D.*`kernel_size`.*positive"):
        conv.Conv1D(4, 0)
    with pytest.raises(ValueError, match=r"Conv2D.*`filters` must be a strictly positive integer.*-1"):
        conv.Conv2D(-1, 3)
    with pytest.raises(ValueError, match=r"DepthwiseConv2D.*`depth_multiplier`.*0"):
        conv.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match=r"Conv2D.*`data_format`.*'channels_middle'"):
        conv.Conv2D(4, 3, data_format="channels_middle")


def test_wrong_channels_after_build():
    layer = conv.Conv2D(2, 3, name="c")
    layer(np.ones((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r'layer "c".*axis -1.*value 3.*\(1, 5, 5, 4\)'):
        layer(np.ones((1, 5, 5, 4), "float32"))


def test_unknown_channels_is_an_error():
    with pytest.raises(ValueError, match=r"Conv1D.*channel dimension.*must be defined"):
        conv.Conv1D(2, 3)(lamina.KerasTensor((None, 5, None)))
