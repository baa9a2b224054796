"""Small convnet: two Conv2D + MaxPool on 28x28x1 images, batch 128 (Keras's MNIST convnet, no dropout)."""

from __future__ import annotations

import numpy as np

NAME = "convnet"
TITLE = "convnet 2x(Conv2D+MaxPool) 28x28x1, batch 128"
BATCH = 128
CLASSES = 10
LAYERS = ("Conv2D", "MaxPooling2D", "Flatten", "Dense")
TORCH_CHANNELS_FIRST = True  # the torch side gets its data as NCHW, converted once, as a torch user keeps it
QUICK: dict = {}


def make_data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, CLASSES, n).astype(np.int32)


def build_keras(K):
    return K.Sequential([
        K.Input((28, 28, 1)),
        K.layers.Conv2D(32, 3, activation="relu"),
        K.layers.MaxPooling2D(2),
        K.layers.Conv2D(64, 3, activation="relu"),
        K.layers.MaxPooling2D(2),
        K.layers.Flatten(),
        K.layers.Dense(CLASSES),
    ], name="convnet")


def build_torch():
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, CLASSES),
    )


def build_jax(key):
    import jax

    from benchmarks.workloads import _jax_nn as nn

    k1, k2, k3 = jax.random.split(key, 3)
    params = {"c1": nn.conv_init(k1, 3, 1, 32), "c2": nn.conv_init(k2, 3, 32, 64),
              "out": nn.dense_init(k3, 5 * 5 * 64, CLASSES)}

    def apply(params, state, x, training):
        h = nn.max_pool(jax.nn.relu(nn.conv(params["c1"], x)))
        h = nn.max_pool(jax.nn.relu(nn.conv(params["c2"], h)))
        return nn.dense(params["out"], h.reshape(h.shape[0], -1)), state

    return params, {}, apply
