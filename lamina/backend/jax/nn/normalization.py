"""jax kernels: moments, batch_normalization, normalize, rms_normalization, layer_normalization."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import config
from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401

_F16_MAX = float(jnp.finfo(jnp.float16).max)


def _axes(axes, ndim):
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, int):
        return (axes % ndim if ndim else 0,)
    return tuple(int(a) % ndim for a in axes)


def _is_half(dtype):
    return dtype == jnp.float16 or dtype == jnp.bfloat16


def moments(x, axes, keepdims=False, synchronized=False):
    x = to_float(x)
    axes = _axes(axes, x.ndim)
    original = x.dtype
    if _is_half(original):
        x = x.astype(jnp.float32)
    mean = jnp.mean(x, axis=axes, keepdims=keepdims)
    variance = jnp.var(x, axis=axes, keepdims=keepdims)
    if _is_half(original):
        mean = jnp.clip(mean, -_F16_MAX, _F16_MAX).astype(original)
        variance = jnp.clip(variance, -_F16_MAX, _F16_MAX).astype(original)
    return mean, variance


def _vector(name, v, x, axis):
    v = t(v)
    if v.ndim != 1 or v.shape[0] != x.shape[axis]:
        raise ValueError(
            f"batch_normalization: `{name}` must be a vector of length x.shape[axis] = {x.shape[axis]}. "
            f"Received: {name}.shape={v.shape}."
        )
    shape = [1] * x.ndim
    shape[axis] = -1
    return v.astype(x.dtype).reshape(shape)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    x = to_float(x)
    axis = axis % x.ndim
    mean = _vector("mean", mean, x, axis)
    inv = jax.lax.rsqrt(_vector("variance", variance, x, axis) + jnp.asarray(epsilon, x.dtype))
    if scale is not None:
        inv = inv * _vector("scale", scale, x, axis)
    res = -mean * inv
    if offset is not None:
        res = res + _vector("offset", offset, x, axis)
    return x * inv + res


def _norm_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def normalize(x, axis=-1, order=2, epsilon=None):
    x = to_float(x)
    if epsilon is None:
        epsilon = config.epsilon()
    scalar = x.ndim == 0
    if scalar:
        x = x.reshape(1)
    axis = _norm_axis(axis)
    if order == 2:
        inv = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
        out = x * jnp.minimum(inv, 1.0 / epsilon)
    else:
        a = jnp.abs(x)
        if order == 1:
            norm = jnp.sum(a, axis=axis, keepdims=True)
        else:
            norm = jnp.sum(a**order, axis=axis, keepdims=True) ** (1.0 / order)
        out = x / jnp.maximum(norm, epsilon)
    return out.reshape(()) if scalar else out


def _to_compute(x):
    x = to_float(x)
    original = x.dtype
    if _is_half(original):
        x = x.astype(jnp.float32)
    return x, original


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    x, original = _to_compute(x)
    if epsilon is None:
        epsilon = config.epsilon()
    axes = _axes(axis, x.ndim)
    out = x * jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=axes, keepdims=True) + epsilon)
    if scale is not None:
        out = out * t(scale).astype(x.dtype)
    return out.astype(original)


def _broadcast_param(v, x, axes):
    v = t(v).astype(x.dtype)
    if v.ndim != x.ndim and list(axes) != [x.ndim - 1]:
        shape = [1] * x.ndim
        for a in axes:
            shape[a] = x.shape[a]
        v = v.reshape(shape)
    return v


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, rms_scaling=False):
    x, original = _to_compute(x)
    if epsilon is None:
        epsilon = config.epsilon()
    axes = tuple(sorted(_axes(axis, x.ndim)))
    if rms_scaling:
        out = x * jax.lax.rsqrt(jnp.var(x, axis=axes, keepdims=True) + epsilon)
        if gamma is not None:
            out = out * _broadcast_param(gamma, x, axes)
        return out.astype(original)
    mean = jnp.mean(x, axis=axes, keepdims=True)
    variance = jnp.var(x, axis=axes, keepdims=True)
    inv = jax.lax.rsqrt(variance + epsilon)
    if gamma is not None:
        inv = inv * _broadcast_param(gamma, x, axes)
    res = -mean * inv
    if beta is not None:
        res = res + _broadcast_param(beta, x, axes)
    return (x * inv + res).astype(original)
