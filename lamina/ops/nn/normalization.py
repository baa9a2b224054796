"""Moments, batch_normalization, normalize, rms_normalization, layer_normalization (part of ``lamina.ops.nn``).

Statistics of float16 inputs are computed in float32 and cast back. When
``epsilon`` is None it is ``lamina.config.epsilon()``.

Example:
    >>> from lamina import ops
    >>> mean, var = ops.moments(x, axes=[0])
    >>> y = ops.batch_normalization(x, mean, var, axis=-1)
"""

from __future__ import annotations

import warnings

from lamina.backend import impl as B
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec


def _float_like(x):
    return KerasTensor(_spec.shape_of(x), dtype=_spec.float_dtype_of(x))


def _moments_spec(x, axes, keepdims=False, synchronized=False):
    shape = _spec.shape_of(x)
    try:
        out = _spec.reduce_shape(shape, axes, keepdims)
    except ValueError as e:
        raise ValueError(f"moments: {e} Received: x.shape={shape}, axes={axes}.") from None
    dtype = _spec.float_dtype_of(x)
    return KerasTensor(out, dtype=dtype), KerasTensor(out, dtype=dtype)


@symbolic_op(_moments_spec)
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and (biased) variance of ``x`` over ``axes``; returns ``(mean, variance)``.

    ``synchronized=True`` asks for statistics across replicas of a distributed
    step; on a single device it is the same as ``False``.

    Example:
        >>> mean, variance = ops.moments([1.0, 2.0, 3.0, 4.0], axes=[0])   # 2.5, 1.25
    """
    return B.nn.moments(x, axes, keepdims=keepdims, synchronized=synchronized)


def _batch_normalization_spec(x, mean, variance, axis, offset=None, scale=None, epsilon=0.001):
    shape = _spec.shape_of(x)
    (ax,) = _spec.canonical_axes(axis, len(shape))
    expected = (shape[ax],)
    for name, value in (("mean", mean), ("variance", variance), ("offset", offset), ("scale", scale)):
        if value is None:
            continue
        s = _spec.shape_of(value)
        if len(s) != 1 or (s[0] is not None and expected[0] is not None and s[0] != expected[0]):
            raise ValueError(
                f"batch_normalization: `{name}` must be a vector of length x.shape[axis] = {expected[0]}. "
                f"Received: {name}.shape={s} for x.shape={shape}, axis={axis}."
            )
    return _float_like(x)


@symbolic_op(_batch_normalization_spec)
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=0.001):
    """Normalize ``x`` with given statistics: ``(x - mean) / sqrt(variance + epsilon) * scale + offset``.

    ``mean``, ``variance``, ``offset`` and ``scale`` are vectors of length
    ``x.shape[axis]``.
    """
    return B.nn.batch_normalization(x, mean, variance, axis, offset=offset, scale=scale, epsilon=epsilon)


def _normalize_spec(x, axis=-1, order=2, epsilon=None):
    _check_order(order)
    shape = _spec.shape_of(x)
    if axis is not None and shape:
        _spec.canonical_axes(axis, len(shape))
    return _float_like(x)


def _check_order(order):
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1. Received: order={order!r}.")


@symbolic_op(_normalize_spec)
def normalize(x, axis=-1, order=2, epsilon=None):
    """Divide ``x`` by its ``order``-norm along ``axis`` (norms below ``epsilon`` count as ``epsilon``).

    Example:
        >>> ops.normalize([[3.0, 4.0]])   # [[0.6, 0.8]]
    """
    _check_order(order)
    return B.nn.normalize(x, axis=axis, order=order, epsilon=epsilon)


def _rms_normalization_spec(x, scale=None, axis=-1, epsilon=None):
    return _float_like(x)


@symbolic_op(_rms_normalization_spec)
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """Root-mean-square normalization: ``x / sqrt(mean(x**2, axis) + epsilon) * scale``."""
    return B.nn.rms_normalization(x, scale=scale, axis=axis, epsilon=epsilon)


def _layer_normalization_spec(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    return _float_like(x)


@symbolic_op(_layer_normalization_spec)
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Layer normalization over ``axis``: ``(x - mean) / sqrt(variance + epsilon) * gamma + beta``.

    The deprecated keyword ``rms_scaling=True`` scales by the variance and
    ignores ``beta``, as in Keras; use :func:`rms_normalization` instead.
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization: unexpected keyword arguments {sorted(kwargs)}.")
    if rms_scaling:
        warnings.warn(
            "layer_normalization: `rms_scaling=True` is deprecated; it scales by the variance, not the "
            "root mean square. Use ops.rms_normalization instead.",
            stacklevel=2,
        )
    return B.nn.layer_normalization(x, gamma=gamma, beta=beta, axis=axis, epsilon=epsilon, rms_scaling=rms_scaling)
