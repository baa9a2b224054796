"""Regularization layers: identity at inference (parity with Keras 3), noise statistics in training,
reproducibility from a seed, activity penalties, masks, configs and clear errors."""

import math

import numpy as np
import pytest

import lamina
from lamina.layers import regularization as reg
from tests.conftest import assert_close, to_np
from tests.layers.layer_test_utils import run_layer_test

CF = "channels_first"
_SELU_ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946

# (class, constructor kwargs, input shape): parity with Keras at inference (and in training where no
# randomness is involved: rate/stddev 0, ActivityRegularization).
CASES = [
    ("SpatialDropout1D", dict(rate=0.3), (2, 5, 4)),
    ("SpatialDropout1D", dict(rate=0.5, seed=3), (2, 5, 4)),
    ("SpatialDropout2D", dict(rate=0.3), (2, 4, 5, 3)),
    ("SpatialDropout2D", dict(rate=0.4, data_format=CF, seed=1), (2, 3, 4, 5)),
    ("SpatialDropout3D", dict(rate=0.3), (1, 3, 4, 2, 3)),
    ("SpatialDropout3D", dict(rate=0.2, data_format=CF), (1, 3, 2, 4, 2)),
    ("GaussianNoise", dict(stddev=0.5), (2, 5)),
    ("GaussianNoise", dict(stddev=0.1, seed=7), (2, 3, 4)),
    ("GaussianDropout", dict(rate=0.3), (2, 5)),
    ("GaussianDropout", dict(rate=0.6, seed=2), (2, 3, 4)),
    ("AlphaDropout", dict(rate=0.3), (2, 5)),
    ("AlphaDropout", dict(rate=0.2, noise_shape=(None, 1, 4), seed=5), (2, 3, 4)),
    ("ActivityRegularization", {}, (2, 5)),
    ("ActivityRegularization", dict(l1=0.1, l2=0.02), (2, 3, 4)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras_at_inference(keras, name, kwargs, shape):
    layer, out = run_layer_test(getattr(reg, name), kwargs, shape, keras=keras)
    assert layer.weights == []
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    assert_close(layer(x), x, atol=0, rtol=0)   # identity at inference, also with training=False
    assert_close(layer(x, training=False), x, atol=0, rtol=0)


@pytest.mark.parametrize("name,kwargs", [("SpatialDropout2D", dict(rate=0.0)), ("GaussianNoise", dict(stddev=0.0)),
                                         ("GaussianDropout", dict(rate=0.0)), ("AlphaDropout", dict(rate=0.0))])
def test_zero_rate_is_identity_in_training_too(keras, name, kwargs):
    shape = (2, 3, 4, 5) if name.startswith("Spatial") else (2, 5)
    run_layer_test(getattr(reg, name), kwargs, shape, keras=keras, training_modes=(False, True))
    assert getattr(getattr(reg, name)(**kwargs), "seed_generator", None) is None


# ---------------------------------------------------------------------- training statistics
def _x(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize("name,kwargs,shape,channel_axis", [
    ("SpatialDropout1D", {}, (64, 6, 32), 2),
    ("SpatialDropout2D", {}, (64, 3, 4, 32), 3),
    ("SpatialDropout2D", dict(data_format=CF), (64, 32, 3, 4), 1),
    ("SpatialDropout3D", {}, (32, 2, 3, 2, 32), 4),
    ("SpatialDropout3D", dict(data_format=CF), (32, 32, 2, 3, 2), 1),
])
def test_spatial_dropout_drops_whole_channels(name, kwargs, shape, channel_axis):
    rate = 0.4
    x = np.abs(_x(shape)) + 0.1   # no zeros in the inputs
    y = to_np(getattr(reg, name)(rate, seed=1, **kwargs)(x, training=True))
    dropped = y == 0
    kept = ~dropped
    assert_close(y[kept], x[kept] / (1 - rate), atol=1e-5)
    # A channel of a sample is dropped everywhere or nowhere.
    spatial = tuple(a for a in range(1, len(shape)) if a != channel_axis)
    per_map = dropped.mean(axis=spatial)
    assert np.all((per_map == 0) | (per_map == 1))
    assert abs(per_map.mean() - rate) < 0.08, per_map.mean()


def test_gaussian_noise_statistics():
    x = _x((200, 100))
    y = to_np(reg.GaussianNoise(0.3, seed=4)(x, training=True))
    noise = y - x
    assert abs(noise.mean()) < 0.01
    assert abs(noise.std() - 0.3) < 0.01
    assert y.dtype == np.float32


def test_gaussian_dropout_statistics():
    rate = 0.3
    x = np.full((200, 100), 2.0, "float32")
    factor = to_np(reg.GaussianDropout(rate, seed=4)(x, training=True)) / 2.0
    assert abs(factor.mean() - 1.0) < 0.01
    assert abs(factor.std() - math.sqrt(rate / (1 - rate))) < 0.01


def test_alpha_dropout_keeps_mean_and_variance_and_uses_selu_saturation():
    rate = 0.2
    x = _x((200, 100))
    y = to_np(reg.AlphaDropout(rate, seed=4)(x, training=True))
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02
    a = ((1 - rate) * (1 + rate * _SELU_ALPHA_P ** 2)) ** -0.5
    b = -a * _SELU_ALPHA_P * rate
    kept = np.isclose(y, a * x + b, atol=1e-5)
    dropped = np.isclose(y, a * _SELU_ALPHA_P + b, atol=1e-5)
    assert np.all(kept | dropped)
    assert abs(dropped.mean() - rate) < 0.01


def test_alpha_dropout_noise_shape_shares_the_mask():
    x = _x((64, 5, 16))
    y = to_np(reg.AlphaDropout(0.5, noise_shape=(None, 1, 16), seed=2)(x, training=True))
    a = ((1 - 0.5) * (1 + 0.5 * _SELU_ALPHA_P ** 2)) ** -0.5
    b = -a * _SELU_ALPHA_P * 0.5
    dropped = np.isclose(y, a * _SELU_ALPHA_P + b, atol=1e-5)
    assert np.all(dropped == dropped[:, :1, :])   # the same mask at every step
    assert 0.3 < dropped.mean() < 0.7


@pytest.mark.parametrize("name,kwargs,shape", [
    ("SpatialDropout1D", dict(rate=0.5), (4, 3, 8)),
    ("SpatialDropout2D", dict(rate=0.5, data_format=CF), (4, 8, 3, 3)),
    ("GaussianNoise", dict(stddev=0.5), (4, 8)),
    ("GaussianDropout", dict(rate=0.5), (4, 8)),
    ("AlphaDropout", dict(rate=0.5), (4, 8)),
])
def test_seed_makes_results_reproducible(name, kwargs, shape):
    x = np.abs(_x(shape)) + 0.1
    first = getattr(reg, name)(seed=42, **kwargs)
    again = getattr(reg, name)(seed=42, **kwargs)
    other = getattr(reg, name)(seed=43, **kwargs)
    y1 = to_np(first(x, training=True))
    np.testing.assert_array_equal(y1, to_np(again(x, training=True)))
    assert not np.array_equal(y1, to_np(other(x, training=True)))
    # Successive calls of one layer draw fresh noise.
    assert not np.array_equal(y1, to_np(first(x, training=True)))
    assert not np.array_equal(y1, x)


def test_noise_follows_training_flag_in_a_model():
    inputs = lamina.Input((8,))
    model = lamina.Model(inputs, reg.GaussianNoise(0.5, seed=1)(inputs))
    x = _x((4, 8))
    assert_close(model(x), x, atol=0, rtol=0)
    assert_close(model.predict(x, verbose=0), x, atol=0, rtol=0)
    assert not np.allclose(to_np(model(x, training=True)), x)


# ---------------------------------------------------------------------- ActivityRegularization
def test_activity_regularization_losses_match_keras(keras):
    x = _x((3, 4))
    ours = reg.ActivityRegularization(l1=0.1, l2=0.02)
    theirs = keras.layers.ActivityRegularization(l1=0.1, l2=0.02)
    assert_close(ours(x), x, atol=0, rtol=0)
    theirs(x)
    assert len(ours.losses) == 1
    expected = (0.1 * np.abs(x).sum() + 0.02 * np.square(x).sum()) / 3   # per sample of the batch
    assert_close(keras.ops.convert_to_numpy(theirs.losses[0]), expected, atol=1e-5)
    assert_close(ours.losses[0], expected, atol=1e-5)
    # Losses are replaced, not accumulated, by the next top-level call.
    ours(2 * x)
    assert len(ours.losses) == 1
    assert_close(ours.losses[0], (0.2 * np.abs(x).sum() + 0.08 * np.square(x).sum()) / 3, atol=1e-4)


def test_activity_regularization_penalty_is_l1_plus_l2_of_the_output():
    # Holds with or without Keras's division by the batch size (batch of 1).
    x = _x((1, 6))
    ours = reg.ActivityRegularization(l1=0.1, l2=0.02)
    assert_close(ours(x), x, atol=0, rtol=0)
    assert len(ours.losses) == 1
    assert_close(ours.losses[0], 0.1 * np.abs(x).sum() + 0.02 * np.square(x).sum(), atol=1e-5)
    ours(2 * x)
    assert len(ours.losses) == 1   # replaced, not accumulated, by the next top-level call
    assert_close(ours.losses[0], 0.2 * np.abs(x).sum() + 0.08 * np.square(x).sum(), atol=1e-5)


def test_activity_regularization_adds_to_model_loss():
    inputs = lamina.Input((4,))
    model = lamina.Model(inputs, reg.ActivityRegularization(l2=0.5)(inputs))
    model(np.ones((1, 4), "float32"))
    assert_close(sum(to_np(v) for v in model.losses), 0.5 * 4, atol=1e-5)


def test_training_argument_is_accepted_by_layers_without_it(keras):
    x = _x((2, 4))
    assert_close(keras.layers.ActivityRegularization(l1=0.1)(x, training=True), x, atol=0, rtol=0)
    assert_close(reg.ActivityRegularization(l1=0.1)(x, training=True), x, atol=0, rtol=0)


# ---------------------------------------------------------------------- masks
@pytest.mark.parametrize("name,kwargs", [
    ("SpatialDropout1D", dict(rate=0.5)), ("GaussianNoise", dict(stddev=0.1)), ("GaussianDropout", dict(rate=0.1)),
    ("AlphaDropout", dict(rate=0.1)), ("ActivityRegularization", dict(l1=0.1)),
])
def test_masks_pass_through_like_keras(keras, name, kwargs):
    x = _x((2, 4, 3))
    x[0, 2:] = 0.0
    for lib, layers in ((lamina, reg), (keras, keras.layers)):
        masked = lib.layers.Masking()(lib.Input((4, 3)))
        y = getattr(layers, name)(**kwargs)(masked)
        assert getattr(y, "_keras_mask", None) is not None, lib.__name__
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    np.testing.assert_array_equal(to_np(getattr(reg, name)(**kwargs).compute_mask(x, mask)), mask)


# ---------------------------------------------------------------------- configs
@pytest.mark.parametrize("name,kwargs", [
    ("SpatialDropout1D", dict(rate=0.3, seed=1)),
    ("SpatialDropout2D", dict(rate=0.3, data_format=CF)),
    ("SpatialDropout3D", dict(rate=0.1, seed=2)),
    ("GaussianNoise", dict(stddev=0.2, seed=3)),
    ("GaussianDropout", dict(rate=0.2)),
    ("AlphaDropout", dict(rate=0.2, noise_shape=(None, 1, 4))),
    ("ActivityRegularization", dict(l1=0.3)),
])
def test_config_equals_keras(keras, name, kwargs):
    ours = getattr(reg, name)(**kwargs).get_config()
    theirs = getattr(keras.layers, name)(**kwargs).get_config()
    ours.pop("name"), theirs.pop("name")
    assert ours == theirs
    restored = getattr(reg, name).from_config(ours).get_config()
    restored.pop("name")
    assert restored == ours


def test_spatial_dropout_accepts_only_keras_arguments():
    with pytest.raises(TypeError):
        reg.SpatialDropout1D(0.5, noise_shape=(None, 1, 3))
    layer = reg.SpatialDropout2D(0.5, name="sd", dtype="float32")
    assert layer.name == "sd"


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("name,kwargs,arg", [
    ("SpatialDropout1D", dict(rate=1.5), "rate"), ("SpatialDropout2D", dict(rate=-0.1), "rate"),
    ("GaussianNoise", dict(stddev=2.0), "stddev"), ("GaussianDropout", dict(rate=1.2), "rate"),
    ("AlphaDropout", dict(rate=-1), "rate"),
])
def test_out_of_range_rates_are_errors(name, kwargs, arg):
    with pytest.raises(ValueError, match=rf"{name}.*`{arg}`.*between 0 and 1.*{arg}="):
        getattr(reg, name)(**kwargs)


def test_wrong_rank_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r'"sd".*expected ndim=4, found ndim=3.*\(2, 5, 3\)'):
        reg.SpatialDropout2D(0.5, name="sd")(np.ones((2, 5, 3), "float32"), training=True)
    with pytest.raises(ValueError, match=r'"sd1".*expected ndim=3, found ndim=2'):
        reg.SpatialDropout1D(0.5, name="sd1")(lamina.KerasTensor((None, 4)))
    with pytest.raises(ValueError, match=r"SpatialDropout3D.*`data_format`.*'channels_middle'"):
        reg.SpatialDropout3D(0.5, data_format="channels_middle")


def test_alpha_dropout_bad_noise_shape():
    with pytest.raises(ValueError, match=r'AlphaDropout layer "ad".*`noise_shape` \(None, 1\).*rank.*\(2, 3, 4\)'):
        reg.AlphaDropout(0.5, noise_shape=(None, 1), name="ad")(np.ones((2, 3, 4), "float32"), training=True)
