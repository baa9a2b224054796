"""jax kernels: products: matmul, dot, tensordot, einsum, outer, inner, cross, trace, kron."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401


def matmul(x1, x2):
    x1, x2 = promote(x1, x2)
    return jnp.matmul(x1, x2)
