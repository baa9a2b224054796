"""Crossentropy losses: binary, categorical, sparse categorical, their focal variants and GCE."""

from __future__ import annotations

import warnings

from lamina import config, ops
from lamina.losses.loss import (
    LossFunctionWrapper,
    _cast_pair,
    _check_broadcast,
    _check_same_shape,
    _set_mask,
    _wrapper_init,
)
from lamina.saving.serialization import builtin


def _check_axis(name, axis):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"{name}: `axis` must be of type `int`. Received: axis={axis!r} of type {type(axis)}.")


def _warn_one_class(name, y_pred):
    if y_pred.shape and y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with num_classes > 1. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}. Consider using 'binary_crossentropy' if you "
            "only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )


def _smooth_binary(y_true, label_smoothing):
    return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing if label_smoothing else y_true


def _smooth_categorical(y_true, y_pred, label_smoothing):
    if not label_smoothing:
        return y_true
    num_classes = ops.cast(ops.shape(y_true)[-1], ops.dtype(y_pred))
    return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes


# --------------------------------------------------------------------------- functions
@builtin("keras.losses")
def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1):
    """Binary crossentropy, averaged over ``axis``; ``label_smoothing`` squeezes labels toward 0.5.

    Example:
        >>> lamina.losses.binary_crossentropy([[0.0, 1.0]], [[0.4, 0.6]])   # [0.5108]
    """
    y_true, y_pred = _cast_pair(y_true, y_pred)
    _check_same_shape("binary_crossentropy", y_true, y_pred)
    y_true = _smooth_binary(y_true, label_smoothing)
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


@builtin("keras.losses")
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing: bool = False, alpha: float = 0.25,
                              gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                              axis: int = -1):
    """Binary crossentropy scaled by the focal factor ``(1 - p_t) ** gamma`` (Lin et al., 2018).

    With ``apply_class_balancing`` class 1 is weighted by ``alpha`` and class 0 by ``1 - alpha``.

    Example:
        >>> lamina.losses.binary_focal_crossentropy([[0.0, 1.0]], [[0.4, 0.6]], gamma=2.0)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred)
    _check_same_shape("binary_focal_crossentropy", y_true, y_pred)
    y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal = ops.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return ops.mean(focal, axis=axis)


@builtin("keras.losses")
def categorical_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0,
                             axis: int = -1):
    """Crossentropy between one-hot (or soft) labels and class probabilities (or logits).

    Example:
        >>> lamina.losses.categorical_crossentropy([[0.0, 1.0]], [[0.4, 0.6]])   # [0.5108]
    """
    _check_axis("categorical_crossentropy", axis)
    y_true, y_pred = _cast_pair(y_true, y_pred)
    _check_same_shape("categorical_crossentropy", y_true, y_pred)
    _warn_one_class("categorical_crossentropy", y_pred)
    y_true = _smooth_categorical(y_true, y_pred, label_smoothing)
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


@builtin("keras.losses")
def categorical_focal_crossentropy(y_true, y_pred, alpha: float = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1):
    """Categorical crossentropy scaled by ``alpha * (1 - p) ** gamma`` per class.

    Example:
        >>> lamina.losses.categorical_focal_crossentropy([[0.0, 1.0]], [[0.4, 0.6]])
    """
    _check_axis("categorical_focal_crossentropy", axis)
    y_true, y_pred = _cast_pair(y_true, y_pred)
    _check_broadcast("categorical_focal_crossentropy", y_true, y_pred)
    _warn_one_class("categorical_focal_crossentropy", y_pred)
    y_true = _smooth_categorical(y_true, y_pred, label_smoothing)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    eps = config.epsilon()
    probs = ops.clip(y_pred / ops.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
    cce = -y_true * ops.log(probs)
    focal = ops.multiply(ops.power(1.0 - probs, gamma), alpha) * cce
    return ops.sum(focal, axis=axis)


@builtin("keras.losses")
def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False, ignore_class: int | None = None,
                                    axis: int = -1):
    """Crossentropy between integer labels and class probabilities (or logits) along ``axis``.

    Entries whose label equals ``ignore_class`` get loss 0 and are left out of a
    ``Loss``'s mean (they are masked).

    Example:
        >>> lamina.losses.sparse_categorical_crossentropy([1], [[0.4, 0.6]])   # [0.5108]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    rank = len(y_pred.shape)
    if rank < 1:
        raise ValueError(
            f"sparse_categorical_crossentropy: `y_pred` must be at least rank 1. Received: y_pred.shape=()."
        )
    if len(y_true.shape) == rank and y_true.shape[axis] == 1:
        y_true = ops.squeeze(y_true, axis=axis)
    class_axis = axis % rank
    expected = tuple(y_pred.shape[:class_axis]) + tuple(y_pred.shape[class_axis + 1:])
    if len(y_true.shape) != len(expected) or any(
            a is not None and b is not None and a != b for a, b in zip(y_true.shape, expected)):
        raise ValueError(
            "sparse_categorical_crossentropy: `y_true` must hold one integer label per prediction, with the "
            f"shape of `y_pred` without its class axis {axis} ({expected}). "
            f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}."
        )
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
    valid = ops.not_equal(y_true, ops.cast(ignore_class, ops.dtype(y_pred)))
    y_true = ops.where(valid, y_true, 0)
    # Ignored entries get a constant prediction (no gradient reaches y_pred there); 1 rather than
    # Keras's 0 keeps probabilities finite. Their loss is replaced by 0 below, so values match.
    y_pred = ops.where(ops.expand_dims(valid, class_axis), y_pred, 1)
    values = ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
    valid = ops.reshape(valid, ops.shape(values))
    values = ops.where(valid, values, 0.0)
    _set_mask(values, valid)
    return values


@builtin("keras.losses")
def categorical_generalized_cross_entropy(y_true, y_pred, q: float):
    """Generalized crossentropy ``(1 - p_true ** q) / q`` for integer labels (robust to label noise).

    ``q`` in (0, 1) interpolates between crossentropy (q -> 0) and MAE (q = 1).

    Example:
        >>> lamina.losses.categorical_generalized_cross_entropy([1], [[0.4, 0.6]], q=0.5)   # [0.4508]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    num_classes = ops.shape(y_pred)[-1]
    one_hot = ops.cast(ops.one_hot(ops.cast(y_true, "int32"), num_classes), ops.dtype(y_pred))
    p = ops.sum(y_pred * one_hot, axis=-1)
    return (1 - ops.power(p, q)) / q


# --------------------------------------------------------------------------- classes
@builtin("keras.losses")
class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy between 0/1 labels and probabilities (or logits with ``from_logits=True``).

    Example:
        >>> lamina.losses.BinaryCrossentropy(from_logits=True)([[0.0, 1.0]], [[-1.0, 2.0]])
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        _wrapper_init(self, binary_crossentropy, name, reduction, dtype, from_logits=from_logits,
                      label_smoothing=label_smoothing, axis=axis)


@builtin("keras.losses")
class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Focal binary crossentropy; see :func:`binary_focal_crossentropy`.

    Example:
        >>> lamina.losses.BinaryFocalCrossentropy(gamma=2.0, from_logits=True)([[0.0, 1.0]], [[-1.0, 2.0]])
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha", "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction="sum_over_batch_size", name="binary_focal_crossentropy", dtype=None):
        _wrapper_init(self, binary_focal_crossentropy, name, reduction, dtype,
                      apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                      from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


@builtin("keras.losses")
class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between one-hot labels and class probabilities (or logits).

    Example:
        >>> lamina.losses.CategoricalCrossentropy(label_smoothing=0.1)([[0.0, 1.0]], [[0.4, 0.6]])
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        _wrapper_init(self, categorical_crossentropy, name, reduction, dtype, from_logits=from_logits,
                      label_smoothing=label_smoothing, axis=axis)


@builtin("keras.losses")
class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Focal categorical crossentropy; see :func:`categorical_focal_crossentropy`.

    Example:
        >>> lamina.losses.CategoricalFocalCrossentropy(gamma=2.0)([[0.0, 1.0]], [[0.4, 0.6]])
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        _wrapper_init(self, categorical_focal_crossentropy, name, reduction, dtype, alpha=alpha, gamma=gamma,
                      from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


@builtin("keras.losses")
class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between integer labels and class probabilities (or logits).

    Example:
        >>> lamina.losses.SparseCategoricalCrossentropy(from_logits=True)([1], [[0.2, 2.0]])
    """

    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        _wrapper_init(self, sparse_categorical_crossentropy, name, reduction, dtype, from_logits=from_logits,
                      ignore_class=ignore_class, axis=axis)


@builtin("keras.losses")
class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized crossentropy for integer labels; see :func:`categorical_generalized_cross_entropy`.

    Example:
        >>> lamina.losses.CategoricalGeneralizedCrossEntropy(q=0.7)([1], [[0.4, 0.6]])
    """

    _config_keys = ("q",)

    def __init__(self, q=0.5, reduction="sum_over_batch_size", name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: `q` must be in the interval (0, 1). Received: q={q}.")
        _wrapper_init(self, categorical_generalized_cross_entropy, name, reduction, dtype, q=q)
