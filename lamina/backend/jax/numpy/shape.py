"""jax kernels: shape manipulation: reshape, transpose, concatenate, stack, split, pad, tile, flip, tril."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401


def reshape(x, newshape):
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    return jnp.reshape(t(x), newshape)
