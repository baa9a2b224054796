"""Deterministic image layers (Resizing, CenterCrop, AutoContrast, Solarization) and the random layers in
their deterministic settings (inference mode, fixed factors): parity with real Keras, configs, errors."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import BACKEND, to_np
from tests.layers.layer_test_utils import run_layer_test


def _images(shape=(2, 8, 10, 3), seed=0, high=255.0):
    return np.random.default_rng(seed).uniform(0, high, size=shape).astype("float32")


@pytest.mark.parametrize("kwargs,in_shape,out_shape", [
    ({"height": 4, "width": 5}, (2, 8, 10, 3), (2, 4, 5, 3)),
    ({"height": 12, "width": 7, "interpolation": "nearest"}, (2, 8, 10, 3), (2, 12, 7, 3)),
    ({"height": 5, "width": 6, "interpolation": "bicubic"}, (2, 8, 10, 3), (2, 5, 6, 3)),
    ({"height": 5, "width": 6, "interpolation": "lanczos3"}, (2, 8, 10, 3), (2, 5, 6, 3)),
    ({"height": 4, "width": 4, "antialias": True}, (2, 8, 10, 3), (2, 4, 4, 3)),
    ({"height": 6, "width": 6, "crop_to_aspect_ratio": True}, (2, 8, 10, 3), (2, 6, 6, 3)),
    ({"height": 6, "width": 6, "pad_to_aspect_ratio": True, "fill_value": 7.0}, (2, 8, 10, 3), (2, 6, 6, 3)),
    ({"height": 4, "width": 5, "data_format": "channels_first"}, (2, 3, 8, 10), (2, 3, 4, 5)),
])
def test_resizing_parity(keras, kwargs, in_shape, out_shape):
    if BACKEND == "torch" and kwargs.get("interpolation", "").startswith("lanczos"):
        keras = None  # Keras's torch backend has no Lanczos resize; lamina's is checked on numpy and jax
    run_layer_test(layers.Resizing, kwargs, input_shape=in_shape, input_data=_images(in_shape), keras=keras,
                   expected_output_shape=out_shape, atol=1e-3, rtol=1e-5)


def test_resizing_integer_images_stay_integer_and_unbatched(keras):
    x = np.random.default_rng(1).integers(0, 256, size=(6, 6, 3)).astype("uint8")
    ours = to_np(layers.Resizing(3, 4)(x))
    theirs = keras.ops.convert_to_numpy(keras.layers.Resizing(3, 4)(x))
    assert ours.dtype == np.uint8 and ours.shape == (3, 4, 3)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("kwargs,in_shape,out_shape", [
    ({"height": 4, "width": 6}, (2, 8, 10, 3), (2, 4, 6, 3)),
    ({"height": 12, "width": 6}, (2, 8, 10, 3), (2, 12, 6, 3)),  # larger than the input: crop + resize
    ({"height": 3, "width": 5, "data_format": "channels_first"}, (2, 3, 8, 9), (2, 3, 3, 5)),
])
def test_center_crop_parity(keras, kwargs, in_shape, out_shape):
    run_layer_test(layers.CenterCrop, kwargs, input_shape=in_shape, input_data=_images(in_shape), keras=keras,
                   expected_output_shape=out_shape, atol=1e-3)


def test_center_crop_is_the_central_window():
    x = np.arange(2 * 6 * 6 * 1, dtype="float32").reshape(2, 6, 6, 1)
    np.testing.assert_array_equal(to_np(layers.CenterCrop(2, 4)(x)), x[:, 2:4, 1:5, :])


@pytest.mark.parametrize("kwargs", [{}, {"value_range": (0, 1)}])
def test_auto_contrast_parity_and_values(keras, kwargs):
    high = 1.0 if kwargs else 255.0
    x = _images((2, 6, 6, 3), high=high * 0.5) + high * 0.2
    layer, out = run_layer_test(layers.AutoContrast, kwargs, input_shape=x.shape, input_data=x, keras=keras,
                                atol=1e-3)
    out = to_np(out)
    np.testing.assert_allclose(out.min(axis=(1, 2)), 0.0, atol=1e-3)
    np.testing.assert_allclose(out.max(axis=(1, 2)), high, rtol=1e-5)


def test_solarization_zero_factors_invert_every_pixel(keras):
    x = _images((2, 5, 5, 3))
    run_layer_test(layers.Solarization, {}, input_shape=x.shape, input_data=x, keras=keras,
                   call_kwargs={"training": True}, training_modes=(True,), atol=1e-3)
    np.testing.assert_allclose(to_np(layers.Solarization()(x, training=True)), 255.0 - x, atol=1e-4)
    unit = x / 255.0
    out = to_np(layers.Solarization(value_range=(0, 1))(unit, training=True))
    np.testing.assert_allclose(out, 1.0 - unit, atol=1e-5)


# Random layers with factors that make them deterministic: same output as Keras in training mode.
FIXED = [
    (layers.RandomRotation, {"factor": (0.25, 0.25), "interpolation": "nearest"}),
    (layers.RandomRotation, {"factor": (0.1, 0.1), "fill_mode": "constant", "fill_value": 3.0}),
    (layers.RandomZoom, {"height_factor": (0.5, 0.5), "fill_mode": "nearest"}),
    (layers.RandomZoom, {"height_factor": (-0.3, -0.3), "width_factor": (0.2, 0.2)}),
    (layers.RandomTranslation, {"height_factor": (0.25, 0.25), "width_factor": (-0.2, -0.2), "fill_mode": "wrap"}),
    (layers.RandomBrightness, {"factor": (0.1, 0.1)}),
    (layers.RandomSaturation, {"factor": (0.3, 0.3)}),
    (layers.RandomGrayscale, {"factor": 1.0}),
    (layers.RandomContrast, {"factor": 0.0}),
    (layers.RandomHue, {"factor": 0.0}),
]


@pytest.mark.parametrize("cls,kwargs", FIXED, ids=[c.__name__ + str(i) for i, (c, _) in enumerate(FIXED)])
def test_random_layers_with_fixed_factor_match_keras(keras, cls, kwargs):
    x = _images((2, 7, 7, 3))
    run_layer_test(cls, dict(kwargs, seed=1), input_shape=x.shape, input_data=x, keras=keras,
                   call_kwargs={"training": True}, training_modes=(True,), atol=1e-3, rtol=1e-4,
                   compare_config=cls is not layers.RandomGrayscale)


INFERENCE = [
    (layers.RandomFlip, {}), (layers.RandomFlip, {"mode": "vertical"}), (layers.RandomRotation, {"factor": 0.3}),
    (layers.RandomZoom, {"height_factor": 0.3}), (layers.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.1}),
    (layers.RandomContrast, {"factor": 0.5}), (layers.RandomBrightness, {"factor": 0.5}),
    (layers.RandomGrayscale, {}), (layers.RandomHue, {"factor": 0.5}), (layers.RandomSaturation, {"factor": 0.5}),
    (layers.Solarization, {"addition_factor": 0.5, "threshold_factor": 0.5}), (layers.MixUp, {}),
    (layers.CutMix, {}), (layers.RandAugment, {}),
]


@pytest.mark.parametrize("cls,kwargs", INFERENCE, ids=[c.__name__ + str(i) for i, (c, _) in enumerate(INFERENCE)])
def test_random_layers_are_identity_at_inference_like_keras(keras, cls, kwargs):
    x = _images((2, 6, 6, 3))
    # (run_layer_test calls the oracle once in its default training mode: too slow on jax for the mixing layers)
    oracle = None if cls in (layers.MixUp, layers.CutMix, layers.RandAugment) else keras
    layer, _ = run_layer_test(cls, dict(kwargs, seed=2), input_shape=x.shape, input_data=x, keras=oracle,
                              call_kwargs={"training": False}, compare_config=cls is not layers.RandomGrayscale)
    np.testing.assert_array_equal(to_np(layer(x, training=False)), x)
    theirs = getattr(keras.layers, cls.__name__)(**kwargs)(x, training=False)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs), x)


def test_random_crop_inference_is_an_aspect_ratio_centre_crop():
    x = _images((2, 8, 12, 3))
    out = to_np(layers.RandomCrop(4, 6, seed=1)(x, training=False))
    np.testing.assert_allclose(out, to_np(lamina.ops.image.resize(x, (4, 6), crop_to_aspect_ratio=True)), atol=1e-5)
    same = to_np(layers.RandomCrop(8, 12, seed=1)(x, training=False))
    np.testing.assert_array_equal(same, x)


CONFIGS = [
    (layers.Resizing, {"height": 3, "width": 4, "interpolation": "nearest", "pad_to_aspect_ratio": True}),
    (layers.CenterCrop, {"height": 3, "width": 4}),
    (layers.RandomFlip, {"mode": "horizontal", "seed": 3}),
    (layers.RandomRotation, {"factor": (-0.2, 0.3), "fill_mode": "constant", "seed": 3}),
    (layers.RandomZoom, {"height_factor": 0.2, "width_factor": (-0.1, 0.3)}),
    (layers.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.1, "interpolation": "nearest"}),
    (layers.RandomCrop, {"height": 3, "width": 4, "seed": 5}),
    (layers.RandomContrast, {"factor": (0.1, 0.4), "value_range": (0, 1)}),
    (layers.RandomBrightness, {"factor": 0.3, "value_range": (1, 0)}),
    (layers.RandomGrayscale, {"factor": 0.2}),
    (layers.RandomHue, {"factor": 0.3, "value_range": (0, 1)}),
    (layers.RandomSaturation, {"factor": (0.2, 0.8)}),
    (layers.AutoContrast, {"value_range": (0, 1)}),
    (layers.Solarization, {"addition_factor": 0.2, "threshold_factor": (0.1, 0.5), "seed": 1}),
    (layers.MixUp, {"alpha": 0.4, "seed": 2}),
    (layers.CutMix, {"factor": 0.5}),
    (layers.RandAugment, {"num_ops": 3, "factor": 0.3, "value_range": (0, 1)}),
]


@pytest.mark.parametrize("cls,kwargs", CONFIGS, ids=[c.__name__ for c, _ in CONFIGS])
def test_config_matches_keras(keras, cls, kwargs):
    ours = cls(**kwargs).get_config()
    theirs = getattr(keras.layers, cls.__name__)(**kwargs).get_config()
    for c in (ours, theirs):
        c.pop("name")
    norm = lambda c: {k: list(v) if isinstance(v, tuple) else v for k, v in c.items()}  # noqa: E731
    assert norm(ours) == norm(theirs)
    assert norm(cls.from_config(ours).get_config() | {"name": None}) == norm(ours | {"name": None})


@pytest.mark.parametrize("make,call_shape,match", [
    (lambda: layers.RandomFlip(), (4, 4), "RandomFlip.*rank 3.*rank 4"),
    (lambda: layers.Resizing(2, 2), (1, 2, 4, 4, 3), "Resizing.*rank"),
])
def test_rank_errors(make, call_shape, match):
    with pytest.raises(ValueError, match=match):
        make()(np.zeros(call_shape, "float32"))


@pytest.mark.parametrize("make,exc,match", [
    (lambda: layers.RandomFlip(mode="diagonal"), ValueError, "RandomFlip.*mode"),
    (lambda: layers.RandomRotation(1.5), ValueError, "RandomRotation.*factor"),
    (lambda: layers.RandomRotation(0.1, fill_mode="edge"), NotImplementedError, "RandomRotation.*fill_mode"),
    (lambda: layers.RandomZoom(-1.0), ValueError, "RandomZoom.*height_factor"),
    (lambda: layers.RandomTranslation(0.1, 2.0), ValueError, "RandomTranslation.*width_factor"),
    (lambda: layers.RandomContrast(-0.5), ValueError, "RandomContrast.*factor"),
    (lambda: layers.RandomBrightness(0.2, value_range=(0,)), ValueError, "RandomBrightness.*value_range"),
    (lambda: layers.RandomGrayscale(2.0), ValueError, "RandomGrayscale.*factor"),
    (lambda: layers.Solarization(addition_factor=1.5), ValueError, "Solarization.*addition_factor"),
    (lambda: layers.Resizing(0, 3), ValueError, "Resizing.*height"),
    (lambda: layers.Resizing(3, 3, interpolation="area"), ValueError, "Resizing.*interpolation"),
    (lambda: layers.Resizing(3, 3, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), ValueError, "Resizing"),
    (lambda: layers.CenterCrop(3, -1), ValueError, "CenterCrop.*width"),
    (lambda: layers.MixUp(alpha=0), ValueError, "MixUp.*alpha"),
])
def test_constructor_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_resizing_and_center_crop_in_saved_model(tmp_path):
    x = _images((2, 8, 10, 3))
    inputs = lamina.Input((8, 10, 3))
    out = layers.CenterCrop(4, 4)(layers.Resizing(6, 6, crop_to_aspect_ratio=True)(inputs))
    assert out.shape == (None, 4, 4, 3)
    model = lamina.Model(inputs, out)
    expected = to_np(model.predict(x, verbose=0))
    model.save(tmp_path / "m.keras")
    loaded = lamina.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(to_np(loaded.predict(x, verbose=0)), expected, atol=1e-6)
    assert [type(l).__name__ for l in loaded.layers[1:]] == ["Resizing", "CenterCrop"]


def test_keras_saved_preprocessing_model_loads_with_identical_predictions(keras, tmp_path):
    x = _images((4, 10, 12, 3))
    norm = keras.layers.Normalization()
    norm.adapt(x / 255.0)
    k = keras.layers
    theirs = keras.Sequential([
        keras.Input((10, 12, 3)), k.Rescaling(1 / 255.0), norm, k.Resizing(8, 8), k.RandomFlip(seed=1),
        k.RandomRotation(0.1, seed=2), k.RandomZoom(0.1), k.RandomTranslation(0.1, 0.1), k.RandomContrast(0.2),
        k.RandomBrightness(0.1), k.RandomGrayscale(), k.RandomHue(0.1), k.RandomSaturation(0.1), k.Solarization(),
        k.MixUp(), k.CutMix(), k.RandAugment(), k.AutoContrast(), k.CenterCrop(4, 4)])
    theirs.save(tmp_path / "k.keras")
    # eager inference calls (as predict does, without compiling 19 layers on jax)
    expected = keras.ops.convert_to_numpy(theirs(x, training=False))
    ours = lamina.saving.load_model(tmp_path / "k.keras")
    assert [type(l).__name__ for l in ours.layers] == [type(l).__name__ for l in theirs.layers]
    np.testing.assert_allclose(to_np(ours(x, training=False)), expected, atol=1e-4)
    ours.save(tmp_path / "l.keras")  # and back: Keras reads lamina's file
    back = keras.saving.load_model(tmp_path / "l.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(back(x, training=False)), expected, atol=1e-4)
