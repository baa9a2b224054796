"""Hinge losses: hinge, squared hinge and categorical hinge (for maximum-margin classifiers)."""

from __future__ import annotations

from lamina import ops
from lamina.losses.loss import LossFunctionWrapper, _cast_pair, _check_broadcast, _wrapper_init
from lamina.saving.serialization import builtin


def _to_signed_labels(y_true):
    """Labels in {0, 1} become {-1, 1}; any other labels are kept as they are (no Python branching)."""
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0), ops.equal(y_true, 1)))
    return ops.where(is_binary, 2.0 * y_true - 1.0, y_true)


def _margins(name, y_true, y_pred):
    y_true, y_pred = _cast_pair(y_true, y_pred)
    _check_broadcast(name, y_true, y_pred)
    y_true = _to_signed_labels(y_true)
    return ops.maximum(1.0 - y_true * y_pred, 0.0)


# --------------------------------------------------------------------------- functions
@builtin("keras.losses")
def hinge(y_true, y_pred):
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``; 0/1 labels are mapped to -1/1.

    Example:
        >>> lamina.losses.hinge([[0.0, 1.0]], [[0.6, 0.4]])   # [1.1]
    """
    return ops.mean(_margins("hinge", y_true, y_pred), axis=-1)


@builtin("keras.losses")
def squared_hinge(y_true, y_pred):
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``; 0/1 labels are mapped to -1/1.

    Example:
        >>> lamina.losses.squared_hinge([[0.0, 1.0]], [[0.6, 0.4]])   # [1.46]
    """
    return ops.mean(ops.square(_margins("squared_hinge", y_true, y_pred)), axis=-1)


@builtin("keras.losses")
def categorical_hinge(y_true, y_pred):
    """``maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis.

    Example:
        >>> lamina.losses.categorical_hinge([[0.0, 1.0]], [[0.6, 0.4]])   # [1.2]
    """
    y_true, y_pred = _cast_pair(y_true, y_pred)
    _check_broadcast("categorical_hinge", y_true, y_pred)
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(neg - pos + 1.0, ops.cast(0.0, ops.dtype(y_pred)))


# --------------------------------------------------------------------------- classes
@builtin("keras.losses")
class Hinge(LossFunctionWrapper):
    """Hinge loss; see :func:`hinge`.

    Example:
        >>> lamina.losses.Hinge()([[0.0, 1.0]], [[0.6, 0.4]])   # 1.1
    """

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        _wrapper_init(self, hinge, name, reduction, dtype)


@builtin("keras.losses")
class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss; see :func:`squared_hinge`.

    Example:
        >>> lamina.losses.SquaredHinge()([[0.0, 1.0]], [[0.6, 0.4]])   # 1.46
    """

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        _wrapper_init(self, squared_hinge, name, reduction, dtype)


@builtin("keras.losses")
class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss; see :func:`categorical_hinge`.

    Example:
        >>> lamina.losses.CategoricalHinge()([[0.0, 1.0]], [[0.6, 0.4]])   # 1.2
    """

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        _wrapper_init(self, categorical_hinge, name, reduction, dtype)
