"""torch kernels: moments, batch_normalization, normalize, rms_normalization, layer_normalization."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lamina import config
from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401

_F16_MAX = float(torch.finfo(torch.float16).max)


def _axes(axes, ndim):
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, int):
        return (axes % ndim if ndim else 0,)
    return tuple(int(a) % ndim for a in axes)


def moments(x, axes, keepdims=False, synchronized=False):
    x = to_float(x)
    axes = _axes(axes, x.ndim)
    original = x.dtype
    if original == torch.float16:
        x = x.float()
    # One fused, numerically stable pass (biased variance, as Keras).
    variance, mean = torch.var_mean(x, dim=axes, correction=0, keepdim=keepdims)
    if original == torch.float16:
        mean = torch.clamp(mean, -_F16_MAX, _F16_MAX).to(original)
        variance = torch.clamp(variance, -_F16_MAX, _F16_MAX).to(original)
    return mean, variance


def _vector(name, v, x, axis):
    v = t(v)
    if v.ndim != 1 or v.shape[0] != x.shape[axis]:
        raise ValueError(
            f"batch_normalization: `{name}` must be a vector of length x.shape[axis] = {x.shape[axis]}. "
            f"Received: {name}.shape={tuple(v.shape)}."
        )
    shape = [1] * x.ndim
    shape[axis] = -1
    return v.to(x.dtype).reshape(shape)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    x = to_float(x)
    axis = axis % x.ndim
    mean = _vector("mean", mean, x, axis)
    inv = torch.rsqrt(_vector("variance", variance, x, axis) + epsilon)
    if scale is not None:
        inv = inv * _vector("scale", scale, x, axis)
    out = (x - mean) * inv
    if offset is not None:
        out = out + _vector("offset", offset, x, axis)
    return out


def _dims(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def normalize(x, axis=-1, order=2, epsilon=None):
    x = to_float(x)
    if epsilon is None:
        epsilon = config.epsilon()
    scalar = x.ndim == 0
    if scalar:
        x = x.reshape(1)
    dim = _dims(axis)
    if order == 2:
        inv = torch.rsqrt(torch.sum(torch.square(x), dim=dim, keepdim=True))
        out = x * torch.clamp(inv, max=1.0 / epsilon)
    else:
        norm = torch.linalg.vector_norm(x, ord=order, dim=dim, keepdim=True)
        out = x / torch.clamp(norm, min=epsilon)
    return out.reshape(()) if scalar else out


def _to_compute(x):
    x = to_float(x)
    original = x.dtype
    if original in (torch.float16, torch.bfloat16):
        x = x.float()
    return x, original


def _trailing(axes, ndim):
    """True when ``axes`` are exactly the last ``len(axes)`` dimensions (what torch's fused norms take)."""
    return sorted(axes) == list(range(ndim - len(axes), ndim))


def _param(v, x):
    return None if v is None else t(v).to(x.dtype)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    x, original = _to_compute(x)
    if epsilon is None:
        epsilon = config.epsilon()
    axes = _axes(axis, x.ndim)
    scale = _param(scale, x)
    normalized_shape = tuple(x.shape[a] for a in sorted(axes))
    if _trailing(axes, x.ndim) and (scale is None or tuple(scale.shape) == normalized_shape):
        out = F.rms_norm(x, normalized_shape, scale, epsilon)
    else:
        out = x * torch.rsqrt(torch.mean(torch.square(x), dim=axes, keepdim=True) + epsilon)
        if scale is not None:
            out = out * scale
    return out.to(original)


def _broadcast_param(v, x, axes):
    if v is not None and v.ndim != x.ndim and list(axes) != [x.ndim - 1]:
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
    gamma, beta = _param(gamma, x), _param(beta, x)
    if rms_scaling:
        variance = torch.var(x, dim=axes, correction=0, keepdim=True)
        out = x * torch.rsqrt(variance + epsilon)
        if gamma is not None:
            out = out * _broadcast_param(gamma, x, axes)
        return out.to(original)
    normalized_shape = tuple(x.shape[a] for a in axes)
    if _trailing(axes, x.ndim) and all(p is None or tuple(p.shape) == normalized_shape for p in (gamma, beta)):
        return F.layer_norm(x, normalized_shape, gamma, beta, epsilon).to(original)
    variance, mean = torch.var_mean(x, dim=axes, correction=0, keepdim=True)
    inv = torch.rsqrt(variance + epsilon)
    if gamma is not None:
        inv = inv * _broadcast_param(gamma, x, axes)
    res = -mean * inv
    if beta is not None:
        res = res + _broadcast_param(beta, x, axes)
    return (x * inv + res).to(original)
