"""jax kernels: activation functions: relu, gelu, softmax, log_softmax, silu, ...."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401


def relu(x):
    return jax.nn.relu(t(x))


def relu6(x):
    return jax.nn.relu6(to_float(x))


def sigmoid(x):
    return jax.nn.sigmoid(to_float(x))


def sparse_sigmoid(x):
    return jax.nn.sparse_sigmoid(to_float(x))


def softplus(x):
    return jax.nn.softplus(to_float(x))


def softsign(x):
    return jax.nn.soft_sign(to_float(x))


def soft_shrink(x, threshold=0.5):
    x = to_float(x)
    zero = jnp.zeros((), x.dtype)
    return jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, zero))


def sparse_plus(x):
    return jax.nn.sparse_plus(to_float(x))


def silu(x):
    return jax.nn.silu(to_float(x))


def squareplus(x, b=4):
    return jax.nn.squareplus(to_float(x), b=b)


def log_sigmoid(x):
    return jax.nn.log_sigmoid(to_float(x))


def leaky_relu(x, negative_slope=0.2):
    return jax.nn.leaky_relu(to_float(x), negative_slope=negative_slope)


def hard_sigmoid(x):
    return jax.nn.hard_sigmoid(to_float(x))


def hard_silu(x):
    return jax.nn.hard_silu(to_float(x))


def elu(x, alpha=1.0):
    return jax.nn.elu(to_float(x), alpha=alpha)


def selu(x):
    return jax.nn.selu(to_float(x))


def gelu(x, approximate=True):
    return jax.nn.gelu(to_float(x), approximate=approximate)


def celu(x, alpha=1.0):
    return jax.nn.celu(to_float(x), alpha=alpha)


def glu(x, axis=-1):
    x = to_float(x)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: the size of axis {axis} must be divisible by 2. Received: x.shape={x.shape}.")
    return jax.nn.glu(x, axis=axis)


def tanh_shrink(x):
    x = to_float(x)
    return x - jnp.tanh(x)


def hard_tanh(x):
    x = t(x)
    if jnp.issubdtype(x.dtype, jnp.floating):
        return jax.nn.hard_tanh(x)
    return jnp.clip(x, -1, 1).astype(x.dtype)


def hard_shrink(x, threshold=0.5):
    x = to_float(x)
    return jnp.where(jnp.abs(x) > threshold, x, jnp.zeros((), x.dtype))


def threshold(x, threshold, default_value):
    x = t(x)
    return jnp.where(x > threshold, x, jnp.asarray(default_value, dtype=x.dtype))


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def softmax(x, axis=-1):
    return jax.nn.softmax(to_float(x), axis=_axis(axis))


def log_softmax(x, axis=-1):
    return jax.nn.log_softmax(to_float(x), axis=_axis(axis))


def sparsemax(x, axis=-1):
    x = to_float(x)
    z = -jnp.sort(-x, axis=axis)  # descending
    cumsum = jnp.cumsum(z, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    k = jnp.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
    # Support: the sorted entries k with 1 + k z_k > cumsum_k; tau spreads (their sum - 1) over them.
    support = z - (cumsum - 1) / k > 0
    k_z = jnp.sum(support, axis=axis, keepdims=True).astype(x.dtype)
    tau = (jnp.sum(jnp.where(support, z, jnp.zeros((), x.dtype)), axis=axis, keepdims=True) - 1) / k_z
    return jnp.maximum(x - tau, jnp.zeros((), x.dtype))
