"""jax kernels: reductions and scans: sum, mean, max, std, argmax, cumsum, median, quantile."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401


def sum(x, axis=None, keepdims=False):
    return jnp.sum(t(x), axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return jnp.mean(to_float(x), axis=axis, keepdims=keepdims)
