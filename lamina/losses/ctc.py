"""Sequence losses: Connectionist Temporal Classification (CTC)."""

from __future__ import annotations

from lamina import ops
from lamina.losses.loss import LossFunctionWrapper, _wrapper_init
from lamina.saving.serialization import builtin


@builtin("keras.losses")
def ctc(y_true, y_pred):
    """CTC loss per sample, for padded labels (0 = blank/padding) and per-step class logits.

    ``y_true``: int labels (batch_size, max_label_length), padded with 0 (the blank index);
    ``y_pred``: logits (batch_size, max_time, num_classes), every time step counted.

    Example:
        >>> lamina.losses.ctc([[1, 2, 0]], lamina.random.normal((1, 6, 4)))   # shape (1,)
    """
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    if len(y_true.shape) != 2:
        raise ValueError(
            "ctc: targets `y_true` are expected to be a tensor of shape (batch_size, max_length) in integer "
            f"format. Received: y_true.shape={tuple(y_true.shape)}."
        )
    if len(y_pred.shape) != 3:
        raise ValueError(
            "ctc: logits `y_pred` are expected to be a tensor of shape (batch_size, max_length, num_classes). "
            f"Received: y_pred.shape={tuple(y_pred.shape)}."
        )
    if y_true.shape[0] is not None and y_pred.shape[0] is not None and y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            "ctc: `y_true` and `y_pred` must have the same batch size. "
            f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}."
        )
    mask_index = 0
    batch, max_time = ops.shape(y_pred)[0], ops.shape(y_pred)[1]
    input_length = ops.full((batch,), max_time, dtype="int32")
    label_length = ops.cast(ops.sum(ops.not_equal(y_true, mask_index), axis=-1), "int32")
    return ops.ctc_loss(y_true, y_pred, label_length, input_length, mask_index=mask_index)


@builtin("keras.losses")
class CTC(LossFunctionWrapper):
    """CTC loss; see :func:`ctc`.

    Example:
        >>> model.compile(optimizer="adam", loss=lamina.losses.CTC())
    """

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        _wrapper_init(self, ctc, name, reduction, dtype)
