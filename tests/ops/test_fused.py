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
