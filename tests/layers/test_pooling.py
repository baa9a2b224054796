"""Pooling layers against real Keras 3 (values, shapes, configs), NumPy references, masks and clear errors."""

import numpy as np
import pytest

import lamina
from lamina.layers import pooling
from tests.conftest import assert_close, to_np
from tests.layers.layer_test_utils import BACKEND, run_layer_test

CF = "channels_first"

# (class, constructor kwargs, input shape)
CASES = [
    ("MaxPooling1D", {}, (2, 7, 3)),
    ("MaxPooling1D", dict(pool_size=3, strides=1), (2, 7, 3)),
    ("MaxPooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 8, 3)),
    ("MaxPooling1D", dict(pool_size=2, padding="same", data_format=CF), (2, 3, 7)),
    ("MaxPooling2D", {}, (2, 6, 7, 3)),
    ("MaxPooling2D", dict(pool_size=(3, 2), strides=(1, 2), padding="same"), (2, 7, 7, 3)),
    ("MaxPooling2D", dict(pool_size=3, strides=2, padding="same"), (2, 8, 9, 2)),
    ("MaxPooling2D", dict(pool_size=(2, 3), padding="same", data_format=CF), (2, 2, 5, 7)),
    ("MaxPooling3D", {}, (1, 4, 5, 4, 2)),
    ("MaxPooling3D", dict(pool_size=(2, 3, 2), strides=(1, 2, 2), padding="same"), (1, 5, 5, 4, 2)),
    ("MaxPooling3D", dict(pool_size=2, data_format=CF), (1, 2, 4, 5, 4)),
    ("AveragePooling1D", dict(pool_size=2), (2, 7, 3)),
    ("AveragePooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 8, 3)),
    ("AveragePooling1D", dict(pool_size=4, strides=3, padding="same", data_format=CF), (2, 3, 10)),
    ("AveragePooling2D", dict(pool_size=2), (2, 6, 7, 3)),
    ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same"), (2, 8, 9, 2)),
    ("AveragePooling2D", dict(pool_size=(3, 2), strides=(2, 1), padding="same", data_format=CF), (2, 2, 7, 5)),
    ("AveragePooling2D", dict(pool_size=(2, 2), strides=(1, 1), data_format=CF), (2, 2, 4, 5)),
    ("AveragePooling3D", dict(pool_size=2), (1, 4, 5, 4, 2)),
    ("AveragePooling3D", dict(pool_size=3, strides=2, padding="same"), (1, 5, 4, 6, 2)),
    ("AveragePooling3D", dict(pool_size=(2, 2, 3), padding="same", data_format=CF), (1, 2, 3, 5, 5)),
    ("GlobalMaxPooling1D", {}, (2, 7, 3)),
    ("GlobalMaxPooling1D", dict(keepdims=True, data_format=CF), (2, 3, 7)),
    ("GlobalMaxPooling2D", {}, (2, 5, 6, 3)),
    ("GlobalMaxPooling2D", dict(keepdims=True), (2, 5, 6, 3)),
    ("GlobalMaxPooling2D", dict(data_format=CF), (2, 3, 5, 6)),
    ("GlobalMaxPooling3D", dict(keepdims=True, data_format=CF), (1, 2, 3, 4, 5)),
    ("GlobalAveragePooling1D", {}, (2, 7, 3)),
    ("GlobalAveragePooling1D", dict(keepdims=True), (2, 7, 3)),
    ("GlobalAveragePooling1D", dict(data_format=CF), (2, 3, 7)),
    ("GlobalAveragePooling2D", dict(keepdims=True, data_format=CF), (2, 3, 5, 6)),
    ("GlobalAveragePooling2D", {}, (2, 5, 6, 3)),
    ("GlobalAveragePooling3D", {}, (1, 3, 4, 5, 2)),
    ("GlobalAveragePooling3D", dict(keepdims=True), (1, 3, 4, 5, 2)),
    ("AdaptiveAveragePooling1D", dict(output_size=4), (2, 10, 3)),
    ("AdaptiveAveragePooling2D", dict(output_size=(2, 3)), (2, 7, 9, 3)),
    ("AdaptiveAveragePooling2D", dict(output_size=(6, 4)), (1, 4, 4, 2)),   # upsampling: windows overlap
    ("AdaptiveAveragePooling3D", dict(output_size=(1, 2, 3), data_format=CF), (1, 2, 3, 5, 7)),
    ("AdaptiveMaxPooling1D", dict(output_size=4), (2, 10, 3)),
    ("AdaptiveMaxPooling1D", dict(output_size=5, data_format=CF), (2, 3, 7)),
    ("AdaptiveMaxPooling2D", dict(output_size=3, data_format=CF), (2, 2, 5, 8)),
    ("AdaptiveMaxPooling3D", dict(output_size=(3, 1, 2), data_format=CF), (1, 2, 4, 5, 6)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras(keras, name, kwargs, shape):
    if BACKEND == "torch" and name.startswith("AveragePooling") and kwargs.get("padding") == "same":
        # Keras's torch backend zero-pads uneven "same" borders and counts the zeros in the average;
        # its other backends (and lamina on every backend) leave padding out of the count.
        # test_pool1d_matches_numpy and test_same_padding_* check these values instead.
        keras = None
    layer, _ = run_layer_test(getattr(pooling, name), kwargs, shape, keras=keras, atol=1e-5, rtol=1e-5)
    assert layer.weights == []


def _np_pool1d(x, pool, stride, padding, mode):
    """Reference pooling of (batch, steps, channels), TF-style 'same' padding (pads excluded)."""
    n = x.shape[1]
    if padding == "valid":
        out_n, start = (n - pool) // stride + 1, 0
    else:
        out_n = -(-n // stride)
        start = -(max((out_n - 1) * stride + pool - n, 0) // 2)
    out = np.zeros((x.shape[0], out_n, x.shape[2]), "float64")
    for i in range(out_n):
        lo = max(start + i * stride, 0)
        hi = min(start + i * stride + pool, n)
        w = x[:, lo:hi]
        out[:, i] = w.max(axis=1) if mode == "max" else w.mean(axis=1)
    return out


@pytest.mark.parametrize("cls,mode", [("MaxPooling1D", "max"), ("AveragePooling1D", "average")])
@pytest.mark.parametrize("pool,stride,padding,n", [(2, 2, "valid", 7), (3, 2, "same", 8), (4, 3, "same", 10),
                                                   (3, 1, "same", 5), (2, 3, "valid", 9)])
def test_pool1d_matches_numpy(cls, mode, pool, stride, padding, n):
    x = np.random.default_rng(0).normal(size=(2, n, 3)).astype("float32")
    y = getattr(pooling, cls)(pool_size=pool, strides=stride, padding=padding)(x)
    assert_close(y, _np_pool1d(x, pool, stride, padding, mode), atol=1e-6)


def test_same_padding_never_lets_padding_win_a_max():
    x = -np.ones((1, 5, 1), "float32") * np.arange(1, 6, dtype="float32")[None, :, None]
    assert_close(pooling.MaxPooling1D(2, padding="same")(x), [[[-1.0], [-3.0], [-5.0]]])
    # An average over a window cut by the border divides by the real count, not the window size.
    assert_close(pooling.AveragePooling1D(2, padding="same")(x), [[[-1.5], [-3.5], [-5.0]]])


def test_channels_first_equals_transposed_channels_last():
    x = np.random.default_rng(1).normal(size=(2, 7, 6, 3)).astype("float32")
    for cls in ("MaxPooling2D", "AveragePooling2D"):
        last = getattr(pooling, cls)(3, strides=2, padding="same")(x)
        first = getattr(pooling, cls)(3, strides=2, padding="same", data_format=CF)(np.transpose(x, (0, 3, 1, 2)))
        assert_close(np.transpose(to_np(first), (0, 2, 3, 1)), last, atol=1e-6)


def test_global_pooling_values_and_keepdims():
    x = np.random.default_rng(2).normal(size=(2, 3, 4, 5)).astype("float32")
    assert_close(pooling.GlobalMaxPooling2D()(x), x.max(axis=(1, 2)))
    assert_close(pooling.GlobalAveragePooling2D(keepdims=True)(x), x.mean(axis=(1, 2), keepdims=True), atol=1e-6)
    assert_close(pooling.GlobalAveragePooling2D(data_format=CF)(x), x.mean(axis=(2, 3)), atol=1e-6)
    assert_close(pooling.GlobalMaxPooling2D(data_format=CF, keepdims=True)(x), x.max(axis=(2, 3), keepdims=True))


def _adaptive_ref(x, out, mode):
    n = x.shape[1]
    cells = []
    for i in range(out):
        lo, hi = (i * n) // out, -(-((i + 1) * n) // out)
        w = x[:, lo:hi]
        cells.append(w.max(axis=1) if mode == "max" else w.mean(axis=1))
    return np.stack(cells, axis=1)


@pytest.mark.parametrize("n,out", [(10, 4), (7, 3), (5, 5), (3, 6)])
def test_adaptive_pooling_uses_pytorch_windows(n, out):
    x = np.random.default_rng(3).normal(size=(2, n, 3)).astype("float32")
    assert_close(pooling.AdaptiveAveragePooling1D(out)(x), _adaptive_ref(x, out, "avg"), atol=1e-6)
    assert_close(pooling.AdaptiveMaxPooling1D(out)(x), _adaptive_ref(x, out, "max"), atol=1e-6)


# ---------------------------------------------------------------------- masks
def test_global_average_pooling1d_mask_matches_keras(keras):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 0, 1], [1, 1, 1, 1, 1]], bool)
    ours = pooling.GlobalAveragePooling1D()(x, mask=mask)
    theirs = keras.layers.GlobalAveragePooling1D()(x, mask=mask)
    assert_close(ours, keras.ops.convert_to_numpy(theirs), atol=1e-6)
    ref = (x * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
    assert_close(ours, ref, atol=1e-6)
    keep = pooling.GlobalAveragePooling1D(keepdims=True)(x, mask=mask)
    assert_close(keep, ref[:, None, :], atol=1e-6)
    cf = pooling.GlobalAveragePooling1D(data_format=CF)(np.transpose(x, (0, 2, 1)), mask=mask)
    assert_close(cf, keras.ops.convert_to_numpy(
        keras.layers.GlobalAveragePooling1D(data_format=CF)(np.transpose(x, (0, 2, 1)), mask=mask)), atol=1e-6)
    assert_close(cf, ref, atol=1e-6)
    # The mask is consumed: the pooled output has none.
    assert pooling.GlobalAveragePooling1D().compute_mask(x, mask) is None


def test_masked_global_average_pooling_in_a_model_matches_keras(keras):
    x = np.random.default_rng(5).normal(size=(2, 4, 3)).astype("float32")
    x[0, 2:] = 0.0
    x[1, 1] = 0.0

    def build(lib):
        inp = lib.Input((4, 3))
        return lib.Model(inp, pooling.GlobalAveragePooling1D()(lib.layers.Masking()(inp)) if lib is lamina
                         else lib.layers.GlobalAveragePooling1D()(lib.layers.Masking()(inp)))

    assert_close(build(lamina)(x), keras.ops.convert_to_numpy(build(keras)(x)), atol=1e-6)


@pytest.mark.parametrize("name", ["MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D",
                                  "GlobalAveragePooling1D", "AdaptiveAveragePooling1D"])
@pytest.mark.filterwarnings("ignore:.*does not support masking")
def test_pooling_outputs_carry_no_mask_like_keras(keras, name):
    kwargs = {"output_size": 2} if name.startswith("Adaptive") else {"pool_size": 2} if "Pooling1D" in name[:16] \
        and not name.startswith("Global") else {}
    outs = []
    for lib, layers in ((lamina, pooling), (keras, keras.layers)):
        masked = lib.layers.Masking()(lib.Input((4, 3)))
        assert getattr(masked, "_keras_mask", None) is not None
        outs.append(getattr(getattr(layers, name)(**kwargs)(masked), "_keras_mask", None))
    assert outs == [None, None]


# ---------------------------------------------------------------------- shapes, configs, aliases
@pytest.mark.parametrize("name,kwargs,in_shape,out_shape", [
    ("MaxPooling2D", dict(pool_size=3, strides=2, padding="same"), (None, None, 9, 3), (None, None, 5, 3)),
    ("AveragePooling1D", dict(pool_size=2, data_format=CF), (None, 4, None), (None, 4, None)),
    ("GlobalMaxPooling3D", dict(keepdims=True), (None, None, 4, None, 2), (None, 1, 1, 1, 2)),
    ("GlobalAveragePooling2D", dict(data_format=CF), (None, 3, None, None), (None, 3)),
    ("AdaptiveMaxPooling2D", dict(output_size=(2, 5)), (None, None, None, 4), (None, 2, 5, 4)),
])
def test_symbolic_shapes_with_unknown_dims(name, kwargs, in_shape, out_shape):
    y = getattr(pooling, name)(**kwargs)(lamina.KerasTensor(in_shape))
    assert y.shape == out_shape
    assert y.dtype == "float32"


@pytest.mark.parametrize("name,kwargs", [
    ("MaxPooling2D", dict(pool_size=(3, 2), strides=1, padding="SAME")),
    ("AveragePooling3D", dict(pool_size=2, data_format=CF)),
    ("GlobalAveragePooling1D", dict(keepdims=True)),
    ("AdaptiveMaxPooling3D", dict(output_size=(1, 2, 3))),
    ("AdaptiveAveragePooling1D", dict(output_size=[4])),
])
def test_config_equals_keras(keras, name, kwargs):
    ours = getattr(pooling, name)(**kwargs).get_config()
    theirs = getattr(keras.layers, name)(**kwargs).get_config()
    ours.pop("name"), theirs.pop("name")
    assert ours == theirs
    restored = getattr(pooling, name).from_config(ours).get_config()
    restored.pop("name")
    assert restored == ours


def test_aliases_and_deserialization():
    assert pooling.MaxPool2D is pooling.MaxPooling2D and pooling.AvgPool1D is pooling.AveragePooling1D
    assert pooling.GlobalMaxPool3D is pooling.GlobalMaxPooling3D
    assert pooling.GlobalAvgPool2D is pooling.GlobalAveragePooling2D
    layer = lamina.layers.deserialize({"class_name": "MaxPool2D", "config": {"pool_size": [3, 3]}})
    assert type(layer) is pooling.MaxPooling2D and layer.pool_size == (3, 3)
    assert lamina.layers.MaxPooling1D is pooling.MaxPooling1D


def test_int_inputs_keep_their_dtype_in_max_pooling(keras):
    x = np.arange(24, dtype="int32").reshape(1, 4, 6)[:, ::-1]
    ours = to_np(pooling.MaxPooling1D(2)(x))
    assert ours.dtype == np.int32
    np.testing.assert_array_equal(ours, x.reshape(1, 2, 2, 6).max(axis=2))
    if BACKEND != "torch":  # Keras's torch backend cannot max-pool integers ("not implemented for 'Int'")
        theirs = keras.ops.convert_to_numpy(keras.layers.MaxPooling1D(2)(x))
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)


# ---------------------------------------------------------------------- errors
def test_wrong_rank_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r'"pool".*expected ndim=4, found ndim=3.*\(2, 5, 3\)'):
        pooling.MaxPooling2D(name="pool")(np.ones((2, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r'"gap".*expected ndim=3, found ndim=4'):
        pooling.GlobalAveragePooling1D(name="gap")(lamina.KerasTensor((None, 4, 4, 3)))
    with pytest.raises(ValueError, match=r"AveragePooling3D.*rank 5.*rank 4"):
        pooling.AveragePooling3D(2).compute_output_shape((None, 4, 4, 3))
    with pytest.raises(ValueError, match=r'"ada".*expected ndim=4'):
        pooling.AdaptiveMaxPooling2D(2, name="ada")(np.ones((2, 5, 5, 5, 3), "float32"))


def test_pool_larger_than_input_is_an_error():
    with pytest.raises(ValueError, match=r'MaxPooling2D layer "mp".*output would be empty.*window of 5.*size 3'):
        pooling.MaxPooling2D(5, name="mp")(np.ones((1, 3, 7, 2), "float32"))
    with pytest.raises(ValueError, match=r"AveragePooling1D.*output would be empty.*window of 4.*size 3"):
        pooling.AveragePooling1D(4)(lamina.KerasTensor((None, 3, 2)))
    with pytest.raises(ValueError, match=r"MaxPooling1D.*output would be empty.*data_format='channels_first'"):
        pooling.MaxPooling1D(3, data_format=CF)(np.ones((1, 8, 2), "float32"))
    # "same" padding keeps such inputs legal.
    assert pooling.MaxPooling2D(5, padding="same")(np.ones((1, 3, 3, 2), "float32")).shape == (1, 1, 1, 2)


def test_argument_errors():
    with pytest.raises(ValueError, match=r"MaxPooling2D.*`padding` must be one of \['valid', 'same'\].*causal"):
        pooling.MaxPooling2D(padding="causal")
    with pytest.raises(ValueError, match=r"AveragePooling3D.*`pool_size` must be an int or a tuple of 3 ints"):
        pooling.AveragePooling3D((2, 2))
    with pytest.raises(ValueError, match=r"MaxPooling1D.*`strides`.*positive"):
        pooling.MaxPooling1D(2, strides=0)
    with pytest.raises(ValueError, match=r"GlobalMaxPooling2D.*`data_format`.*'channels_middle'"):
        pooling.GlobalMaxPooling2D(data_format="channels_middle")
    with pytest.raises(ValueError, match=r"AdaptiveAveragePooling2D.*`output_size`.*\(height, width\).*\(1, 2, 3\)"):
        pooling.AdaptiveAveragePooling2D((1, 2, 3))
    with pytest.raises(ValueError, match=r"AdaptiveMaxPooling1D.*`output_size`.*positive"):
        pooling.AdaptiveMaxPooling1D(0)
