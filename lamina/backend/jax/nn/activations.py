"""jax kernels: activation functions: relu, gelu, softmax, log_softmax, silu, ...."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401


def relu(x):
    return jax.nn.relu(t(x))


def sigmoid(x):
    return jax.nn.sigmoid(to_float(x))


def softmax(x, axis=-1):
    return jax.nn.softmax(to_float(x), axis=axis)
