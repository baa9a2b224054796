"""Regression losses: MSE, MAE, MAPE, MSLE, cosine similarity, Huber and log-cosh.

Each function returns the per-sample loss, averaged over the last axis
(cosine similarity: summed over ``axis``).
"""

from __future__ import annotations

import math

from lamina import config, ops
from lamina.losses.loss import (
    LossFunctionWrapper,
    _check_broadcast,
    _float_pair,
    _wrapper_init,
    squeeze_or_expand_to_same_rank,
)
from lamina.saving.serialization import builtin


def _prepare(name, y_true, y_pred):
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_broadcast(name, y_true, y_pred)
    return y_true, y_pred


# --------------------------------------------------------------------------- functions
@builtin("keras.losses")
def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``.

    Example:
        >>> lamina.losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]])   # [0.5]
    """
    y_true, y_pred = _prepare("mean_squared_error", y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


@builtin("keras.losses")
def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``.

    Example:
        >>> lamina.losses.mean_absolute_error([[0.0, 1.0]], [[1.0, 3.0]])   # [1.5]
    """
    y_true, y_pred = _prepare("mean_absolute_error", y_true, y_pred)
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


@builtin("keras.losses")
def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)``.

    Example:
        >>> lamina.losses.mean_absolute_percentage_error([[100.0, 200.0]], [[90.0, 210.0]])   # [7.5]
    """
    y_true, y_pred = _prepare("mean_absolute_percentage_error", y_true, y_pred)
    eps = ops.convert_to_tensor(config.epsilon(), dtype=ops.dtype(y_pred))
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), eps))
    return 100.0 * ops.mean(diff, axis=-1)


@builtin("keras.losses")
def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)``.

    Example:
        >>> lamina.losses.mean_squared_logarithmic_error([[0.0, 1.0]], [[1.0, 1.0]])   # [0.2402]
    """
    eps = ops.convert_to_tensor(config.epsilon())  # a floatx tensor, as Keras promotes with it
    y_true, y_pred = _prepare("mean_squared_logarithmic_error", y_true, y_pred)
    first = ops.log(ops.maximum(y_pred, eps) + 1.0)
    second = ops.log(ops.maximum(y_true, eps) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


@builtin("keras.losses")
def cosine_similarity(y_true, y_pred, axis: int = -1):
    """Negative cosine similarity along ``axis``: -1 for parallel vectors, 0 for orthogonal ones.

    Example:
        >>> lamina.losses.cosine_similarity([[0.0, 1.0]], [[1.0, 1.0]])   # [-0.7071]
    """
    y_true, y_pred = _prepare("cosine_similarity", y_true, y_pred)
    y_pred = ops.normalize(y_pred, axis=axis)
    y_true = ops.normalize(y_true, axis=axis)
    return -ops.sum(y_true * y_pred, axis=axis)


@builtin("keras.losses")
def huber(y_true, y_pred, delta: float = 1.0):
    """Huber loss: quadratic for errors up to ``delta``, linear beyond; averaged over the last axis.

    Example:
        >>> lamina.losses.huber([[0.0, 0.0]], [[0.5, 3.0]])   # [1.3125]
    """
    y_true, y_pred = _prepare("huber", y_true, y_pred)
    dtype = ops.dtype(y_pred)
    delta = ops.convert_to_tensor(delta, dtype=dtype)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    half = ops.convert_to_tensor(0.5, dtype=ops.dtype(abs_error))
    values = ops.where(ops.less_equal(abs_error, delta), half * ops.square(error),
                       delta * abs_error - half * ops.square(delta))
    return ops.mean(values, axis=-1)


@builtin("keras.losses")
def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed without overflow.

    Example:
        >>> lamina.losses.log_cosh([[0.0, 0.0]], [[1.0, -1.0]])   # [0.4338]
    """
    y_true, y_pred = _prepare("log_cosh", y_true, y_pred)
    log2 = ops.convert_to_tensor(math.log(2.0), dtype=ops.dtype(y_pred))
    x = y_pred - y_true
    return ops.mean(x + ops.softplus(x * -2.0) - log2, axis=-1)


# --------------------------------------------------------------------------- classes
@builtin("keras.losses")
class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors; see :func:`mean_squared_error`.

    Example:
        >>> lamina.losses.MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]])   # 0.5
    """

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        _wrapper_init(self, mean_squared_error, name, reduction, dtype)


@builtin("keras.losses")
class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors; see :func:`mean_absolute_error`.

    Example:
        >>> lamina.losses.MeanAbsoluteError()([[0.0, 1.0]], [[1.0, 3.0]])   # 1.5
    """

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        _wrapper_init(self, mean_absolute_error, name, reduction, dtype)


@builtin("keras.losses")
class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error; see :func:`mean_absolute_percentage_error`.

    Example:
        >>> lamina.losses.MeanAbsolutePercentageError()([[100.0, 200.0]], [[90.0, 210.0]])   # 7.5
    """

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None):
        _wrapper_init(self, mean_absolute_percentage_error, name, reduction, dtype)


@builtin("keras.losses")
class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error; see :func:`mean_squared_logarithmic_error`.

    Example:
        >>> lamina.losses.MeanSquaredLogarithmicError()([[0.0, 1.0]], [[1.0, 1.0]])   # 0.2402
    """

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None):
        _wrapper_init(self, mean_squared_logarithmic_error, name, reduction, dtype)


@builtin("keras.losses")
class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along ``axis``; see :func:`cosine_similarity`.

    Example:
        >>> lamina.losses.CosineSimilarity(axis=-1)([[0.0, 1.0]], [[1.0, 1.0]])   # -0.7071
    """

    _config_keys = ()

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        _wrapper_init(self, cosine_similarity, name, reduction, dtype, axis=axis)


@builtin("keras.losses")
class Huber(LossFunctionWrapper):
    """Huber loss with threshold ``delta``; see :func:`huber`.

    Example:
        >>> lamina.losses.Huber(delta=1.0)([[0.0, 0.0]], [[0.5, 3.0]])   # 1.3125
    """

    _config_keys = ()

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        _wrapper_init(self, huber, name, reduction, dtype, delta=delta)


@builtin("keras.losses")
class LogCosh(LossFunctionWrapper):
    """Log of the hyperbolic cosine of the error; see :func:`log_cosh`.

    Example:
        >>> lamina.losses.LogCosh()([[0.0, 0.0]], [[1.0, -1.0]])   # 0.4338
    """

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        _wrapper_init(self, log_cosh, name, reduction, dtype)
