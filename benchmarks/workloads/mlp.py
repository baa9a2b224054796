"""MLP 784-512-512-10 on flat 28x28 inputs, batch 128.

Frameworks are imported inside the builders, so loading this module costs nothing
and a worker imports only the framework of its own side.
"""

from __future__ import annotations

import numpy as np

NAME = "mlp"
TITLE = "MLP 784-512-512-10, batch 128"
BATCH = 128
CLASSES = 10
LAYERS = ("Dense",)  # lamina.layers names this workload needs
TORCH_CHANNELS_FIRST = False
QUICK: dict = {}  # per-workload overrides of the quick mode's settings


def make_data(n: int, seed: int):
    """(x float32 (n, 784), y int32 (n,)) of random data; the timing does not depend on the values."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, CLASSES, n).astype(np.int32)


def build_keras(K):
    """The model with the Keras API; K is `lamina` or `keras`. Outputs logits."""
    return K.Sequential([
        K.Input((784,)),
        K.layers.Dense(512, activation="relu"),
        K.layers.Dense(512, activation="relu"),
        K.layers.Dense(CLASSES),
    ], name="mlp")


def build_torch():
    """The same model as an idiomatic torch module."""
    from torch import nn

    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, CLASSES))


def build_jax(key):
    """(params, state, apply) for the raw JAX side; apply(params, state, x, training) -> (logits, state)."""
    import jax

    from benchmarks.workloads import _jax_nn as nn

    k1, k2, k3 = jax.random.split(key, 3)
    params = {"d1": nn.dense_init(k1, 784, 512), "d2": nn.dense_init(k2, 512, 512),
              "out": nn.dense_init(k3, 512, CLASSES)}

    def apply(params, state, x, training):
        h = jax.nn.relu(nn.dense(params["d1"], x))
        h = jax.nn.relu(nn.dense(params["d2"], h))
        return nn.dense(params["out"], h), state

    return params, {}, apply
