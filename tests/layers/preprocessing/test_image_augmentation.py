"""Random image augmentation layers: the transform is visibly applied, shapes/dtypes are kept, seeded runs
reproduce, inference is the identity, and they work inside models (predict, fit, save/load)."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import BACKEND, requires_training, to_np


def _images(shape=(8, 6, 6, 3), seed=0, high=255.0):
    return np.random.default_rng(seed).uniform(0, high, size=shape).astype("float32")


RANDOM_LAYERS = [
    lambda s: layers.RandomFlip(seed=s),
    lambda s: layers.RandomRotation(0.3, seed=s),
    lambda s: layers.RandomZoom(0.4, 0.2, seed=s),
    lambda s: layers.RandomTranslation(0.3, 0.3, seed=s),
    lambda s: layers.RandomCrop(4, 5, seed=s),
    lambda s: layers.RandomContrast(0.5, seed=s),
    lambda s: layers.RandomBrightness(0.3, seed=s),
    lambda s: layers.RandomGrayscale(0.5, seed=s),
    lambda s: layers.RandomHue(0.5, seed=s),
    lambda s: layers.RandomSaturation(0.5, seed=s),
    lambda s: layers.Solarization(0.3, 0.8, seed=s),
    lambda s: layers.MixUp(seed=s),
    lambda s: layers.CutMix(seed=s),
    lambda s: layers.RandAugment(num_ops=2, seed=s),
]
IDS = ["flip", "rotation", "zoom", "translation", "crop", "contrast", "brightness", "grayscale", "hue", "saturation",
       "solarization", "mixup", "cutmix", "randaugment"]


@pytest.mark.parametrize("make", RANDOM_LAYERS, ids=IDS)
def test_seeded_reproducible_shape_dtype_and_applied(make):
    x = _images()
    a, b = make(7), make(7)
    out_a1, out_b1 = to_np(a(x, training=True)), to_np(b(x, training=True))
    np.testing.assert_array_equal(out_a1, out_b1)  # same seed, same output
    out_a2 = to_np(a(x, training=True))
    np.testing.assert_array_equal(out_a2, to_np(b(x, training=True)))  # and the same sequence after
    expected_shape = (8, 4, 5, 3) if isinstance(a, layers.RandomCrop) else x.shape
    assert out_a1.shape == expected_shape and out_a1.dtype == np.float32
    if out_a1.shape == x.shape:
        assert not np.allclose(out_a1, x), "the augmentation changed nothing"
    assert not np.array_equal(out_a1, out_a2), "two calls drew the same transformation"
    # integer images and single images are accepted
    assert to_np(make(1)(x.astype("uint8"), training=True)).dtype == np.float32
    if not isinstance(a, (layers.MixUp, layers.CutMix, layers.RandAugment)):  # mixing needs a batch; RandAugment
        assert to_np(make(1)(x[0], training=True)).shape == expected_shape[1:]  # is built of the others


@pytest.mark.parametrize("mode,axes", [("horizontal", (2,)), ("vertical", (1,)), ("horizontal_and_vertical", (1, 2))])
def test_random_flip_flips_some_images_exactly(mode, axes):
    x = _images((16, 5, 4, 3))
    out = to_np(layers.RandomFlip(mode, seed=3)(x, training=True))
    flipped = np.flip(x, axis=axes)
    is_flipped = [np.array_equal(o, f) for o, f in zip(out, flipped)]
    is_same = [np.array_equal(o, i) for o, i in zip(out, x)]
    assert all(f or s for f, s in zip(is_flipped, is_same))
    assert any(is_flipped) and any(is_same)


def test_random_flip_channels_first_and_masks():
    x = _images((16, 3, 4, 5))
    masks = np.arange(16 * 4 * 5, dtype="float32").reshape(16, 1, 4, 5)
    out = layers.RandomFlip("horizontal", seed=4, data_format="channels_first")(
        {"images": x, "segmentation_masks": masks, "labels": np.arange(16)}, training=True)
    imgs, m = to_np(out["images"]), to_np(out["segmentation_masks"])
    np.testing.assert_array_equal(to_np(out["labels"]), np.arange(16))
    for i in range(16):
        flipped = np.array_equal(imgs[i], x[i, :, :, ::-1])
        assert flipped or np.array_equal(imgs[i], x[i])
        np.testing.assert_array_equal(m[i], masks[i, :, :, ::-1] if flipped else masks[i])


def test_random_rotation_quarter_turn_is_rot90():
    x = _images((2, 5, 5, 3))
    out = to_np(layers.RandomRotation((0.25, 0.25), interpolation="nearest")(x, training=True))
    np.testing.assert_allclose(out, np.rot90(x, 1, axes=(1, 2)), atol=1e-4)
    back = to_np(layers.RandomRotation((-0.25, -0.25), interpolation="nearest")(x, training=True))
    np.testing.assert_allclose(back, np.rot90(x, -1, axes=(1, 2)), atol=1e-4)


def test_random_translation_shifts_content_and_fills():
    x = _images((2, 8, 8, 1))
    out = to_np(layers.RandomTranslation((0.25, 0.25), (-0.125, -0.125), fill_mode="constant", fill_value=-1.0,
                                         interpolation="nearest")(x, training=True))
    np.testing.assert_allclose(out[:, 2:, :7], x[:, :6, 1:], atol=1e-4)  # 2 rows down, 1 column left
    assert np.all(out[:, :2] == -1.0) and np.all(out[:, :, 7] == -1.0)


def test_random_zoom_in_by_two_magnifies_the_centre():
    x = np.zeros((1, 9, 9, 1), "float32")
    x[0, 3:6, 3:6, 0] = 1.0  # a 3x3 square in the middle becomes about 6x6 when zoomed in 2x
    out = to_np(layers.RandomZoom((-0.5, -0.5), interpolation="nearest")(x, training=True))
    assert 25 <= out.sum() <= 49 and out[0, 4, 4, 0] == 1.0


def test_random_crop_training_takes_one_window_for_the_batch():
    x = _images((3, 8, 9, 2))
    out = to_np(layers.RandomCrop(5, 4, seed=2)(x, training=True))
    matches = [(t, l) for t in range(4) for l in range(6) if np.array_equal(out, x[:, t:t + 5, l:l + 4])]
    assert len(matches) == 1


def test_color_layers_do_what_they_say():
    x = _images((8, 6, 6, 3), high=200.0) + 20.0
    bright = to_np(layers.RandomBrightness((0.05, 0.05), seed=1)(x, training=True))
    np.testing.assert_allclose(bright, np.clip(x + 0.05 * 255, 0, 255), atol=1e-3)
    mid = x / 255.0 * 0.5 + 0.25  # contrast changes stay inside the value range, so no clipping
    contrast = to_np(layers.RandomContrast(0.3, value_range=(0, 1), seed=1)(mid, training=True))
    np.testing.assert_allclose(contrast.mean(axis=(1, 2)), mid.mean(axis=(1, 2)), atol=1e-5)
    assert not np.allclose(contrast, mid)
    gray = to_np(layers.RandomGrayscale(1.0)(x, training=True))
    np.testing.assert_allclose(gray[..., 0], gray[..., 2]) and np.testing.assert_allclose(gray[..., 1], gray[..., 0])
    np.testing.assert_allclose(gray[..., 0], x @ np.array([0.2989, 0.587, 0.114], "float32"), rtol=1e-3)
    unit = x / 255.0
    hue = to_np(layers.RandomHue(0.8, value_range=(0, 1), seed=2)(unit, training=True))
    np.testing.assert_allclose(hue.max(-1), unit.max(-1), atol=1e-4)  # hue rotation keeps the HSV value
    assert not np.allclose(hue, unit)
    gray_sat = to_np(layers.RandomSaturation((0.0, 0.0))(x, training=True))
    np.testing.assert_allclose(gray_sat[..., 0], gray_sat[..., 1], atol=1e-3)
    solar = to_np(layers.Solarization(threshold_factor=(0.5, 0.5), seed=3)(x, training=True))
    assert np.all((solar == x) | np.isclose(solar, 255.0 - x, atol=1e-3))


def test_mixup_mixes_images_and_labels_with_the_same_weights():
    x = _images((8, 4, 4, 3))
    labels = np.eye(8, dtype="float32")
    out = layers.MixUp(alpha=0.5, seed=5)({"images": x, "labels": labels}, training=True)
    imgs, lab = to_np(out["images"]), to_np(out["labels"])
    np.testing.assert_allclose(lab.sum(-1), 1.0, rtol=1e-5)
    assert not np.allclose(lab, labels)
    for i in range(8):
        w = lab[i, i]
        others = [j for j in range(8) if j != i and lab[i, j] > 0]
        partner = others[0] if others else i
        np.testing.assert_allclose(imgs[i], w * x[i] + (1 - w) * x[partner] if others else x[i], rtol=1e-4, atol=1e-3)


def test_cutmix_pastes_a_box_and_mixes_labels_by_area():
    x = np.stack([np.full((8, 8, 1), float(i)) for i in range(8)]).astype("float32")
    out = layers.CutMix(seed=4)({"images": x, "labels": np.eye(8, dtype="float32")}, training=True)
    imgs, lab = to_np(out["images"]), to_np(out["labels"])
    np.testing.assert_allclose(lab.sum(-1), 1.0, rtol=1e-5)
    pasted = 0
    for i in range(8):
        kept = np.mean(imgs[i] == i)
        assert np.all((imgs[i] == i) | np.isin(imgs[i], np.arange(8)))
        pasted += kept < 1
        assert abs(kept - lab[i, i]) < 0.35  # the label weight is the (continuous) kept area
    assert pasted > 0


def test_rand_augment_changes_images_in_value_range():
    x = _images((8, 6, 6, 3), high=1.0)  # the shape of the tests above, so jax reuses its compiled kernels
    out = to_np(layers.RandAugment(value_range=(0, 1), num_ops=3, factor=0.6, seed=9)(x, training=True))
    assert out.shape == x.shape and not np.allclose(out, x)
    assert np.isfinite(out).all()


AUG_STACK = lambda: [  # noqa: E731
    layers.RandomFlip(seed=1), layers.RandomRotation(0.1, seed=2), layers.RandomZoom(0.1, seed=3),
    layers.RandomTranslation(0.1, 0.1, seed=4), layers.RandomContrast(0.2, seed=5),
    layers.RandomBrightness(0.1, value_range=(0, 1), seed=6), layers.RandomGrayscale(0.3, seed=10),
    layers.RandomHue(0.1, value_range=(0, 1), seed=7), layers.RandomSaturation(0.2, value_range=(0, 1), seed=8),
    layers.Solarization(0.1, 0.5, value_range=(0, 1), seed=11), layers.RandAugment(value_range=(0, 1), seed=12),
]


def test_augmentation_in_model_is_identity_in_predict_and_saves(tmp_path):
    x = _images(high=1.0)
    model = lamina.Sequential([lamina.Input((6, 6, 3))] + AUG_STACK() + [layers.CenterCrop(4, 4)])
    np.testing.assert_allclose(to_np(model.predict(x, verbose=0)), x[:, 1:5, 1:5], atol=1e-6)
    assert not np.allclose(to_np(model(x, training=True)), x[:, 1:5, 1:5])
    model.save(tmp_path / "aug.keras")
    loaded = lamina.saving.load_model(tmp_path / "aug.keras")
    as_json = lambda layer: json.loads(json.dumps(layer.get_config()))  # noqa: E731
    assert [as_json(l) for l in loaded.layers] == [as_json(l) for l in model.layers]
    np.testing.assert_allclose(to_np(loaded.predict(x, verbose=0)), x[:, 1:5, 1:5], atol=1e-6)


@requires_training
def test_augmentation_layers_in_fit_draw_new_transforms_each_step():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(16, 8, 8, 3)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    flip = layers.RandomFlip(seed=1)
    if BACKEND == "jax":
        # XLA compiles each layer's transform into the train step; on a small shared CPU the whole stack
        # (MixUp/CutMix's Beta sampler, RandAugment's ten branches) takes minutes, so jax trains a
        # representative subset here (every layer runs eagerly on jax in the tests above).
        stack = [layers.RandomRotation(0.1, seed=2), layers.RandomContrast(0.2, seed=5)]
    else:
        stack = AUG_STACK()[1:] + [layers.MixUp(seed=3), layers.CutMix(seed=4)]
    model = lamina.Sequential([lamina.Input((8, 8, 3))] + stack + [flip, layers.RandomCrop(6, 6, seed=5),
                                                                   layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    state = to_np(flip.seed_generator.state.value).copy()
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    # the seed generator advanced once per training step (4 steps), inside jit on jax too
    assert to_np(flip.seed_generator.state.value)[1] == state[1] + 4
    assert to_np(model.predict(x, verbose=0)).shape == (16, 1)


def test_rand_augment_equalization_matches_keras_equalization(keras):
    x = _images((3, 6, 7, 3), high=100.0) + 20.0
    x[..., 2] = 50.0  # a constant channel is left as it is
    ours = to_np(layers.RandAugment()._equalize(lamina.ops.convert_to_tensor(x)))
    theirs = keras.ops.convert_to_numpy(keras.layers.Equalization()(x, training=True))
    np.testing.assert_allclose(ours, theirs, atol=1e-4)
    np.testing.assert_array_equal(ours[..., 2], 50.0)
