"""Shared pieces of the metrics: rank matching, thresholds and confusion-matrix accumulation."""

from __future__ import annotations

from enum import Enum

import numpy as np

from lamina import config, ops

NEG_INF = -1e10


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Make two tensors of rank r and r+1 (last dim 1) the same rank, as Keras's losses do.

    The one with the extra size-1 axis is squeezed, except that a rank-1 partner is
    expanded instead when ``expand_rank_1`` is true.
    """
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, axis=-1)
        else:
            x1 = ops.squeeze(x1, axis=-1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, axis=-1)
        else:
            x2 = ops.squeeze(x2, axis=-1)
    return x1, x2


def to_list(x) -> list:
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist() if x.ndim else [x.item()]
    return [x]


def parse_init_thresholds(thresholds, default_threshold=0.5, owner: str = "metric") -> list:
    """The thresholds as a list of floats; user-given ones must lie in [0, 1]."""
    if thresholds is not None:
        bad = [t for t in to_list(thresholds) if t is None or t < 0 or t > 1]
        if bad:
            raise ValueError(f"{owner}: threshold values must be in [0, 1]. Received: {bad}")
    return to_list(default_threshold if thresholds is None else thresholds)


def is_evenly_distributed_thresholds(thresholds) -> bool:
    """True for at least 3 thresholds spaced exactly like ``linspace(0, 1, n)``."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(np.asarray(thresholds, dtype=np.float64), even, atol=config.epsilon()))


class ConfusionMatrix(Enum):
    TRUE_POSITIVES = "tp"
    FALSE_POSITIVES = "fp"
    TRUE_NEGATIVES = "tn"
    FALSE_NEGATIVES = "fn"


class AUCCurve(Enum):
    ROC = "ROC"
    PR = "PR"
    PRGAIN = "PRGAIN"

    @staticmethod
    def from_str(key):
        table = {"roc": AUCCurve.ROC, "pr": AUCCurve.PR, "prgain": AUCCurve.PRGAIN}
        if isinstance(key, str) and key in ("ROC", "roc", "PR", "pr", "PRGAIN", "prgain"):
            return table[key.lower()]
        raise ValueError(f'AUC: invalid curve "{key}". Expected one of ["PR", "ROC", "PRGAIN"].')


class AUCSummationMethod(Enum):
    INTERPOLATION = "interpolation"
    MAJORING = "majoring"
    MINORING = "minoring"

    @staticmethod
    def from_str(key):
        if isinstance(key, str) and key.lower() in ("interpolation", "majoring", "minoring") and \
                key in (key.lower(), key.capitalize()):
            return AUCSummationMethod(key.lower())
        raise ValueError(
            f'AUC: invalid summation_method "{key}". Expected one of '
            '["interpolation", "majoring", "minoring"].'
        )


_TP, _FP, _TN, _FN = (ConfusionMatrix.TRUE_POSITIVES, ConfusionMatrix.FALSE_POSITIVES,
                      ConfusionMatrix.TRUE_NEGATIVES, ConfusionMatrix.FALSE_NEGATIVES)


def _filter_top_k(x, k):
    """Keep the k largest entries of the last axis; push the others to NEG_INF."""
    _, idx = ops.top_k(x, k)
    keep = ops.sum(ops.one_hot(idx, x.shape[-1], axis=-1, dtype=x.dtype), axis=-2)
    return x * keep + NEG_INF * (1 - keep)


def update_confusion_matrix_variables(variables_to_update: dict, y_true, y_pred, thresholds, top_k=None,
                                      class_id=None, sample_weight=None, multi_label=False,
                                      label_weights=None, thresholds_distributed_evenly=False):
    """Add this batch's true/false positives/negatives at each threshold to the given variables.

    ``variables_to_update`` maps ConfusionMatrix members to Variables of shape
    ``(num_thresholds,)`` (``(num_thresholds, num_labels)`` when ``multi_label``).
    A prediction counts as positive at threshold t when ``y_pred > t``.
    """
    if multi_label and label_weights is not None:
        raise ValueError("`label_weights` with multi_label=True must be applied by the caller.")
    if not variables_to_update:
        return
    invalid = [k for k in variables_to_update if k not in list(ConfusionMatrix)]
    if invalid:
        raise ValueError(f"Invalid confusion-matrix keys {invalid}; valid keys are {list(ConfusionMatrix)}.")
    dtype = next(iter(variables_to_update.values()))._dtype
    y_true = ops.cast(ops.convert_to_tensor(y_true), dtype)
    y_pred = ops.cast(ops.convert_to_tensor(y_pred), dtype)
    thresholds = [float(t) for t in to_list(thresholds)]
    with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = ops.expand_dims(ops.cast(ops.convert_to_tensor(sample_weight), dtype), axis=-1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if len(y_pred.shape) == 1:
            raise ValueError(
                "When class_id is given, y_pred must be 2D with shape (num_samples, num_classes); "
                f"received shape {tuple(y_pred.shape)}."
            )
        y_true = y_true[..., class_id:class_id + 1]
        y_pred = y_pred[..., class_id:class_id + 1]
    if label_weights is not None:
        label_weights = ops.cast(ops.convert_to_tensor(label_weights), dtype)
    if thresholds_distributed_evenly:
        _update_bucketed(variables_to_update, y_true, y_pred, len(thresholds), multi_label,
                         sample_weight, label_weights, with_epsilon)
    else:
        _update_dense(variables_to_update, y_true, y_pred, thresholds, multi_label, sample_weight,
                      label_weights, dtype)


def _update_dense(variables, y_true, y_pred, thresholds, multi_label, sample_weight, label_weights, dtype):
    """Compare every prediction with every threshold (any thresholds)."""
    t = ops.convert_to_tensor(np.asarray(thresholds, dtype=np.float32), dtype=dtype)
    weights = None
    if sample_weight is not None:
        weights = ops.broadcast_to(sample_weight, ops.shape(y_pred))
    if label_weights is not None:
        lw = ops.broadcast_to(ops.expand_dims(label_weights, 0), ops.shape(y_pred))
        weights = lw if weights is None else ops.multiply(weights, lw)
    labels = ops.cast(y_true, "bool")
    if multi_label:
        # (T, batch, labels): sums over the batch axis give one count per label.
        t = ops.reshape(t, (-1, 1, 1))
        preds = ops.expand_dims(y_pred, 0)
        labels = ops.expand_dims(labels, 0)
        weights = None if weights is None else ops.expand_dims(weights, 0)
    else:
        t = ops.reshape(t, (-1, 1))
        preds = ops.reshape(y_pred, (1, -1))
        labels = ops.reshape(labels, (1, -1))
        weights = None if weights is None else ops.reshape(weights, (1, -1))
    pred_pos = ops.greater(preds, t)
    pred_neg = ops.logical_not(pred_pos)
    label_neg = ops.logical_not(labels)
    conditions = {_TP: (labels, pred_pos), _FP: (label_neg, pred_pos),
                  _TN: (label_neg, pred_neg), _FN: (labels, pred_neg)}
    for key, var in variables.items():
        label, pred = conditions[key]
        both = ops.logical_and(label, pred)
        if weights is None:
            counts = ops.cast(both, dtype)
        else:
            counts = ops.where(both, weights, ops.zeros((), dtype=dtype))
        var.assign_add(ops.sum(counts, axis=1))


def _update_bucketed(variables, y_true, y_pred, num_thresholds, multi_label, sample_weight, label_weights,
                     with_epsilon):
    """Evenly spaced thresholds: histogram predictions into buckets, then reverse-cumsum (O(n))."""
    dtype = y_pred.dtype
    weights = None
    if sample_weight is not None:
        weights = ops.broadcast_to(ops.cast(sample_weight, dtype), ops.shape(y_pred))
    if label_weights is not None:
        lw = ops.broadcast_to(ops.expand_dims(label_weights, 0), ops.shape(y_pred))
        weights = lw if weights is None else ops.multiply(weights, lw)
    y_pred = ops.clip(y_pred, 0.0, 1.0)
    y_true = ops.cast(ops.cast(y_true, "bool"), dtype)
    if weights is None:
        weights = ops.ones_like(y_pred)
    true_labels = ops.multiply(y_true, weights)
    false_labels = ops.multiply(1.0 - y_true, weights)
    total_axis = 0 if multi_label else None
    if _FN in variables:
        total_true = ops.sum(true_labels, axis=total_axis)
    if _TN in variables:
        total_false = ops.sum(false_labels, axis=total_axis)
    # Bucket b holds predictions in (thresholds[b], thresholds[b + 1]]; b == -1 (a prediction
    # of exactly 0 with thresholds starting at 0) is above no threshold and is dropped.
    buckets = ops.ceil(y_pred * float(num_thresholds - 1)) - 1.0
    if with_epsilon:
        buckets = ops.relu(buckets)
    buckets = ops.cast(buckets, "int32")
    valid = ops.greater_equal(buckets, 0)
    zero = ops.zeros((), dtype=dtype)
    true_labels = ops.where(valid, true_labels, zero)
    false_labels = ops.where(valid, false_labels, zero)
    buckets = ops.maximum(buckets, 0)
    if multi_label:
        num_labels = y_pred.shape[-1]
        offsets = ops.arange(num_labels, dtype="int32") * num_thresholds
        ids = ops.reshape(buckets + offsets, (-1,))
        segments = num_labels * num_thresholds

        def histogram(values):
            h = ops.segment_sum(ops.reshape(values, (-1,)), ids, num_segments=segments)
            return ops.transpose(ops.reshape(h, (num_labels, num_thresholds)))  # (T, L)
    else:
        ids = ops.reshape(buckets, (-1,))
        true_labels = ops.reshape(true_labels, (-1,))
        false_labels = ops.reshape(false_labels, (-1,))

        def histogram(values):
            return ops.segment_sum(values, ids, num_segments=num_thresholds)

    def above(values):  # count of entries strictly above each threshold
        return ops.flip(ops.cumsum(ops.flip(histogram(values), axis=0), axis=0), axis=0)

    need_tp = _TP in variables or _FN in variables
    need_fp = _FP in variables or _TN in variables
    tp = above(true_labels) if need_tp else None
    fp = above(false_labels) if need_fp else None
    if _TP in variables:
        variables[_TP].assign_add(tp)
    if _FP in variables:
        variables[_FP].assign_add(fp)
    if _TN in variables:
        variables[_TN].assign_add(total_false - fp)
    if _FN in variables:
        variables[_FN].assign_add(total_true - tp)


def confusion_matrix(labels, predictions, num_classes: int, weights=None, dtype="int32"):
    """The (num_classes, num_classes) matrix counting (label, prediction) pairs, weighted."""
    labels = ops.cast(ops.convert_to_tensor(labels), dtype)
    predictions = ops.cast(ops.convert_to_tensor(predictions), dtype)
    labels, predictions = squeeze_or_expand_to_same_rank(labels, predictions)
    indices = ops.cast(ops.stack([labels, predictions], axis=1), "int32")
    values = ops.ones_like(predictions) if weights is None else ops.cast(ops.convert_to_tensor(weights), dtype)
    return ops.scatter(indices, values, (int(num_classes), int(num_classes)))
