"""random kernels on jax arrays.

Every kernel takes ``seed``: two uint32 values (a tuple of ints or a uint32
array of shape (2,), possibly traced) used as the data of a threefry2x32
``jax.random`` key, so the kernels are pure and work under ``jax.jit``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.common.variable_base import VariableBase
from lamina.backend.jax.core import convert_to_tensor, to_native_dtype

# True where dropout with no seed should use the framework's own fused kernel.
UNSEEDED_DROPOUT = False

_STEP = jnp.array([0, 1], dtype=jnp.uint32)


def _t(x):
    return x if isinstance(x, jax.Array) else convert_to_tensor(x.value if isinstance(x, VariableBase) else x)


def _key(seed):
    return jax.random.wrap_key_data(jnp.asarray(seed, dtype=jnp.uint32), impl="threefry2x32")


def seed_step(state):
    """(the seed to use now, the next state): the state's counter advances by one (mod 2**32)."""
    return state, state + _STEP


def in_tracing_scope() -> bool:
    """True while jax traces a function (jit, grad, vmap): a global seed would be baked in as a constant."""
    return isinstance(jnp.zeros(()), jax.core.Tracer)


def seed_framework(seed: int) -> None:
    """jax has no global generator to seed."""


def _outside_transformations() -> bool:
    try:
        from jax._src import core as jax_core

        return bool(jax_core.trace_state_clean())
    except (ImportError, AttributeError):
        return False


def _sampled(draw, shape, seed, *params):
    """``draw(key, shape)``; outside jit the draw is made for a power-of-two number of values and cut
    to size on the host, so creating weights of many shapes compiles a handful of programs instead of
    one per shape (jax compiles every new shape). Same seed, same values, in each mode."""
    shape = tuple(int(d) for d in shape)
    if not _outside_transformations() or not isinstance(seed, (tuple, list, np.ndarray, jax.Array)) \
            or isinstance(seed, jax.core.Tracer) or any(np.ndim(p) for p in params):
        return draw(_key(seed), shape)
    n = int(np.prod(shape, dtype=np.int64))
    if n <= 1:
        return draw(_key(seed), shape)
    bucket = 1 << (n - 1).bit_length()
    flat = np.asarray(draw(_key(seed), (bucket,)))
    return jnp.asarray(flat[:n].reshape(shape))


def normal(shape, mean, stddev, dtype, seed):
    dt = to_native_dtype(dtype)
    return _sampled(lambda key, s: jax.random.normal(key, s, dtype=dt) * stddev + mean, shape, seed, mean, stddev)


def uniform(shape, minval, maxval, dtype, seed):
    dt = to_native_dtype(dtype)
    return _sampled(lambda key, s: jax.random.uniform(key, s, dtype=dt, minval=minval, maxval=maxval), shape, seed,
                    minval, maxval)


def truncated_normal(shape, mean, stddev, dtype, seed):
    dt = to_native_dtype(dtype)
    return _sampled(lambda key, s: jax.random.truncated_normal(key, -2.0, 2.0, s, dtype=dt) * stddev + mean,
                    shape, seed, mean, stddev)


def randint(shape, minval, maxval, dtype, seed):
    return jax.random.randint(_key(seed), shape, minval, maxval, dtype=to_native_dtype(dtype))


def dropout(inputs, rate, noise_shape, seed):
    x = _t(inputs)
    keep = 1.0 - rate
    mask = jax.random.bernoulli(_key(seed), keep, noise_shape)
    return jnp.where(mask, x / keep, jnp.zeros((), dtype=x.dtype)).astype(x.dtype)


def shuffle(x, axis, seed):
    return jax.random.permutation(_key(seed), _t(x), axis=axis, independent=True)


def categorical(logits, num_samples, dtype, seed):
    z = _t(logits)
    out = jax.random.categorical(_key(seed), z[..., None], axis=1, shape=(z.shape[0], num_samples))
    return out.astype(to_native_dtype(dtype))


def gamma(shape, alpha, dtype, seed):
    return jax.random.gamma(_key(seed), _t(alpha), shape, dtype=to_native_dtype(dtype))


def binomial(shape, counts, probabilities, dtype, seed):
    return jax.random.binomial(_key(seed), _t(counts), _t(probabilities), shape, dtype=to_native_dtype(dtype))


def beta(shape, alpha, beta, dtype, seed):
    return jax.random.beta(_key(seed), _t(alpha), _t(beta), shape, dtype=to_native_dtype(dtype))
