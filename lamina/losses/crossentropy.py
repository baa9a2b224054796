"""The crossentropy losses most models train with (more losses live beside this file)."""

from __future__ import annotations

from lamina import ops
from lamina.losses.loss import LossFunctionWrapper
from lamina.saving.serialization import builtin


@builtin("keras.losses")
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Crossentropy between integer labels and predicted class probabilities (or logits)."""
    if ignore_class is not None:
        valid = ops.not_equal(y_true, ignore_class)
        y_true = ops.where(valid, y_true, 0)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    values = ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
    if ignore_class is not None:
        valid = ops.reshape(valid, ops.shape(values))
        values = ops.where(valid, values, ops.zeros_like(values))
    return values


@builtin("keras.losses")
class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Example:
        >>> lamina.losses.SparseCategoricalCrossentropy(from_logits=True)([1], [[0.2, 2.0]])
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
