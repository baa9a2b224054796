"""Shared helpers: run the same optimizer steps on lamina and on the Keras 3 oracle."""

import re

import numpy as np

import lamina

SHAPES = {"kern": (3, 4), "bias": (4,)}


def initial_values(shapes=SHAPES, seed=0):
    rng = np.random.default_rng(seed)
    return {n: rng.normal(size=s).astype("float32") for n, s in shapes.items()}


def gradient_steps(shapes=SHAPES, steps=3, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=s).astype("float32") for s in shapes.values()] for _ in range(steps)]


def run_lamina(make, init, grads_seq, constraint=None):
    """Apply ``grads_seq`` with ``make()`` to fresh lamina Variables; returns (optimizer, variables)."""
    opt = make(lamina)
    variables = [lamina.Variable(v.copy(), name=n) for n, v in init.items()]
    for v in variables:
        v.constraint = constraint
    for grads in grads_seq:
        opt.apply([lamina.ops.convert_to_tensor(g) for g in grads], variables)
    return opt, variables


def run_keras(keras, make, init, grads_seq, constraint=None):
    opt = make(keras)
    variables = [keras.Variable(v.copy(), name=n) for n, v in init.items()]
    for v in variables:
        v.constraint = constraint
    for grads in grads_seq:
        opt.apply([keras.ops.convert_to_tensor(g) for g in grads], variables)
    return opt, variables


# torch runs Adam as one fused kernel (torch._fused_adam_): Keras's rule in another float32 order, so
# after three steps of size 0.1 results differ from Keras's own rounding by up to a few 1e-6 (both are
# within float32 error of the exact rule: test_fused_adam_is_accurate_to_float64 checks lamina's).
TOLERANCE = 1e-5


def assert_same_state(lam, ker, atol=TOLERANCE, rtol=TOLERANCE, check_paths=True):
    """Variables, then every optimizer variable (order, shape, dtype, value) match Keras."""
    (lopt, lvars), (kopt, kvars) = lam, ker
    for lv, kv in zip(lvars, kvars):
        np.testing.assert_allclose(lv.numpy(), np.asarray(kv.numpy()), atol=atol, rtol=rtol,
                                   err_msg=f"variable {lv.name}")
    lo, ko = lopt.variables, kopt.variables
    assert len(lo) == len(ko), ([v.path for v in lo], [v.path for v in ko])
    for lv, kv in zip(lo, ko):
        assert tuple(lv.shape) == tuple(kv.shape), (lv.path, kv.path)
        assert lv.dtype == kv.dtype, (lv.path, lv.dtype, kv.dtype)
        if check_paths:
            # Keras numbers bare Variables globally (Nadam's "variable_7"): compare without the counter
            assert re.sub(r"_\d+$", "", lv.path) == re.sub(r"_\d+$", "", kv.path), (lv.path, kv.path)
        np.testing.assert_allclose(lv.numpy(), np.asarray(kv.numpy()), atol=atol, rtol=rtol,
                                   err_msg=f"optimizer variable {lv.path}")
