"""Image-segmentation losses: Dice and Tversky (overlap between label and predicted masks)."""

from __future__ import annotations

from lamina import config, ops
from lamina.losses.loss import LossFunctionWrapper, _cast_pair, _check_broadcast, _wrapper_init
from lamina.saving.serialization import builtin


@builtin("keras.losses")
def dice(y_true, y_pred, axis=None):
    """``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + epsilon)``, summed over ``axis``.

    ``axis=None`` reduces over everything (one value for the whole batch).

    Example:
        >>> lamina.losses.dice([[1.0, 0.0]], [[0.5, 0.5]])   # 0.5
    """
    y_true, y_pred = _cast_pair(y_true, y_pred)
    _check_broadcast("dice", y_true, y_pred)
    intersection = ops.sum(y_true * y_pred, axis=axis)
    union = ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis) + config.epsilon()
    return 1 - ops.divide(2.0 * intersection, union)


@builtin("keras.losses")
def tversky(y_true, y_pred, alpha: float = 0.5, beta: float = 0.5, axis=None):
    """``1 - TP / (TP + alpha * FP + beta * FN + epsilon)``, counts summed over ``axis``.

    As in Keras, ``FP = sum((1 - y_pred) * y_true)`` and ``FN = sum(y_pred * (1 - y_true))``;
    ``alpha = beta = 0.5`` gives the Dice loss.

    Example:
        >>> lamina.losses.tversky([[1.0, 0.0]], [[0.5, 0.5]], alpha=0.7, beta=0.3)   # 0.5
    """
    y_true, y_pred = _cast_pair(y_true, y_pred)
    _check_broadcast("tversky", y_true, y_pred)
    tp = ops.sum(y_true * y_pred, axis=axis)
    fp = ops.sum((1 - y_pred) * y_true, axis=axis)
    fn = ops.sum(y_pred * (1 - y_true), axis=axis)
    return 1 - ops.divide(tp, tp + fp * alpha + fn * beta + config.epsilon())


@builtin("keras.losses")
class Dice(LossFunctionWrapper):
    """Dice loss; see :func:`dice`.

    Example:
        >>> lamina.losses.Dice(axis=(1, 2))(masks, predicted_masks)
    """

    _config_keys = ("axis",)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        _wrapper_init(self, dice, name, reduction, dtype, axis=axis)


@builtin("keras.losses")
class Tversky(LossFunctionWrapper):
    """Tversky loss (``alpha`` weights false positives, ``beta`` false negatives); see :func:`tversky`.

    Example:
        >>> lamina.losses.Tversky(alpha=0.3, beta=0.7)([[1.0, 0.0]], [[0.5, 0.5]])
    """

    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky", axis=None,
                 dtype=None):
        _wrapper_init(self, tversky, name, reduction, dtype, alpha=alpha, beta=beta, axis=axis)
