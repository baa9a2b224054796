"""Fast input conversion and Keras dtype promotion for the jax kernels."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import config
from lamina.backend.common.dtypes import result_type, standardize_dtype
from lamina.backend.jax.core import convert_to_tensor, to_native_dtype

Tensor = jax.Array


def t(x):
    """Any tensor-like as a jax array (Variables unwrapped, Python values converted)."""
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _weak_or_dtype(x):
    if isinstance(x, Tensor):
        return standardize_dtype(x.dtype)
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, (int, float, complex)):
        return type(x)
    return standardize_dtype(t(x).dtype)


def promote(x1, x2):
    """Both arguments as arrays of Keras's result dtype."""
    if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype == x2.dtype and x1.dtype.itemsize < 8:
        return x1, x2
    dtype = result_type(_weak_or_dtype(x1), _weak_or_dtype(x2))
    return convert_to_tensor(x1, dtype=dtype), convert_to_tensor(x2, dtype=dtype)


def promote_many(*xs):
    """All arguments as arrays of one Keras result dtype."""
    dtype = result_type(*[_weak_or_dtype(x) for x in xs])
    return [convert_to_tensor(x, dtype=dtype) for x in xs]


def to_float(x):
    """An array, with ints and bools cast to floatx."""
    x = t(x)
    if jnp.issubdtype(x.dtype, jnp.floating) or jnp.issubdtype(x.dtype, jnp.complexfloating):
        return x
    return x.astype(to_native_dtype(config.floatx()))
