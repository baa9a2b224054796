"""Reshaping layers against real Keras 3 (values, shapes, configs), NumPy references, masks and clear errors."""

import numpy as np
import pytest

import lamina
from lamina.layers import reshaping
from tests.conftest import assert_close, to_np
from tests.layers.layer_test_utils import BACKEND, run_layer_test

CF = "channels_first"

# (class, constructor kwargs, input shape)
CASES = [
    ("Permute", dict(dims=(2, 1)), (2, 3, 4)),
    ("Permute", dict(dims=(3, 1, 2)), (2, 3, 4, 5)),
    ("Permute", dict(dims=[1]), (2, 3)),
    ("RepeatVector", dict(n=3), (2, 5)),
    ("RepeatVector", dict(n=1), (4, 2)),
    ("UpSampling1D", {}, (2, 3, 4)),
    ("UpSampling1D", dict(size=3), (2, 4, 2)),
    ("UpSampling2D", {}, (2, 3, 4, 2)),
    ("UpSampling2D", dict(size=(2, 3)), (2, 3, 4, 2)),
    ("UpSampling2D", dict(size=(3, 2), data_format=CF), (2, 2, 3, 4)),
    ("UpSampling2D", dict(size=2, interpolation="bilinear"), (2, 3, 4, 2)),
    ("UpSampling2D", dict(size=(3, 2), interpolation="bilinear", data_format=CF), (2, 2, 3, 4)),
    ("UpSampling3D", {}, (1, 2, 3, 2, 2)),
    ("UpSampling3D", dict(size=(1, 2, 3)), (1, 2, 3, 2, 2)),
    ("UpSampling3D", dict(size=(2, 1, 3), data_format=CF), (1, 2, 2, 3, 2)),
    ("ZeroPadding1D", {}, (2, 3, 4)),
    ("ZeroPadding1D", dict(padding=(2, 0)), (2, 3, 4)),
    ("ZeroPadding1D", dict(padding=(1, 3), data_format=CF), (2, 3, 4)),
    ("ZeroPadding2D", {}, (2, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=(2, 1)), (2, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=((1, 0), (2, 3))), (2, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=((0, 2), (1, 0)), data_format=CF), (2, 2, 3, 4)),
    ("ZeroPadding3D", {}, (1, 2, 3, 2, 2)),
    ("ZeroPadding3D", dict(padding=(1, 0, 2)), (1, 2, 3, 2, 2)),
    ("ZeroPadding3D", dict(padding=((0, 1), (2, 0), (1, 1)), data_format=CF), (1, 2, 2, 3, 2)),
    ("Cropping1D", {}, (2, 5, 3)),
    ("Cropping1D", dict(cropping=(2, 0)), (2, 5, 3)),
    ("Cropping1D", dict(cropping=3), (2, 7, 3)),
    ("Cropping2D", {}, (2, 4, 5, 3)),
    ("Cropping2D", dict(cropping=(1, 2)), (2, 4, 6, 3)),
    ("Cropping2D", dict(cropping=((1, 0), (2, 1))), (2, 5, 6, 3)),
    ("Cropping2D", dict(cropping=((0, 2), (1, 1)), data_format=CF), (2, 3, 5, 6)),
    ("Cropping3D", {}, (1, 4, 4, 4, 2)),
    ("Cropping3D", dict(cropping=(1, 0, 2)), (1, 4, 3, 5, 2)),
    ("Cropping3D", dict(cropping=((0, 1), (2, 0), (1, 1)), data_format=CF), (1, 2, 3, 4, 5)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras(keras, name, kwargs, shape):
    layer, _ = run_layer_test(getattr(reshaping, name), kwargs, shape, keras=keras, atol=1e-5, rtol=1e-5)
    assert layer.weights == []


@pytest.mark.parametrize("name,kwargs,shape", [
    ("UpSampling2D", dict(size=(2, 3), interpolation="bicubic"), (1, 4, 5, 2)),
    ("UpSampling2D", dict(size=2, interpolation="lanczos3"), (1, 4, 5, 2)),
])
def test_other_interpolations_match_keras(keras, name, kwargs, shape):
    if BACKEND == "torch" and kwargs["interpolation"].startswith("lanczos"):
        keras = None  # Keras's torch backend refuses Lanczos resizing; lamina's shape checks still run
    run_layer_test(getattr(reshaping, name), kwargs, shape, keras=keras, atol=1e-4, rtol=1e-4)


def test_values_match_numpy():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype("float32")
    assert_close(reshaping.Permute((3, 1, 2))(x), np.transpose(x, (0, 3, 1, 2)))
    v = x[:, 0, 0]
    assert_close(reshaping.RepeatVector(4)(v), np.repeat(v[:, None], 4, axis=1))
    assert_close(reshaping.UpSampling2D((2, 3))(x), np.repeat(np.repeat(x, 2, axis=1), 3, axis=2))
    assert_close(reshaping.UpSampling2D((2, 3), data_format=CF)(x), np.repeat(np.repeat(x, 2, axis=2), 3, axis=3))
    assert_close(reshaping.UpSampling1D(3)(x[:, 0]), np.repeat(x[:, 0], 3, axis=1))
    assert_close(reshaping.ZeroPadding2D(((1, 0), (2, 3)))(x), np.pad(x, [(0, 0), (1, 0), (2, 3), (0, 0)]))
    assert_close(reshaping.ZeroPadding2D(((1, 0), (2, 3)), data_format=CF)(x),
                 np.pad(x, [(0, 0), (0, 0), (1, 0), (2, 3)]))
    assert_close(reshaping.Cropping2D(((1, 0), (1, 2)))(x), x[:, 1:, 1:-2])
    assert_close(reshaping.Cropping2D(((1, 0), (1, 2)), data_format=CF)(x), x[:, :, 1:, 1:-2])
    assert_close(reshaping.Cropping1D((0, 2))(x[:, 0]), x[:, 0, :2])


def test_bilinear_upsampling_matches_half_pixel_reference():
    # Half-pixel-centre bilinear resize (what Keras's image.resize does, without antialias for upscaling).
    x = np.arange(6, dtype="float32").reshape(1, 2, 3, 1)
    y = to_np(reshaping.UpSampling2D(2, interpolation="bilinear")(x))[0, ..., 0]

    def axis_weights(n_in, n_out):
        src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        w = np.zeros((n_out, n_in))
        w[np.arange(n_out), lo] += 1 - (src - lo)
        w[np.arange(n_out), hi] += src - lo
        return w

    ref = axis_weights(2, 4) @ x[0, ..., 0] @ axis_weights(3, 6).T
    assert_close(y, ref, atol=1e-5)


def test_int_inputs_keep_their_dtype(keras):
    x = np.arange(24, dtype="int32").reshape(2, 3, 4)
    for layer, theirs in [(reshaping.ZeroPadding1D(1), keras.layers.ZeroPadding1D(1)),
                          (reshaping.Cropping1D(1), keras.layers.Cropping1D(1)),
                          (reshaping.UpSampling1D(2), keras.layers.UpSampling1D(2)),
                          (reshaping.Permute((2, 1)), keras.layers.Permute((2, 1)))]:
        ours = to_np(layer(x))
        ref = keras.ops.convert_to_numpy(theirs(x))
        assert ours.dtype == ref.dtype == np.int32, type(layer).__name__
        np.testing.assert_array_equal(ours, ref)
    assert layer(lamina.KerasTensor((None, 3, 4), dtype="int32")).dtype == "int32"


# ---------------------------------------------------------------------- masks
@pytest.mark.filterwarnings("ignore:.*does not support masking")
@pytest.mark.parametrize("name,kwargs", [
    ("Permute", dict(dims=(2, 1))), ("RepeatVector", dict(n=2)), ("UpSampling1D", {}), ("ZeroPadding1D", {}),
    ("Cropping1D", {}),
])
def test_mask_propagation_matches_keras(keras, name, kwargs):
    """Masks after Masking: Keras's reshaping layers drop them; lamina must do the same."""
    x = np.random.default_rng(1).normal(size=(2, 4, 3)).astype("float32")
    x[0, 1] = 0.0
    outs = []
    for lib, layers in ((lamina, reshaping), (keras, keras.layers)):
        inp = lib.Input((4, 3))
        masked = lib.layers.Masking()(inp)
        if name == "RepeatVector":
            masked = lib.layers.Masking()(lib.layers.Flatten()(inp))
        y = getattr(layers, name)(**kwargs)(masked)
        outs.append(getattr(y, "_keras_mask", None))
    assert (outs[0] is None) == (outs[1] is None), outs


# ---------------------------------------------------------------------- shapes and configs
@pytest.mark.parametrize("name,kwargs,in_shape,out_shape", [
    ("Permute", dict(dims=(2, 1)), (None, None, 4), (None, 4, None)),
    ("RepeatVector", dict(n=3), (None, 5), (None, 3, 5)),
    ("UpSampling2D", dict(size=(2, 3)), (None, None, 4, 2), (None, None, 12, 2)),
    ("UpSampling2D", dict(size=(2, 3), interpolation="bilinear", data_format=CF), (None, 2, 3, None),
     (None, 2, 6, None)),
    ("UpSampling3D", dict(size=2, data_format=CF), (None, 1, None, 2, 3), (None, 1, None, 4, 6)),
    ("ZeroPadding2D", dict(padding=((1, 0), (2, 3))), (None, None, 4, 2), (None, None, 9, 2)),
    ("Cropping2D", dict(cropping=((1, 0), (2, 1)), data_format=CF), (None, 3, None, 6), (None, 3, None, 3)),
    ("Cropping3D", dict(cropping=1), (None, 4, None, 4, 2), (None, 2, None, 2, 2)),
])
def test_symbolic_shapes_with_unknown_dims(name, kwargs, in_shape, out_shape):
    y = getattr(reshaping, name)(**kwargs)(lamina.KerasTensor(in_shape))
    assert y.shape == out_shape
    assert y.dtype == "float32"


@pytest.mark.parametrize("name,kwargs", [
    ("Permute", dict(dims=[2, 1])),
    ("RepeatVector", dict(n=4)),
    ("UpSampling1D", dict(size=3)),
    ("UpSampling2D", dict(size=3, interpolation="Bilinear", data_format=CF)),
    ("UpSampling3D", dict(size=(1, 2, 3))),
    ("ZeroPadding1D", dict(padding=3)),
    ("ZeroPadding2D", dict(padding=(1, 2))),
    ("ZeroPadding3D", dict(padding=2, data_format=CF)),
    ("Cropping1D", dict(cropping=2)),
    ("Cropping2D", dict(cropping=1)),
    ("Cropping3D", dict(cropping=(1, 2, 3), data_format=CF)),
])
def test_config_equals_keras(keras, name, kwargs):
    ours = getattr(reshaping, name)(**kwargs).get_config()
    theirs = getattr(keras.layers, name)(**kwargs).get_config()
    ours.pop("name"), theirs.pop("name")
    assert ours == theirs
    restored = getattr(reshaping, name).from_config(ours).get_config()
    restored.pop("name")
    assert restored == ours


def test_from_keras_written_json_config():
    """Lists (as JSON gives them) rebuild the same layers."""
    import json

    for name, kwargs in [("Cropping2D", dict(cropping=((1, 0), (2, 1)))), ("ZeroPadding3D", dict(padding=(1, 0, 2))),
                         ("Permute", dict(dims=(2, 1)))]:
        cfg = json.loads(json.dumps(getattr(reshaping, name)(**kwargs).get_config()))
        layer = getattr(reshaping, name).from_config(cfg)
        assert json.loads(json.dumps(layer.get_config())) == cfg


# ---------------------------------------------------------------------- errors
def test_wrong_rank_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r'"up".*expected ndim=4, found ndim=3.*\(2, 5, 3\)'):
        reshaping.UpSampling2D(name="up")(np.ones((2, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r'"rv".*expected ndim=2, found ndim=3'):
        reshaping.RepeatVector(2, name="rv")(lamina.KerasTensor((None, 4, 3)))
    with pytest.raises(ValueError, match=r'"perm".*expected ndim=3, found ndim=4'):
        reshaping.Permute((2, 1), name="perm")(np.ones((2, 3, 4, 5), "float32"))
    with pytest.raises(ValueError, match=r'"crop".*expected ndim=5, found ndim=4'):
        reshaping.Cropping3D(name="crop")(np.ones((2, 3, 4, 5), "float32"))
    with pytest.raises(ValueError, match=r'"zp".*expected ndim=3'):
        reshaping.ZeroPadding1D(name="zp")(np.ones((2, 3, 4, 5), "float32"))


@pytest.mark.parametrize("name,kwargs,shape", [
    ("Cropping1D", dict(cropping=(2, 3)), (2, 5, 3)),
    ("Cropping2D", dict(cropping=((1, 1), (3, 3))), (2, 4, 6, 3)),
    ("Cropping2D", dict(cropping=((2, 2), (0, 0)), data_format=CF), (2, 5, 4, 3)),
    ("Cropping3D", dict(cropping=((0, 0), (0, 0), (4, 0))), (1, 4, 4, 4, 2)),
])
def test_cropping_everything_is_an_error(name, kwargs, shape):
    layer = getattr(reshaping, name)(name="cropper", **kwargs)
    with pytest.raises(ValueError, match=rf'{name} layer "cropper".*output would be empty.*{re_shape(shape)}'):
        layer(np.ones(shape, "float32"))
    with pytest.raises(ValueError, match=rf"{name} layer.*output would be empty"):
        getattr(reshaping, name)(**kwargs)(lamina.KerasTensor((None,) + shape[1:]))


def re_shape(shape):
    return r"\(" + r", ".join(str(d) for d in shape) + r"\)"


def test_argument_errors():
    with pytest.raises(ValueError, match=r"Permute.*dims.*start from 1.*\(0, 1\)"):
        reshaping.Permute((0, 1))
    with pytest.raises(ValueError, match=r"Permute.*dims.*\(1, 3\)"):
        reshaping.Permute((1, 3))
    with pytest.raises(TypeError, match=r"RepeatVector.*integer.*`n`.*'3'"):
        reshaping.RepeatVector("3")
    with pytest.raises(ValueError, match=r"RepeatVector.*positive.*n=0"):
        reshaping.RepeatVector(0)
    with pytest.raises(ValueError, match=r"UpSampling2D.*`interpolation`.*'area'"):
        reshaping.UpSampling2D(interpolation="area")
    with pytest.raises(ValueError, match=r"UpSampling3D.*`size`.*tuple of 3 ints.*\(2, 2\)"):
        reshaping.UpSampling3D((2, 2))
    with pytest.raises(ValueError, match=r"UpSampling2D.*`size`.*> 0"):
        reshaping.UpSampling2D((0, 2))
    with pytest.raises(ValueError, match=r"ZeroPadding2D.*`padding`.*tuple of 2 tuples.*\(1, 2, 3\)"):
        reshaping.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match=r"ZeroPadding1D.*`padding`.*negative|ZeroPadding1D.*`padding`.*>= 0"):
        reshaping.ZeroPadding1D(-1)
    with pytest.raises(ValueError, match=r"Cropping2D.*2nd entry of cropping.*tuple of 2 ints"):
        reshaping.Cropping2D(((1, 1), (1, 1, 1)))
    with pytest.raises(ValueError, match=r"Cropping3D.*`data_format`.*'channels_middle'"):
        reshaping.Cropping3D(data_format="channels_middle")
