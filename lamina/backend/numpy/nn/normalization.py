"""numpy kernels: moments, batch_normalization, normalize, rms_normalization, layer_normalization."""

from __future__ import annotations

import numpy as np

from lamina import config
from lamina.backend.numpy._convert import promote, promote_many, t  # noqa: F401
from lamina.backend.numpy.nn.activations import _to_float as to_float

_F16_MAX = float(np.finfo(np.float16).max)


def _axes(axes, ndim):
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, int):
        return (axes % ndim if ndim else 0,)
    return tuple(int(a) % ndim for a in axes)


def _compute_dtype(x):
    """float32 at least: statistics of half-precision values lose too much."""
    return np.float32 if x.dtype in (np.float16,) or x.dtype.name == "bfloat16" else x.dtype


def moments(x, axes, keepdims=False, synchronized=False):
    x = to_float(x)
    axes = _axes(axes, x.ndim)
    original = x.dtype
    if x.dtype == np.float16:
        x = x.astype(np.float32)
    mean = np.mean(x, axis=axes, keepdims=True)
    variance = np.mean(np.square(x - mean), axis=axes, keepdims=True)
    if not keepdims:
        mean = np.squeeze(mean, axis=axes)
        variance = np.squeeze(variance, axis=axes)
    if original == np.float16:
        mean = np.clip(mean, -_F16_MAX, _F16_MAX).astype(original)
        variance = np.clip(variance, -_F16_MAX, _F16_MAX).astype(original)
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
    return v.astype(x.dtype, copy=False).reshape(shape)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    x = to_float(x)
    axis = axis % x.ndim
    mean = _vector("mean", mean, x, axis)
    variance = _vector("variance", variance, x, axis)
    inv = np.asarray(1, x.dtype) / np.sqrt(variance + np.asarray(epsilon, x.dtype))
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
        with np.errstate(divide="ignore"):  # an all-zero slice has norm 0: capped at 1 / epsilon
            inv = np.asarray(1, x.dtype) / np.sqrt(np.sum(np.square(x), axis=axis, keepdims=True))
        out = x * np.minimum(inv, np.asarray(1.0 / epsilon, x.dtype))
    else:
        a = np.abs(x)
        if order == 1:
            norm = np.sum(a, axis=axis, keepdims=True)
        else:
            norm = np.sum(a**order, axis=axis, keepdims=True) ** (1.0 / order)
        out = x / np.maximum(norm, np.asarray(epsilon, x.dtype)).astype(x.dtype, copy=False)
    return out.reshape(()) if scalar else out


def _to_compute(x):
    x = to_float(x)
    original = x.dtype
    return x.astype(_compute_dtype(x), copy=False), original


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    x, original = _to_compute(x)
    if epsilon is None:
        epsilon = config.epsilon()
    axes = _axes(axis, x.ndim)
    ms = np.mean(np.square(x), axis=axes, keepdims=True)
    out = x * (np.asarray(1, x.dtype) / np.sqrt(ms + np.asarray(epsilon, x.dtype)))
    if scale is not None:
        out = out * t(scale).astype(x.dtype, copy=False)
    return out.astype(original, copy=False)


def _broadcast_param(v, x, axes):
    """A gamma/beta given as the normalized dims only, reshaped to broadcast against ``x``."""
    v = t(v).astype(x.dtype, copy=False)
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
    eps = np.asarray(epsilon, x.dtype)
    one = np.asarray(1, x.dtype)
    if rms_scaling:
        variance = np.var(x, axis=axes, keepdims=True)
        out = x * (one / np.sqrt(variance + eps))
        if gamma is not None:
            out = out * _broadcast_param(gamma, x, axes)
        return out.astype(original, copy=False)
    mean, variance = moments(x, axes, keepdims=True)
    inv = one / np.sqrt(variance + eps)
    if gamma is not None:
        inv = inv * _broadcast_param(gamma, x, axes)
    res = -mean * inv
    if beta is not None:
        res = res + _broadcast_param(beta, x, axes)
    return (x * inv + res).astype(original, copy=False)
