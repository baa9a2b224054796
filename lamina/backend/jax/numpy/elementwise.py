"""jax kernels: element-wise math, comparison, logic and bitwise ops."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401


def add(x1, x2):
    x1, x2 = promote(x1, x2)
    return jnp.add(x1, x2)


def subtract(x1, x2):
    x1, x2 = promote(x1, x2)
    return jnp.subtract(x1, x2)


def multiply(x1, x2):
    x1, x2 = promote(x1, x2)
    return jnp.multiply(x1, x2)
