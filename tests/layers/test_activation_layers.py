"""Activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax) against real Keras 3 and NumPy references:
values, shapes, weights, configs, masks and clear errors."""

import numpy as np
import pytest

import lamina
from lamina.layers import activations as act
from tests.conftest import assert_close, requires_training, to_np
from tests.layers.layer_test_utils import run_layer_test

# (class, constructor kwargs, input shape)
CASES = [
    ("ReLU", {}, (2, 5)),
    ("ReLU", dict(max_value=1.0), (2, 3, 4)),
    ("ReLU", dict(negative_slope=0.2), (2, 5)),
    ("ReLU", dict(threshold=0.5), (2, 5)),
    ("ReLU", dict(max_value=1.5, negative_slope=0.1, threshold=0.3), (2, 3, 4)),
    ("ReLU", dict(max_value=0.0), (2, 5)),
    ("LeakyReLU", {}, (2, 5)),
    ("LeakyReLU", dict(negative_slope=0.05), (2, 3, 4)),
    ("ELU", {}, (2, 5)),
    ("ELU", dict(alpha=0.5), (2, 3, 4)),
    ("PReLU", {}, (2, 5)),
    ("PReLU", dict(alpha_initializer="random_uniform"), (2, 3, 4)),
    ("PReLU", dict(alpha_initializer="random_uniform", shared_axes=[1, 2]), (2, 3, 4, 5)),
    ("PReLU", dict(alpha_initializer="random_uniform", shared_axes=1), (2, 3, 4)),
    ("PReLU", dict(alpha_initializer="random_uniform", shared_axes=(2, 3), alpha_regularizer="l2",
                   alpha_constraint="non_neg"), (2, 3, 4, 5)),
    ("Softmax", {}, (2, 5)),
    ("Softmax", dict(axis=1), (2, 3, 4)),
    ("Softmax", dict(axis=(1, 2)), (2, 3, 4)),
    ("Softmax", dict(axis=[-1]), (2, 3, 4)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras(keras, name, kwargs, shape):
    # With alpha == 0 (the default initializer) the squared-output loss has zero gradient for alpha.
    zero_alpha = name == "PReLU" and "alpha_initializer" not in kwargs
    run_layer_test(getattr(act, name), kwargs, shape, keras=keras, atol=1e-6, rtol=1e-6,
                   run_training_check=not zero_alpha)


def test_prelu_weight_shapes_and_names(keras):
    for kwargs, shape, alpha_shape in [({}, (None, 3, 4), (3, 4)), (dict(shared_axes=[1, 2]), (None, 6, 5, 3), (1, 1, 3)),
                                       (dict(shared_axes=2), (None, 6, 5), (6, 1))]:
        ours = act.PReLU(**kwargs)
        ours.build(shape)
        theirs = keras.layers.PReLU(**kwargs)
        theirs.build(shape)
        assert [(w.name, tuple(w.shape)) for w in ours.weights] == [("alpha", alpha_shape)]
        assert [(w.name, tuple(w.shape)) for w in theirs.weights] == [("alpha", alpha_shape)]


@pytest.mark.parametrize("x_value", [-2.0, -0.2, 0.0, 0.2, 0.5, 1.0, 1.4, 3.0])
def test_relu_piecewise_definition(x_value):
    x = np.full((1, 1), x_value, "float32")
    max_value, slope, threshold = 1.2, 0.1, 0.3
    y = float(to_np(act.ReLU(max_value=max_value, negative_slope=slope, threshold=threshold)(x))[0, 0])
    expected = max_value if x_value >= max_value else x_value if x_value >= threshold else slope * (x_value - threshold)
    assert abs(y - expected) < 1e-6


def test_values_match_numpy():
    x = np.random.default_rng(0).normal(size=(3, 4, 5)).astype("float32")
    assert_close(act.LeakyReLU(0.2)(x), np.where(x >= 0, x, 0.2 * x))
    assert_close(act.ELU(0.7)(x), np.where(x > 0, x, 0.7 * (np.exp(x) - 1)), atol=1e-6)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    assert_close(act.Softmax(axis=1)(x), e / e.sum(axis=1, keepdims=True), atol=1e-6)
    e = np.exp(x - x.max(axis=(1, 2), keepdims=True))
    assert_close(act.Softmax(axis=(1, 2))(x), e / e.sum(axis=(1, 2), keepdims=True), atol=1e-6)
    prelu = act.PReLU(shared_axes=[1])
    prelu.build(x.shape)
    alpha = np.random.default_rng(1).uniform(size=(1, 5)).astype("float32")
    prelu.set_weights([alpha])
    assert_close(prelu(x), np.where(x >= 0, x, alpha * x), atol=1e-6)


def test_leaky_relu_accepts_keras2_alpha_with_a_warning():
    with pytest.warns(UserWarning, match="alpha"):
        layer = act.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
    assert "alpha" not in layer.get_config()


def test_int_inputs(keras):
    x = np.array([[-2, 0, 3]], "int32")
    ours = to_np(act.ReLU()(x))
    theirs = keras.ops.convert_to_numpy(keras.layers.ReLU()(x))
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == theirs.dtype


@requires_training
def test_prelu_alpha_is_learned_only_from_negative_inputs():
    inputs = lamina.Input((4,))
    layer = act.PReLU(alpha_initializer="zeros")
    model = lamina.Model(inputs, layer(inputs))
    model.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse")
    x = np.array([[-1.0, -1.0, 1.0, 1.0]], "float32")
    model.train_on_batch(x, -0.5 * np.ones((1, 4), "float32"))
    alpha = layer.get_weights()[0]
    assert np.all(alpha[:2] > 0) and np.all(alpha[2:] == 0)


# ---------------------------------------------------------------------- Softmax masks
def _softmax_masked_reference(x, mask, axis=-1):
    z = np.where(mask, x, -1e9)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return np.where(mask, e / e.sum(axis=axis, keepdims=True), 0.0)


@pytest.mark.parametrize("mask_shape,mask_dtype", [((2, 3, 4), "bool"), ((2, 1, 4), "bool"), ((4,), "bool"),
                                                   ((2, 3, 4), "float32"), ((2, 3, 4), "int32")])
def test_softmax_mask_matches_keras(keras, mask_shape, mask_dtype):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    mask = rng.uniform(size=mask_shape) > 0.4
    mask.flat[0] = False
    mask.flat[-1] = True
    mask = mask.astype(mask_dtype)
    if mask_dtype == "float32":
        mask = mask * 0.9   # kept where > 0.5
    ours = to_np(act.Softmax()(x, mask=mask))
    theirs = keras.ops.convert_to_numpy(keras.layers.Softmax()(x, mask=mask))
    assert_close(ours, theirs, atol=1e-6)
    assert_close(ours, _softmax_masked_reference(x, np.broadcast_to(mask > 0.5, x.shape)), atol=1e-6)


def test_softmax_fully_masked_row_is_zero_and_axis_tuple_with_mask(keras):
    x = np.random.default_rng(3).normal(size=(2, 3, 4)).astype("float32")
    mask = np.ones((2, 3, 4), bool)
    mask[0, 1] = False
    out = to_np(act.Softmax()(x, mask=mask))
    np.testing.assert_array_equal(out[0, 1], np.zeros(4, "float32"))
    mask[1, :, 2] = False
    ours = to_np(act.Softmax(axis=(1, 2))(x, mask=mask))
    theirs = keras.ops.convert_to_numpy(keras.layers.Softmax(axis=(1, 2))(x, mask=mask))
    assert_close(ours, theirs, atol=1e-6)
    assert_close(ours.sum(axis=(1, 2)), [1.0, 1.0], atol=1e-6)


def test_softmax_uses_mask_from_masking_layer_in_a_model(keras):
    # The Masking mask (batch, steps) broadcasts against (batch, steps, steps) scores only when
    # batch == steps; Keras accepts exactly that case, and so must lamina.
    x = np.random.default_rng(4).normal(size=(3, 3, 3)).astype("float32")
    x[0, 2] = 0.0
    x[2, 0] = 0.0

    def build(lib, layers):
        inp = lib.Input(x.shape[1:])
        return lib.Model(inp, layers.Softmax()(lib.layers.Masking()(inp)))

    ours = to_np(build(lamina, act)(x))
    assert_close(ours, keras.ops.convert_to_numpy(build(keras, keras.layers)(x)), atol=1e-6)
    assert np.all(ours[:, 2, 0] == 0.0) and np.all(ours[:, 0, 2] == 0.0)   # mask[i, j] applies to x[:, i, j]
    # Where the mask does not broadcast, both refuse.
    x = np.ones((2, 5, 1), "float32")
    with pytest.raises(ValueError, match="broadcastable"):
        build(keras, keras.layers)(x)
    with pytest.raises(ValueError, match=r"Softmax.*broadcastable.*\(2, 5, 1\).*\(2, 5\)"):
        build(lamina, act)(x)


def test_softmax_float16_uses_a_finite_large_negative(keras):
    x = np.random.default_rng(5).normal(size=(2, 4)).astype("float16")
    mask = np.array([[True, False, True, True], [False, False, True, True]])
    ours = to_np(act.Softmax(dtype="float16")(x, mask=mask))
    assert ours.dtype == np.float16 and np.all(np.isfinite(ours))
    theirs = keras.ops.convert_to_numpy(keras.layers.Softmax(dtype="float16")(x, mask=mask))
    assert_close(ours.astype("float32"), theirs.astype("float32"), atol=2e-3)


# ---------------------------------------------------------------------- masks pass through
@pytest.mark.parametrize("name,kwargs", [("ReLU", {}), ("LeakyReLU", {}), ("ELU", {}), ("PReLU", {}), ("Softmax", {})])
def test_masks_pass_through_like_keras(keras, name, kwargs):
    for lib, layers in ((lamina, act), (keras, keras.layers)):
        masked = lib.layers.Masking()(lib.Input((4, 3)))
        y = getattr(layers, name)(**kwargs)(masked)
        assert getattr(y, "_keras_mask", None) is not None, lib.__name__


# ---------------------------------------------------------------------- configs
@pytest.mark.parametrize("name,kwargs", [
    ("ReLU", dict(max_value=6.0, negative_slope=0.1, threshold=0.2)),
    ("LeakyReLU", dict(negative_slope=0.1)),
    ("ELU", dict(alpha=0.3)),
    ("PReLU", dict(alpha_initializer="ones", alpha_regularizer="l1", alpha_constraint="non_neg", shared_axes=[1, 2])),
    ("PReLU", dict(shared_axes=1)),
    ("Softmax", dict(axis=(1, 2))),
])
def test_config_equals_keras(keras, name, kwargs):
    ours = getattr(act, name)(**kwargs).get_config()
    theirs = getattr(keras.layers, name)(**kwargs).get_config()
    ours.pop("name"), theirs.pop("name")
    assert ours == theirs
    restored = getattr(act, name).from_config(ours).get_config()
    restored.pop("name")
    assert restored == ours


# ---------------------------------------------------------------------- errors
def test_argument_errors():
    with pytest.raises(ValueError, match=r"ReLU.*`max_value`.*non-negative.*-1"):
        act.ReLU(max_value=-1.0)
    with pytest.raises(ValueError, match=r"ReLU.*`negative_slope`.*None"):
        act.ReLU(negative_slope=None)
    with pytest.raises(ValueError, match=r"ReLU.*`threshold`.*-0.5"):
        act.ReLU(threshold=-0.5)
    with pytest.raises(ValueError, match=r"LeakyReLU.*`negative_slope`.*-0.1"):
        act.LeakyReLU(negative_slope=-0.1)


def test_softmax_mask_not_broadcastable():
    with pytest.raises(ValueError, match=r'Softmax layer "sm".*broadcastable.*\(2, 3\).*\(2, 4\)'):
        act.Softmax(name="sm")(np.ones((2, 3), "float32"), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match=r"Softmax.*broadcastable.*more dimensions"):
        act.Softmax()(np.ones((2, 3), "float32"), mask=np.ones((1, 2, 3), bool))


def test_prelu_errors_name_layer_and_shapes():
    with pytest.raises(ValueError, match=r'PReLU layer "pr".*shared_axes.*\[3\].*\(None, 4, 5\)'):
        act.PReLU(shared_axes=3, name="pr").build((None, 4, 5))
    with pytest.raises(ValueError, match=r'PReLU layer "pr2".*defined.*\(None, None, 5\)'):
        act.PReLU(name="pr2")(lamina.KerasTensor((None, None, 5)))
    # A dimension that is shared may be unknown.
    assert act.PReLU(shared_axes=1)(lamina.KerasTensor((None, None, 5))).shape == (None, None, 5)
    layer = act.PReLU(name="pr3")
    layer(np.ones((2, 4, 5), "float32"))
    with pytest.raises(ValueError, match=r'"pr3".*expected ndim=3, found ndim=2.*\(2, 4\)'):
        layer(np.ones((2, 4), "float32"))
    layer = act.PReLU(shared_axes=[1], name="pr4")
    layer(np.ones((2, 4, 5), "float32"))
    with pytest.raises(ValueError, match=r'"pr4".*axis 2.*value 5.*\(2, 4, 6\)'):
        layer(np.ones((2, 4, 6), "float32"))
