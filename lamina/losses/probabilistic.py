"""Probabilistic losses: Kullback-Leibler divergence and Poisson."""

from __future__ import annotations

from lamina import config, ops
from lamina.losses.loss import LossFunctionWrapper, _check_broadcast, _float_pair, _wrapper_init
from lamina.saving.serialization import builtin


@builtin("keras.losses")
def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)`` with both clipped to ``[epsilon, 1]``.

    Example:
        >>> lamina.losses.kl_divergence([[0.5, 0.5]], [[0.25, 0.75]])   # [0.1438]
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    _check_broadcast("kl_divergence", y_true, y_pred)
    eps = config.epsilon()
    y_true = ops.clip(y_true, eps, 1)
    y_pred = ops.clip(y_pred, eps, 1)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


@builtin("keras.losses")
def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)``.

    Example:
        >>> lamina.losses.poisson([[1.0, 0.0]], [[1.0, 2.0]])   # [1.0]
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    _check_broadcast("poisson", y_true, y_pred)
    eps = ops.convert_to_tensor(config.epsilon(), dtype=ops.dtype(y_pred))
    return ops.mean(y_pred - y_true * ops.log(y_pred + eps), axis=-1)


@builtin("keras.losses")
class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence; see :func:`kl_divergence`.

    Example:
        >>> lamina.losses.KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])   # 0.1438
    """

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        _wrapper_init(self, kl_divergence, name, reduction, dtype)


@builtin("keras.losses")
class Poisson(LossFunctionWrapper):
    """Poisson loss; see :func:`poisson`.

    Example:
        >>> lamina.losses.Poisson()([[1.0, 0.0]], [[1.0, 2.0]])   # 1.0
    """

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        _wrapper_init(self, poisson, name, reduction, dtype)
