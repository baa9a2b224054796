"""jax kernels: slogdet, vectorize, view."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.backend.jax._convert import t, to_float
from lamina.backend.jax.core import to_native_dtype


def slogdet(x):
    sign, logabs = jnp.linalg.slogdet(to_float(x))
    return sign, logabs


def vectorize(pyfunc, *, excluded=None, signature=None):
    return jnp.vectorize(pyfunc, excluded=excluded or frozenset(), signature=signature)


def view(x, dtype):
    x = t(x)
    new = to_native_dtype(dtype)
    a, b = jnp.dtype(x.dtype).itemsize, jnp.dtype(new).itemsize
    if a == b:
        return jax.lax.bitcast_convert_type(x, new)
    if a > b:
        out = jax.lax.bitcast_convert_type(x, new)
        return out.reshape(x.shape[:-1] + (x.shape[-1] * (a // b),))
    grouped = x.reshape(x.shape[:-1] + (x.shape[-1] // (b // a), b // a))
    return jax.lax.bitcast_convert_type(grouped, new)
