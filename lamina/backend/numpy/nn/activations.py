"""numpy kernels: activation functions: relu, gelu, softmax, log_softmax, silu, ...."""

from __future__ import annotations

import math

import numpy as np

from lamina import config
from lamina.backend.numpy._convert import promote, promote_many, t  # noqa: F401
from lamina.backend.numpy.core import to_native_dtype


def _to_float(x):
    """``x`` as an array, ints and bools cast to floatx; bfloat16 (which NumPy files under 'V') stays."""
    x = t(x)
    if x.dtype.kind in "fc" or x.dtype.name == "bfloat16":
        return x
    return x.astype(to_native_dtype(config.floatx()))

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _c(value, x):
    """``value`` as a 0-d array of ``x``'s dtype (NumPy would otherwise promote to float64)."""
    return np.asarray(value, dtype=x.dtype)


def relu(x):
    x = t(x)
    return np.maximum(x, _c(0, x))


def relu6(x):
    x = _to_float(x)
    return np.minimum(np.maximum(x, _c(0, x)), _c(6, x))


def sigmoid(x):
    x = _to_float(x)
    # exp(-|x|) never overflows; the two branches are the same function.
    e = np.exp(-np.abs(x))
    one = _c(1, x)
    return np.where(x >= 0, one / (one + e), e / (one + e))


def sparse_sigmoid(x):
    x = _to_float(x)
    return np.clip(_c(0.5, x) * (x + _c(1, x)), _c(0, x), _c(1, x)).astype(x.dtype, copy=False)


def softplus(x):
    x = _to_float(x)
    return np.logaddexp(x, _c(0, x))


def softsign(x):
    x = _to_float(x)
    return x / (_c(1, x) + np.abs(x))


def soft_shrink(x, threshold=0.5):
    x = _to_float(x)
    th = _c(threshold, x)
    return np.where(x > th, x - th, np.where(x < -th, x + th, _c(0, x)))


def sparse_plus(x):
    x = _to_float(x)
    one = _c(1, x)
    middle = _c(0.25, x) * np.square(x + one)
    return np.where(x <= -one, _c(0, x), np.where(x < one, middle, x))


def silu(x):
    x = _to_float(x)
    return x * sigmoid(x)


def squareplus(x, b=4):
    x = _to_float(x)
    return (x + np.sqrt(np.square(x) + _c(b, x))) / _c(2, x)


def log_sigmoid(x):
    x = _to_float(x)
    return -np.logaddexp(-x, _c(0, x))


def leaky_relu(x, negative_slope=0.2):
    x = _to_float(x)
    return np.where(x >= 0, x, _c(negative_slope, x) * x)


def hard_sigmoid(x):
    x = _to_float(x)
    y = x / _c(6, x) + _c(0.5, x)
    return np.minimum(np.maximum(y, _c(0, x)), _c(1, x))


def hard_silu(x):
    x = _to_float(x)
    return x * hard_sigmoid(x)


def elu(x, alpha=1.0):
    x = _to_float(x)
    return np.where(x >= 0, x, _c(alpha, x) * np.expm1(np.minimum(x, _c(0, x))))


def selu(x):
    x = _to_float(x)
    return _c(_SELU_SCALE, x) * elu(x, _SELU_ALPHA)


_erf_scalar = np.vectorize(math.erf, otypes=[np.float64])


def _erf(x):
    try:
        from scipy.special import erf
    except ImportError:  # scipy is optional: fall back to the (slower) scalar erf
        return _erf_scalar(x.astype(np.float64)).astype(x.dtype)
    return erf(x).astype(x.dtype, copy=False)


def gelu(x, approximate=True):
    x = _to_float(x)
    if approximate:
        k = _c(math.sqrt(2 / math.pi), x)
        inner = k * (x + _c(0.044715, x) * (x**3).astype(x.dtype, copy=False))
        return x * (_c(0.5, x) * (_c(1, x) + np.tanh(inner)))
    return x * (_erf(x / _c(math.sqrt(2), x)) + _c(1, x)).astype(x.dtype, copy=False) / _c(2, x)


def celu(x, alpha=1.0):
    x = _to_float(x)
    a = _c(alpha, x)
    zero = _c(0, x)
    return np.maximum(x, zero) + a * np.expm1(np.minimum(x, zero) / a)


def glu(x, axis=-1):
    x = _to_float(x)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: the size of axis {axis} must be divisible by 2. Received: x.shape={x.shape}.")
    a, b = np.split(x, 2, axis=axis)
    return a * sigmoid(b)


def tanh_shrink(x):
    x = _to_float(x)
    return x - np.tanh(x)


def hard_tanh(x):
    x = t(x)
    return np.minimum(np.maximum(x, _c(-1, x)), _c(1, x))


def hard_shrink(x, threshold=0.5):
    x = _to_float(x)
    return np.where(np.abs(x) > _c(threshold, x), x, _c(0, x))


def threshold(x, threshold, default_value):
    x = t(x)
    return np.where(x > threshold, x, _c(default_value, x))


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def softmax(x, axis=-1):
    x = _to_float(x)
    axis = _axis(axis)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    x = _to_float(x)
    axis = _axis(axis)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def sparsemax(x, axis=-1):
    x = _to_float(x)
    z = -np.sort(-x, axis=axis)  # descending
    cumsum = np.cumsum(z, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    k = np.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
    # Support: the sorted entries k with 1 + k z_k > cumsum_k; tau spreads (their sum - 1) over them.
    support = z - (cumsum - _c(1, x)) / k > 0
    k_z = np.sum(support, axis=axis, keepdims=True).astype(x.dtype)
    tau = (np.sum(np.where(support, z, _c(0, x)), axis=axis, keepdims=True) - _c(1, x)) / k_z
    return np.maximum(x - tau, _c(0, x))
