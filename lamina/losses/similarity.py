"""Metric-learning losses: Circle loss (Sun et al., 2020) over L2-normalized embeddings."""

from __future__ import annotations

from lamina import ops
from lamina.losses.loss import LossFunctionWrapper, _set_mask, _wrapper_init
from lamina.saving.serialization import builtin


def _pos_neg_masks(query_labels, key_labels, remove_diagonal=True):
    """Boolean (query, key) masks of same-label pairs (minus i == j when asked) and other-label pairs."""
    if len(query_labels.shape) == 1:
        query_labels = ops.reshape(query_labels, (-1, 1))
    if len(key_labels.shape) == 1:
        key_labels = ops.reshape(key_labels, (-1, 1))
    positive = ops.equal(query_labels, ops.transpose(key_labels))
    negative = ops.logical_not(positive)
    if remove_diagonal:
        eye = ops.eye(ops.size(query_labels), ops.size(key_labels), k=0, dtype="bool")
        positive = ops.logical_and(positive, ops.logical_not(eye))
    return positive, negative


@builtin("keras.losses")
def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal: bool = True,
           gamma: float = 80, margin: float = 0.4):
    """Circle loss for integer labels ``y_true`` (batch,) and L2-normalized embeddings ``y_pred``.

    Pairs are formed between the batch and ``ref_embeddings``/``ref_labels`` (default: the
    batch itself). Samples with loss 0 are masked out of a ``Loss``'s mean.

    Example:
        >>> emb = lamina.ops.normalize(lamina.random.normal((4, 8)), axis=-1)
        >>> lamina.losses.circle([0, 0, 1, 1], emb)   # shape (4,)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, "int32")
    if len(y_pred.shape) != 2:
        raise ValueError(
            "circle: `y_pred` must hold one embedding per sample, shape (batch_size, embedding_dim). "
            f"Received: y_pred.shape={tuple(y_pred.shape)}."
        )
    if len(y_true.shape) > 2 or (y_true.shape[0] is not None and y_pred.shape[0] is not None
                                 and y_true.shape[0] != y_pred.shape[0]):
        raise ValueError(
            "circle: `y_true` must hold one integer label per embedding, shape (batch_size,). "
            f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}."
        )
    ref_embeddings = y_pred if ref_embeddings is None else ops.convert_to_tensor(ref_embeddings)
    ref_labels = y_true if ref_labels is None else ops.cast(ref_labels, "int32")
    optim_pos, optim_neg = margin, 1 + margin
    delta_pos, delta_neg = margin, 1 - margin

    distances = ops.maximum(1 - ops.matmul(y_pred, ops.transpose(ref_embeddings)), 0.0)
    positive, negative = _pos_neg_masks(y_true, ref_labels, remove_diagonal=remove_diagonal)
    dtype = ops.dtype(distances)
    pos_weights = ops.maximum((optim_pos + distances) * ops.cast(positive, dtype), 0.0)
    neg_weights = ops.maximum((optim_neg - distances) * ops.cast(negative, dtype), 0.0)
    pos_terms = -1 * gamma * pos_weights * (delta_pos - distances)
    neg_terms = gamma * neg_weights * (delta_neg - distances)
    p_loss = ops.logsumexp(ops.where(positive, pos_terms, float("-inf")), axis=1)
    n_loss = ops.logsumexp(ops.where(negative, neg_terms, float("-inf")), axis=1)
    values = ops.softplus(p_loss + n_loss)
    _set_mask(values, ops.greater(values, 0))
    return values


@builtin("keras.losses")
class Circle(LossFunctionWrapper):
    """Circle loss with scale ``gamma`` and relaxation ``margin``; see :func:`circle`.

    Example:
        >>> lamina.losses.Circle(gamma=80.0, margin=0.4)(labels, normalized_embeddings)
    """

    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size",
                 name="circle", dtype=None):
        _wrapper_init(self, circle, name, reduction, dtype, gamma=gamma, margin=margin,
                      remove_diagonal=remove_diagonal)
