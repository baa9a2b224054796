"""Normalization layers against real Keras 3 (outputs, moving statistics, weights, configs), NumPy
references, masks, training steps and clear errors."""

import warnings

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import assert_close, requires_training, to_np
from tests.layers.layer_test_utils import BACKEND, run_layer_test

BOTH = (False, True)

# (class, constructor kwargs, input shape, training modes compared with Keras)
CASES = [
    ("BatchNormalization", {}, (6, 4), BOTH),
    ("BatchNormalization", dict(axis=1, momentum=0.8, epsilon=1e-2), (4, 3, 5, 5), BOTH),
    ("BatchNormalization", dict(center=False), (5, 3, 4), BOTH),
    ("BatchNormalization", dict(scale=False, axis=-2), (5, 3, 4), BOTH),
    ("BatchNormalization", dict(center=False, scale=False), (5, 4), BOTH),
    ("BatchNormalization", dict(gamma_initializer="random_normal", beta_initializer="random_uniform",
                                moving_mean_initializer="random_normal", moving_variance_initializer="ones",
                                gamma_regularizer="l2", beta_regularizer="l1", gamma_constraint="non_neg",
                                beta_constraint="max_norm"), (8, 3), BOTH),
    ("BatchNormalization", dict(renorm=True, renorm_clipping={"rmax": 2.0, "rmin": 0.5, "dmax": 1.0},
                                renorm_momentum=0.9, momentum=0.8), (8, 3), BOTH),
    ("LayerNormalization", {}, (3, 6), BOTH),
    ("LayerNormalization", dict(axis=[1, 2], epsilon=1e-5), (2, 3, 4, 5), BOTH),
    ("LayerNormalization", dict(axis=1, center=False), (2, 5, 4), BOTH),
    ("LayerNormalization", dict(scale=False, gamma_regularizer="l2", beta_constraint="non_neg"), (2, 5, 4), BOTH),
    ("LayerNormalization", dict(axis=(-1, -2)), (2, 5, 4), BOTH),
    ("GroupNormalization", dict(groups=2), (2, 5, 4), BOTH),
    ("GroupNormalization", dict(groups=-1, epsilon=1e-5), (2, 3, 3, 6), BOTH),
    ("GroupNormalization", dict(groups=1, center=False), (2, 5, 4), BOTH),
    ("GroupNormalization", dict(groups=3, axis=1, scale=False), (2, 6, 4, 3), BOTH),
    ("GroupNormalization", dict(groups=2, axis=-2, gamma_initializer="random_normal"), (2, 4, 6, 3), BOTH),
    ("UnitNormalization", {}, (3, 5), BOTH),
    ("UnitNormalization", dict(axis=[1, 2]), (2, 3, 4), BOTH),
    ("UnitNormalization", dict(axis=1), (2, 3, 4), BOTH),
    ("RMSNormalization", {}, (3, 5), BOTH),
    ("RMSNormalization", dict(axis=[1, 2], epsilon=1e-3), (2, 3, 4), BOTH),
]


@pytest.mark.parametrize("name,kwargs,shape,modes", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_layer_parity(name, kwargs, shape, modes, keras):
    if BACKEND == "torch" and name == "LayerNormalization" and kwargs.get("axis", -1) in ([1, 2], 1):
        keras = None   # Keras 3 on torch hands non-trailing axes to F.layer_norm and fails; see the reference test
    layer, out = run_layer_test(getattr(layers, name), kwargs, input_shape=shape, keras=keras,
                                training_modes=modes, atol=1e-5, rtol=1e-4)
    assert tuple(to_np(out).shape) == shape


def test_layer_normalization_rms_scaling(keras):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer, _ = run_layer_test(layers.LayerNormalization, dict(rms_scaling=True), input_shape=(3, 6),
                                  keras=keras, training_modes=BOTH)
    assert [w.name for w in layer.weights] == ["gamma"]
    with pytest.warns(UserWarning, match="deprecated"):
        layers.LayerNormalization(rms_scaling=True)


# ---------------------------------------------------------------- numpy references
def test_batch_normalization_training_and_inference_reference():
    rng = np.random.default_rng(1)
    x = rng.normal(2.0, 3.0, size=(16, 3)).astype("float32")
    bn = layers.BatchNormalization(momentum=0.9, epsilon=1e-3)
    y = to_np(bn(x, training=True))
    mean, var = x.mean(0), x.var(0)
    assert_close(y, (x - mean) / np.sqrt(var + 1e-3), atol=1e-5)
    assert_close(bn.moving_mean, 0.1 * mean, atol=1e-5)
    assert_close(bn.moving_variance, 0.9 + 0.1 * var, atol=1e-5)
    # Inference uses the moving statistics and leaves them alone.
    y = to_np(bn(x))
    assert_close(y, (x - 0.1 * mean) / np.sqrt(0.9 + 0.1 * var + 1e-3), atol=1e-5)
    assert_close(bn.moving_mean, 0.1 * mean, atol=1e-5)


def test_frozen_batch_normalization_runs_in_inference_mode():
    x = np.random.default_rng(2).normal(size=(8, 3)).astype("float32")
    bn = layers.BatchNormalization()
    bn.build(x.shape)
    bn.trainable = False
    y = to_np(bn(x, training=True))
    assert_close(y, x / np.sqrt(1 + 1e-3), atol=1e-6)
    assert_close(bn.moving_mean, np.zeros(3), atol=0)
    assert_close(bn.moving_variance, np.ones(3), atol=0)


@pytest.mark.parametrize("axis", [[1, 2], 1, [0, 2]])
def test_layer_normalization_reference(axis):
    rng = np.random.default_rng(10)
    x = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    layer = layers.LayerNormalization(axis=axis, epsilon=1e-3)
    layer.build(x.shape)
    axes = tuple(axis) if isinstance(axis, list) else (axis,)
    shape = [1] * 4
    for a in axes:
        shape[a] = x.shape[a]
    gamma = rng.normal(size=[x.shape[a] for a in axes]).astype("float32")
    beta = rng.normal(size=gamma.shape).astype("float32")
    layer.set_weights([gamma, beta])
    ref = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-3)
    assert_close(layer(x), ref * gamma.reshape(shape) + beta.reshape(shape), atol=1e-5)


def test_group_normalization_reference():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 5, 6)).astype("float32")
    gn = layers.GroupNormalization(groups=3, epsilon=1e-3)
    y = to_np(gn(x))
    g = x.reshape(2, 5, 3, 2)
    ref = (g - g.mean(axis=(1, 3), keepdims=True)) / np.sqrt(g.var(axis=(1, 3), keepdims=True) + 1e-3)
    assert_close(y, ref.reshape(2, 5, 6), atol=1e-5)


def test_unit_and_rms_normalization_reference():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], "float32")
    assert_close(layers.UnitNormalization()(x), [[0.6, 0.8], [0.0, 0.0]])
    y = to_np(layers.RMSNormalization(epsilon=0.0)(np.array([[1.0, 7.0]], "float32")))
    assert_close(y, np.array([[1.0, 7.0]]) / 5.0, atol=1e-6)


def test_rms_normalization_on_a_middle_axis():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    layer = layers.RMSNormalization(axis=1)
    layer.build(x.shape)
    scale = np.array([1.0, 2.0, 3.0], "float32")
    layer.set_weights([scale])
    ref = x / np.sqrt(np.mean(x ** 2, axis=1, keepdims=True) + 1e-6) * scale[None, :, None]
    assert_close(layer(x), ref, atol=1e-5)


# ---------------------------------------------------------------- masks
def _masked_case():
    rng = np.random.default_rng(5)
    x = rng.normal(1.0, 2.0, size=(3, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool)
    return x, mask


def test_batch_normalization_mask_excludes_masked_steps(keras):
    x, mask = _masked_case()
    bn = layers.BatchNormalization(momentum=0.5)
    y = to_np(bn(x, training=True, mask=mask))
    kept = x[mask]
    mean, var = kept.mean(0), kept.var(0)
    assert_close(bn.moving_mean, 0.5 * mean, atol=1e-5)
    assert_close(bn.moving_variance, 0.5 + 0.5 * var, atol=1e-5)
    assert_close(y, (x - mean) / np.sqrt(var + 1e-3), atol=1e-4)
    theirs = keras.layers.BatchNormalization(momentum=0.5)
    ref = keras.ops.convert_to_numpy(theirs(x, training=True, mask=mask))
    assert_close(y, ref, atol=1e-5)
    for ours_w, theirs_w in zip(bn.get_weights(), theirs.get_weights()):
        assert_close(ours_w, theirs_w, atol=1e-6)


def test_mask_propagates_from_masking_layer():
    x, mask = _masked_case()
    x = np.where(mask[..., None], x, 0.0).astype("float32")
    inputs = lamina.Input((5, 2))
    outputs = layers.BatchNormalization(momentum=0.0)(layers.Masking(0.0)(inputs))
    model = lamina.Model(inputs, outputs)
    model(x, training=True)
    bn = model.layers[-1]
    assert_close(bn.moving_mean, x[mask].mean(0), atol=1e-5)
    for cls in (layers.LayerNormalization, layers.GroupNormalization, layers.UnitNormalization):
        layer = cls(groups=2) if cls is layers.GroupNormalization else cls()
        out = layer(layers.Masking(0.0)(lamina.KerasTensor((None, 5, 2))))
        assert getattr(out, "_keras_mask", None) is not None, cls.__name__


# ---------------------------------------------------------------- spectral normalization
def _spectral_pair(keras, inner, inner_kwargs, power_iterations, x):
    ours = layers.SpectralNormalization(getattr(layers, inner)(**inner_kwargs), power_iterations=power_iterations)
    theirs = keras.layers.SpectralNormalization(getattr(keras.layers, inner)(**inner_kwargs),
                                                power_iterations=power_iterations)
    ours(x)
    theirs(x)
    assert [(w.name, tuple(w.shape), w.trainable) for w in ours.weights] == \
        [(w.name, tuple(w.shape), w.trainable) for w in theirs.weights]
    theirs.set_weights(ours.get_weights())
    return ours, theirs


@pytest.mark.parametrize("inner,inner_kwargs,shape,iters", [
    ("Dense", dict(units=3), (4, 5), 1),
    ("Dense", dict(units=4, use_bias=False), (2, 3, 6), 3),
    ("Conv2D", dict(filters=3, kernel_size=2), (2, 5, 5, 2), 2),
    ("Embedding", dict(input_dim=7, output_dim=3), (2, 4), 1),
])
def test_spectral_normalization_parity(keras, inner, inner_kwargs, shape, iters):
    rng = np.random.default_rng(6)
    x = rng.integers(0, 7, size=shape).astype("int32") if inner == "Embedding" \
        else rng.normal(size=shape).astype("float32")
    ours, theirs = _spectral_pair(keras, inner, inner_kwargs, iters, x)
    assert_close(ours(x), keras.ops.convert_to_numpy(theirs(x)), atol=1e-5)
    for _ in range(2):   # training: u and the kernel are updated, twice in a row
        assert_close(ours(x, training=True), keras.ops.convert_to_numpy(theirs(x, training=True)), atol=1e-5)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            assert_close(a, b, atol=1e-5, rtol=1e-4)
    config = ours.get_config()
    assert _no_names(config) == _no_names(theirs.get_config())
    assert config["power_iterations"] == iters and config["layer"]["class_name"] == inner


def _no_names(config):
    """A config as JSON would store it (tuples as lists), without the auto-generated names."""
    if isinstance(config, dict):
        return {k: _no_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, (list, tuple)):
        return [_no_names(v) for v in config]
    return config


def test_spectral_normalization_kernel_has_unit_spectral_norm():
    rng = np.random.default_rng(7)
    sn = layers.SpectralNormalization(layers.Dense(6), power_iterations=6)
    x = rng.normal(size=(3, 8)).astype("float32")
    sn(x)
    u, _ = np.linalg.qr(rng.normal(size=(8, 6)))
    v, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    kernel = (u * np.array([5.0, 1.0, 0.8, 0.5, 0.2, 0.1])) @ v.T   # spectral norm 5, well separated
    sn.layer.kernel.assign(kernel.astype("float32"))
    sn(x, training=True)
    assert abs(np.linalg.svd(to_np(sn.layer.kernel), compute_uv=False)[0] - 1.0) < 1e-3
    zero = layers.SpectralNormalization(layers.Dense(2, kernel_initializer="zeros"))
    zero(x, training=True)   # an all-zero kernel is left alone (no division by zero)
    assert np.all(to_np(zero.layer.kernel) == 0)


def test_spectral_normalization_layer_test():
    run_layer_test(layers.SpectralNormalization, {"layer": layers.Dense(3), "power_iterations": 2},
                   input_shape=(4, 5), expected_num_trainable_weights=2, expected_num_non_trainable_weights=1)


def test_spectral_normalization_config_round_trip():
    sn = layers.SpectralNormalization(layers.Dense(3, activation="relu"), power_iterations=2)
    sn(np.ones((2, 4), "float32"))
    clone = layers.deserialize(layers.serialize(sn))
    assert isinstance(clone.layer, layers.Dense) and clone.layer.units == 3 and clone.power_iterations == 2


# ---------------------------------------------------------------- configs before building
@pytest.mark.parametrize("name,kwargs", [
    ("BatchNormalization", dict(axis=1, momentum=0.5, gamma_regularizer="l2")),
    ("LayerNormalization", dict(axis=[1, 2], center=False)),
    ("GroupNormalization", dict(groups=4, axis=-1)),
    ("UnitNormalization", dict(axis=(1, 2))),
    ("RMSNormalization", dict(axis=-1, epsilon=1e-4)),
])
def test_unbuilt_config_matches_keras(keras, name, kwargs):
    ours = getattr(layers, name)(**kwargs).get_config()
    theirs = getattr(keras.layers, name)(**kwargs).get_config()
    ours.pop("name"), theirs.pop("name")
    assert ours == theirs


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("name,kwargs", [
    ("BatchNormalization", dict(axis=3)),
    ("LayerNormalization", dict(axis=[1, 4])),
    ("GroupNormalization", dict(groups=1, axis=-4)),
    ("UnitNormalization", dict(axis=5)),
    ("RMSNormalization", dict(axis=-3)),
])
def test_axis_out_of_bounds(name, kwargs):
    with pytest.raises(ValueError, match=rf"{name}.*axis -?\d is out of bounds.*rank 2"):
        getattr(layers, name)(**kwargs)(np.ones((2, 3), "float32"))


def test_errors():
    x = np.ones((2, 5, 4), "float32")
    with pytest.raises(ValueError, match=r"GroupNormalization.*channels \(4\).*multiple of the number of groups \(3\)"):
        layers.GroupNormalization(groups=3)(x)
    with pytest.raises(ValueError, match=r"GroupNormalization.*groups \(8\) cannot be more than.*channels \(4\)"):
        layers.GroupNormalization(groups=8)(x)
    with pytest.raises(ValueError, match=r"GroupNormalization.*`groups` must be a positive integer.*groups=0"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match=r"SpectralNormalization.*Activation.*no `kernel` nor `embeddings`"):
        layers.SpectralNormalization(layers.Activation("relu"))(x)
    with pytest.raises(ValueError, match=r"SpectralNormalization.*must be a lamina Layer"):
        layers.SpectralNormalization("dense")
    with pytest.raises(ValueError, match=r"SpectralNormalization.*power_iterations.*greater than zero"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match=r"BatchNormalization.*mask must have one dimension less.*mask.shape=\(2, 5, 4\)"):
        layers.BatchNormalization()(x, training=True, mask=np.ones((2, 5, 4), bool))
    with pytest.raises(ValueError, match=r"BatchNormalization.*synchronized=True"):
        layers.BatchNormalization(synchronized=True)
    with pytest.raises(ValueError, match=r"BatchNormalization.*renorm_clipping"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"rmx": 1.0})
    with pytest.raises(TypeError, match=r"BatchNormalization.*`axis` must be an int"):
        layers.BatchNormalization(axis=[1, 2])
    with pytest.raises(TypeError, match=r"LayerNormalization.*`axis` must be an int or.*list"):
        layers.LayerNormalization(axis="last")
    bn = layers.BatchNormalization()
    bn(x)
    with pytest.raises(ValueError, match=r"batch_normalization.*expected axis -1 of input shape to have value 4"):
        bn(np.ones((2, 5, 3), "float32"))


# ---------------------------------------------------------------- dtypes
def test_mixed_precision_keeps_float32_statistics(keras):
    x = np.random.default_rng(8).normal(size=(8, 3)).astype("float32")
    bn = layers.BatchNormalization(dtype="mixed_float16")
    y = bn(x, training=True)
    assert lamina.backend.standardize_dtype(y.dtype) == "float16"
    assert bn.moving_mean.dtype == "float32" and bn.gamma.dtype == "float32"
    theirs = keras.layers.BatchNormalization(dtype="mixed_float16")
    ref = keras.ops.convert_to_numpy(theirs(x, training=True))
    assert_close(y, ref, atol=2e-3)
    assert_close(bn.moving_variance, theirs.moving_variance, atol=1e-5)
    ln = layers.LayerNormalization(dtype="mixed_float16")
    assert lamina.backend.standardize_dtype(ln(x).dtype) == "float16"


# ---------------------------------------------------------------- training
@requires_training
def test_fit_updates_moving_statistics_like_keras(keras):
    rng = np.random.default_rng(9)
    x = rng.normal(3.0, 2.0, size=(16, 4)).astype("float32")
    y = rng.normal(size=(16, 2)).astype("float32")

    def build(lib):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(2), lib.layers.BatchNormalization(momentum=0.9)])
        model.compile(optimizer="sgd", loss="mse")
        return model

    ours, theirs = build(lamina), build(keras)
    theirs.set_weights(ours.get_weights())
    ours.fit(x, y, batch_size=16, epochs=1, verbose=0)
    theirs.fit(x, y, batch_size=16, epochs=1, verbose=0)
    bn = ours.layers[-1]
    assert not np.allclose(to_np(bn.moving_mean), 0.0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        assert_close(a, b, atol=1e-5, rtol=1e-4)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-4)
