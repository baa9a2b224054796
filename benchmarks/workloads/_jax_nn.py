"""Pure-function building blocks for the hand-written JAX side of the workloads.

Parameters are plain dicts of arrays; every function takes its parameters first.
Layouts follow Keras (NHWC images, Dense kernel (in, out), conv kernel HWIO,
LSTM gates i, f, c, o) so the work done equals the Keras-API side's.
Only the raw-JAX benchmark side imports this module.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import lax


def glorot(key, shape, fan_in: int, fan_out: int):
    """Glorot-uniform initial values (Keras's default kernel initializer)."""
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return jax.random.uniform(key, shape, jnp.float32, -limit, limit)


def dense_init(key, n_in: int, n_out: int, bias: bool = True) -> dict:
    p = {"w": glorot(key, (n_in, n_out), n_in, n_out)}
    if bias:
        p["b"] = jnp.zeros((n_out,), jnp.float32)
    return p


def dense(p, x):
    y = x @ p["w"]
    return y + p["b"] if "b" in p else y


def conv_init(key, size: int, c_in: int, c_out: int, bias: bool = True) -> dict:
    p = {"w": glorot(key, (size, size, c_in, c_out), size * size * c_in, size * size * c_out)}
    if bias:
        p["b"] = jnp.zeros((c_out,), jnp.float32)
    return p


def conv(p, x, stride: int = 1, padding: str = "VALID"):
    y = lax.conv_general_dilated(x, p["w"], (stride, stride), padding,
                                 dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return y + p["b"] if "b" in p else y


def max_pool(x, size: int = 2):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, size, size, 1), (1, size, size, 1), "VALID")


def bn_init(channels: int):
    """(parameters, state) of a batch normalization over the last axis."""
    params = {"gamma": jnp.ones((channels,), jnp.float32), "beta": jnp.zeros((channels,), jnp.float32)}
    state = {"mean": jnp.zeros((channels,), jnp.float32), "var": jnp.ones((channels,), jnp.float32)}
    return params, state


def batch_norm(p, s, x, training: bool, momentum: float = 0.99, eps: float = 1e-3):
    """Batch normalization over all axes but the last; returns (y, new state)."""
    if training:
        axes = tuple(range(x.ndim - 1))
        mean = jnp.mean(x, axes)
        var = jnp.var(x, axes)
        s = {"mean": momentum * s["mean"] + (1 - momentum) * mean,
             "var": momentum * s["var"] + (1 - momentum) * var}
    else:
        mean, var = s["mean"], s["var"]
    y = (x - mean) * lax.rsqrt(var + eps) * p["gamma"] + p["beta"]
    return y, s


def ln_init(dim: int) -> dict:
    return {"gamma": jnp.ones((dim,), jnp.float32), "beta": jnp.zeros((dim,), jnp.float32)}


def layer_norm(p, x, eps: float = 1e-3):
    mean = jnp.mean(x, -1, keepdims=True)
    var = jnp.var(x, -1, keepdims=True)
    return (x - mean) * lax.rsqrt(var + eps) * p["gamma"] + p["beta"]


def lstm_init(key, n_in: int, units: int) -> dict:
    k1, k2 = jax.random.split(key)
    recurrent = jax.nn.initializers.orthogonal()(k2, (units, 4 * units), jnp.float32)
    bias = jnp.zeros((4 * units,), jnp.float32).at[units:2 * units].set(1.0)  # unit forget bias
    return {"w": glorot(k1, (n_in, 4 * units), n_in, 4 * units), "u": recurrent, "b": bias}


def lstm_last(p, x):
    """The last hidden state of an LSTM over x (batch, time, features): a cell scanned over time.

    (Projecting all timesteps' inputs before the scan measured slower on XLA CPU.)
    """
    def cell(carry, x_t):
        h, c = carry
        z = x_t @ p["w"] + h @ p["u"] + p["b"]
        i, f, g, o = jnp.split(z, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), None

    zeros = jnp.zeros((x.shape[0], p["u"].shape[0]), x.dtype)
    (h, _), _ = lax.scan(cell, (zeros, zeros), jnp.swapaxes(x, 0, 1))
    return h


def mha_init(key, dim: int, heads: int, key_dim: int) -> dict:
    kq, kk, kv, ko = jax.random.split(key, 4)
    inner = heads * key_dim

    def proj(k):
        return {"w": glorot(k, (dim, heads, key_dim), dim, inner), "b": jnp.zeros((heads, key_dim), jnp.float32)}

    return {"q": proj(kq), "k": proj(kk), "v": proj(kv),
            "o": {"w": glorot(ko, (heads, key_dim, dim), inner, dim), "b": jnp.zeros((dim,), jnp.float32)}}


def mha(p, x):
    """Multi-head self-attention over x (batch, time, dim), with jax.nn.dot_product_attention
    (measured twice as fast on XLA CPU as spelling the attention out with einsums)."""
    q = jnp.einsum("btd,dhk->bthk", x, p["q"]["w"]) + p["q"]["b"]
    k = jnp.einsum("btd,dhk->bthk", x, p["k"]["w"]) + p["k"]["b"]
    v = jnp.einsum("btd,dhk->bthk", x, p["v"]["w"]) + p["v"]["b"]
    out = jax.nn.dot_product_attention(q, k, v)
    return jnp.einsum("bqhk,hkd->bqd", out, p["o"]["w"]) + p["o"]["b"]
