"""``lamina.ops.fused.dense`` equals ``matmul + add`` (values, dtypes and, on torch, gradients) in every
case, whether the backend's fused kernel takes it or declines it."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend import impl as B
from lamina.ops import fused

RNG = np.random.default_rng(5)


def _general(x, w, b):
    out = ops.matmul(x, w)
    return out if b is None else ops.add(out, b)


@pytest.mark.parametrize("x_shape", [(4, 3), (2, 5, 3), (2, 2, 5, 3)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_dense_equals_matmul_plus_bias(x_shape, with_bias):
    x = RNG.normal(size=x_shape).astype("float32")
    w = RNG.normal(size=(3, 6)).astype("float32")
    b = RNG.normal(size=(6,)).astype("float32") if with_bias else None
    got = fused.dense(ops.convert_to_tensor(x), ops.convert_to_tensor(w), None if b is None else ops.convert_to_tensor(b))
    want = x @ w + (0 if b is None else b)
    assert tuple(got.shape) == x_shape[:-1] + (6,)
    assert ops.dtype(got) == "float32"
    np.testing.assert_allclose(ops.convert_to_numpy(got), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("x_dtype,w_dtype", [("int32", "float32"), ("float16", "float32"), ("float32", "float64")])
def test_dense_mixed_dtypes_follow_keras_promotion(x_dtype, w_dtype):
    x = ops.convert_to_tensor(RNG.integers(-3, 3, size=(4, 3)).astype(x_dtype))
    w = ops.convert_to_tensor(RNG.normal(size=(3, 2)).astype(w_dtype))
    b = ops.convert_to_tensor(np.ones((2,), dtype=w_dtype))
    got, want = fused.dense(x, w, b), _general(x, w, b)
    assert ops.dtype(got) == ops.dtype(want)
    np.testing.assert_allclose(ops.convert_to_numpy(got), ops.convert_to_numpy(want), rtol=1e-3)


def test_dense_non_contiguous_input_and_variables():
    x = ops.transpose(ops.convert_to_tensor(RNG.normal(size=(3, 5, 2)).astype("float32")), (2, 1, 0))  # (2, 5, 3)
    w = lamina.Variable(RNG.normal(size=(3, 4)).astype("float32"))
    b = lamina.Variable(RNG.normal(size=(4,)).astype("float32"))
    np.testing.assert_allclose(ops.convert_to_numpy(fused.dense(x, w, b)),
                               ops.convert_to_numpy(_general(x, w, b)), rtol=1e-5, atol=1e-6)


def test_dense_symbolic_inputs_give_the_general_spec():
    x = lamina.KerasTensor((None, 7, 3))
    out = fused.dense(x, lamina.KerasTensor((3, 4)), lamina.KerasTensor((4,)))
    assert out.shape == (None, 7, 4)


@pytest.mark.skipif(B.NAME != "torch", reason="only torch has a fused dense kernel to compare gradients of")
def test_dense_gradients_equal_the_general_path_on_torch():
    import torch

    def grads(fn):
        x = torch.tensor(RNG_FIXED["x"], requires_grad=True)
        w = torch.tensor(RNG_FIXED["w"], requires_grad=True)
        b = torch.tensor(RNG_FIXED["b"], requires_grad=True)
        (fn(x, w, b) ** 2).sum().backward()
        return [t.grad.numpy() for t in (x, w, b)]

    assert B.fused.dense(*(torch.tensor(v) for v in RNG_FIXED.values())) is not None  # the fused kernel ran
    for a, b in zip(grads(fused.dense), grads(_general)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


RNG_FIXED = {"x": RNG.normal(size=(2, 4, 3)).astype("float32"), "w": RNG.normal(size=(3, 5)).astype("float32"),
             "b": RNG.normal(size=(5,)).astype("float32")}


def test_dense_layer_matches_keras_with_the_same_weights(keras):
    x = RNG.normal(size=(4, 6, 3)).astype("float32")
    ours = lamina.layers.Dense(5, activation="tanh")
    theirs = keras.layers.Dense(5, activation="tanh")
    ours.build(x.shape)
    theirs.build(x.shape)
    ours.set_weights([w.numpy() for w in theirs.weights])
    np.testing.assert_allclose(ops.convert_to_numpy(ours(x)), keras.ops.convert_to_numpy(theirs(x)),
                               rtol=1e-5, atol=1e-6)


# --- conv with its bias ------------------------------------------------------------------------

@pytest.mark.parametrize("case", [
    dict(x=(2, 9, 9, 3), k=(3, 3, 3, 4), strides=1, padding="valid", data_format="channels_last", dilation_rate=1),
    dict(x=(2, 9, 9, 3), k=(3, 3, 3, 4), strides=2, padding="same", data_format="channels_last", dilation_rate=1),
    dict(x=(2, 4, 8, 8), k=(3, 3, 2, 6), strides=1, padding="same", data_format="channels_first", dilation_rate=2),
    dict(x=(2, 10, 4), k=(4, 4, 5), strides=1, padding="same", data_format="channels_last", dilation_rate=1),
    dict(x=(1, 5, 6, 7, 2), k=(2, 3, 2, 2, 3), strides=(1, 2, 1), padding="valid", data_format="channels_last",
         dilation_rate=1),
])
def test_conv_with_bias_equals_conv_then_add(case):
    case = dict(case)
    x = ops.convert_to_tensor(RNG.normal(size=case.pop("x")).astype("float32"))
    k = ops.convert_to_tensor(RNG.normal(size=case.pop("k")).astype("float32"))
    b = ops.convert_to_tensor(RNG.normal(size=(k.shape[-1],)).astype("float32"))
    got = fused.conv(x, k, b, **case)
    plain = ops.conv(x, k, **case)
    shape = (1, -1) + (1,) * (len(plain.shape) - 2) if case["data_format"] == "channels_first" else (-1,)
    want = ops.add(plain, ops.reshape(b, shape))
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(ops.convert_to_numpy(got), ops.convert_to_numpy(want), rtol=1e-4, atol=1e-5)


def test_conv_with_bias_of_another_dtype_promotes_as_the_general_path():
    x = ops.convert_to_tensor(RNG.normal(size=(1, 5, 5, 2)).astype("float16"))
    k = ops.convert_to_tensor(RNG.normal(size=(3, 3, 2, 3)).astype("float16"))
    b = ops.convert_to_tensor(np.ones((3,), "float32"))
    got = fused.conv(x, k, b)
    assert ops.dtype(got) == ops.dtype(ops.add(ops.conv(x, k), b))


def test_conv2d_layer_with_bias_matches_keras(keras):
    x = RNG.normal(size=(2, 8, 8, 3)).astype("float32")
    ours, theirs = lamina.layers.Conv2D(4, 3, padding="same", activation="relu"), keras.layers.Conv2D(4, 3, padding="same", activation="relu")
    ours.build(x.shape)
    theirs.build(x.shape)
    weights = [RNG.normal(size=w.shape).astype("float32") for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    np.testing.assert_allclose(ops.convert_to_numpy(ours(x)), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-5)


def test_a_custom_convolution_op_is_still_called():
    class Doubled(lamina.layers.Conv2D):
        def convolution_op(self, inputs, kernel):
            return super().convolution_op(inputs, kernel * 2.0)

    x = RNG.normal(size=(1, 5, 5, 2)).astype("float32")
    layer, plain = Doubled(3, 3), lamina.layers.Conv2D(3, 3)
    layer.build(x.shape)
    plain.build(x.shape)
    weights = [RNG.normal(size=w.shape).astype("float32") for w in layer.weights]
    layer.set_weights(weights)
    plain.set_weights([weights[0] * 2.0, weights[1]])
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), ops.convert_to_numpy(plain(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(B.NAME != "torch", reason="only torch has a fused conv kernel to compare gradients of")
def test_conv_with_bias_gradients_equal_the_general_path_on_torch():
    import torch

    data = [RNG.normal(size=s).astype("float32") for s in ((2, 6, 6, 3), (3, 3, 3, 4), (4,))]

    def grads(fn):
        x, k, b = (torch.tensor(v, requires_grad=True) for v in data)
        (fn(x, k, b) ** 2).sum().backward()
        return [t.grad.numpy() for t in (x, k, b)]

    assert B.fused.conv(*(torch.tensor(v) for v in data), (1, 1), ((0, 0), (0, 0)), "channels_last", (1, 1)) is not None
    for a, b in zip(grads(fused.conv), grads(lambda x, k, b: ops.add(ops.conv(x, k), b))):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


# --- batch normalization with its moments ------------------------------------------------------

def _general_bn(x, axis, gamma, beta, eps, mean=None, variance=None):
    if mean is None:
        rank = len(x.shape)
        mean, variance = ops.moments(x, axes=[a for a in range(rank) if a != axis % rank])
    return ops.batch_normalization(x, mean, variance, axis=axis, offset=beta, scale=gamma, epsilon=eps), mean, variance


@pytest.mark.parametrize("shape,axis", [((8, 5, 5, 3), -1), ((4, 3, 5, 5), 1), ((6, 3, 4), -2), ((7, 4), -1)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
def test_batch_normalization_equals_moments_then_normalize(shape, axis, affine, training):
    x = ops.convert_to_tensor(RNG.normal(loc=2.0, scale=3.0, size=shape).astype("float32"))
    c = shape[axis]
    gamma = ops.convert_to_tensor(RNG.normal(size=(c,)).astype("float32")) if affine else None
    beta = ops.convert_to_tensor(RNG.normal(size=(c,)).astype("float32")) if affine else None
    stats = {} if training else {"mean": ops.convert_to_tensor(RNG.normal(size=(c,)).astype("float32")),
                                 "variance": ops.convert_to_tensor(RNG.uniform(0.5, 2, size=(c,)).astype("float32"))}
    got = fused.batch_normalization(x, axis, gamma, beta, 1e-3, **stats)
    want = _general_bn(x, axis, gamma, beta, 1e-3, **stats)
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape)
        np.testing.assert_allclose(ops.convert_to_numpy(g), ops.convert_to_numpy(w), rtol=1e-4, atol=1e-4)


def test_batch_normalization_of_one_value_per_channel_uses_the_general_path():
    x = ops.convert_to_tensor(RNG.normal(size=(1, 3)).astype("float32"))
    out, mean, variance = fused.batch_normalization(x, -1)
    np.testing.assert_allclose(ops.convert_to_numpy(out), np.zeros((1, 3)), atol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(variance), np.zeros(3), atol=1e-7)


@pytest.mark.skipif(B.NAME != "torch", reason="only torch has a fused batch-norm kernel to compare gradients of")
def test_batch_normalization_gradients_equal_the_general_path_on_torch():
    import torch

    data = [RNG.normal(size=s).astype("float32") for s in ((6, 4, 4, 3), (3,), (3,))]

    def grads(fn):
        x, g, b = (torch.tensor(v, requires_grad=True) for v in data)
        (fn(x, -1, g, b, 1e-3)[0] ** 3).sum().backward()
        return [t.grad.numpy() for t in (x, g, b)]

    assert B.fused.batch_norm(*(torch.tensor(v) for v in data[:1]), -1, None, None, 1e-3) is not None
    for a, b in zip(grads(fused.batch_normalization), grads(_general_bn)):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3)


def test_batch_normalization_layer_trains_like_keras(keras):
    x = RNG.normal(loc=1.0, size=(16, 4, 4, 3)).astype("float32")
    y = RNG.normal(size=(16, 4, 4, 3)).astype("float32")
    ours = lamina.Sequential([lamina.Input((4, 4, 3)), lamina.layers.BatchNormalization(momentum=0.8)])
    theirs = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.BatchNormalization(momentum=0.8)])
    ours.set_weights([w.numpy() for w in theirs.weights])
    if lamina.backend.impl.CAN_TRAIN:
        for model, k in ((ours, lamina), (theirs, keras)):
            model.compile(k.optimizers.SGD(0.1), "mse")
            model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-4)
