"""Metrics built on confusion-matrix counts at thresholds: TP/FP/TN/FN, Precision, Recall,
the *At* metrics (e.g. PrecisionAtRecall) and AUC."""

from __future__ import annotations

import numpy as np

from lamina import config, ops
from lamina.metrics import metrics_utils as mu
from lamina.metrics.metric import Metric
from lamina.saving.serialization import builtin

_CM = mu.ConfusionMatrix


def _zeros_like_var(v):
    return ops.zeros(v.shape, dtype=v._dtype)


class _ConfusionMatrixConditionCount(Metric):
    """Counts one confusion-matrix condition at each threshold."""

    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = mu.parse_init_thresholds(thresholds, 0.5, owner=type(self).__name__)
        self._thresholds_distributed_evenly = mu.is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        mu.update_confusion_matrix_variables(
            {self._condition: self.accumulator}, y_true, y_pred, self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly, sample_weight=sample_weight)

    def result(self):
        value = self.accumulator.value
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


@builtin("keras.metrics")
class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives at each threshold (default 0.5).

    Example:
        >>> m = lamina.metrics.FalsePositives(); m.update_state([0, 1, 0, 0], [0, 0, 1, 1]); float(m.result())
        2.0
    """

    _condition = _CM.FALSE_POSITIVES


@builtin("keras.metrics")
class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives at each threshold (default 0.5)."""

    _condition = _CM.FALSE_NEGATIVES


@builtin("keras.metrics")
class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives at each threshold (default 0.5)."""

    _condition = _CM.TRUE_NEGATIVES


@builtin("keras.metrics")
class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives at each threshold (default 0.5)."""

    _condition = _CM.TRUE_POSITIVES


class _PrecisionRecallBase(Metric):
    _second = None  # (attribute name, condition) of the count beside true positives

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else mu.NEG_INF
        self.thresholds = mu.parse_init_thresholds(thresholds, default, owner=type(self).__name__)
        self._thresholds_distributed_evenly = mu.is_evenly_distributed_thresholds(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), "zeros", name="true_positives")
        attr, _ = self._second
        setattr(self, attr, self.add_variable((n,), "zeros", name=attr))

    def update_state(self, y_true, y_pred, sample_weight=None):
        attr, cond = self._second
        mu.update_confusion_matrix_variables(
            {_CM.TRUE_POSITIVES: self.true_positives, cond: getattr(self, attr)}, y_true, y_pred,
            self.thresholds, top_k=self.top_k, class_id=self.class_id, sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def result(self):
        tp = self.true_positives.value
        value = ops.divide_no_nan(tp, ops.add(tp, getattr(self, self._second[0]).value))
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


@builtin("keras.metrics")
class Precision(_PrecisionRecallBase):
    """``TP / (TP + FP)`` at each threshold; ``top_k`` counts only the k best classes as
    predicted, ``class_id`` restricts to one class.

    Example:
        >>> m = lamina.metrics.Precision(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); float(m.result())
        0.6666667
    """

    _second = ("false_positives", _CM.FALSE_POSITIVES)


@builtin("keras.metrics")
class Recall(_PrecisionRecallBase):
    """``TP / (TP + FN)`` at each threshold; ``top_k`` and ``class_id`` as in Precision.

    Example:
        >>> m = lamina.metrics.Recall(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); float(m.result())
        0.6666667
    """

    _second = ("false_negatives", _CM.FALSE_NEGATIVES)


def _rate(a, b):
    return ops.divide_no_nan(a, ops.add(a, b))


class SensitivitySpecificityBase(Metric):
    """Base of the metrics that maximise one rate subject to a floor on another."""

    _value_name = "value"

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        cls_name = type(self).__name__
        if not 0 <= value <= 1:
            raise ValueError(f"{cls_name}: `{self._value_name}` must be in [0, 1]; received {value}.")
        if not isinstance(num_thresholds, int) or num_thresholds <= 0:
            raise ValueError(f"{cls_name}: `num_thresholds` must be an integer > 0; received {num_thresholds}.")
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), "zeros", name="true_positives")
        self.false_positives = self.add_variable((n,), "zeros", name="false_positives")
        self.true_negatives = self.add_variable((n,), "zeros", name="true_negatives")
        self.false_negatives = self.add_variable((n,), "zeros", name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        mu.update_confusion_matrix_variables(
            {_CM.TRUE_POSITIVES: self.true_positives, _CM.TRUE_NEGATIVES: self.true_negatives,
             _CM.FALSE_POSITIVES: self.false_positives, _CM.FALSE_NEGATIVES: self.false_negatives},
            y_true, y_pred, self.thresholds, class_id=self.class_id, sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def _rates(self):
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        return {"sensitivity": _rate(tp, fn), "recall": _rate(tp, fn), "specificity": _rate(tn, fp),
                "precision": _rate(tp, fp)}

    def _max_under_constraint(self, constrained, dependent):
        """The largest ``dependent`` rate over thresholds where ``constrained >= value`` (0 if none)."""
        rates = self._rates()
        feasible = ops.greater_equal(rates[constrained], self.value)
        return ops.max(ops.where(feasible, rates[dependent], 0.0), initial=0.0)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id}


@builtin("keras.metrics")
class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (recall) over thresholds whose specificity is at least ``specificity``."""

    _value_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        self.specificity = specificity
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        return self._max_under_constraint("specificity", "sensitivity")

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "specificity": self.specificity}


@builtin("keras.metrics")
class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity over thresholds whose sensitivity is at least ``sensitivity``."""

    _value_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        self.sensitivity = sensitivity
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        return self._max_under_constraint("sensitivity", "specificity")

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "sensitivity": self.sensitivity}


@builtin("keras.metrics")
class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision over thresholds whose recall is at least ``recall``.

    Example:
        >>> m = lamina.metrics.PrecisionAtRecall(0.5, num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0.0, 0.3, 0.6, 0.9])
    """

    _value_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        self.recall = recall
        super().__init__(value=recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        return self._max_under_constraint("recall", "precision")

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "recall": self.recall}


@builtin("keras.metrics")
class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall over thresholds whose precision is at least ``precision``."""

    _value_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        self.precision = precision
        super().__init__(value=precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        return self._max_under_constraint("precision", "recall")

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "precision": self.precision}


@builtin("keras.metrics")
class AUC(Metric):
    """Area under the ROC, PR or PR-gain curve, from confusion counts at ``num_thresholds``
    thresholds (or the given ``thresholds``, with -epsilon and 1+epsilon added).

    Args:
        num_thresholds: number of evenly spaced thresholds (> 1) when ``thresholds`` is None.
        curve: ``"ROC"``, ``"PR"`` or ``"PRGAIN"``.
        summation_method: ``"interpolation"``, ``"majoring"`` or ``"minoring"``.
        multi_label: one curve per label (predictions of shape (batch, num_labels)), averaged
            (weighted by ``label_weights`` if given); else all labels are pooled.
        num_labels: the number of labels with multi_label (else known at the first update).
        label_weights: per-label weights of the counts (or of the per-label AUCs with multi_label).
        from_logits: apply a sigmoid to predictions first.

    Example:
        >>> m = lamina.metrics.AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]); float(m.result())
        0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            thresholds = sorted(float(t) for t in mu.to_list(thresholds))
            self.num_thresholds = len(thresholds) + 2
            self._thresholds_distributed_evenly = mu.is_evenly_distributed_thresholds(
                np.array([0.0] + thresholds + [1.0]))
        else:
            if not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError(f"AUC: `num_thresholds` must be an integer > 1; received {num_thresholds}.")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        eps = config.epsilon()
        self._thresholds = np.array([0.0 - eps] + thresholds + [1.0 + eps])
        self.curve = curve if isinstance(curve, mu.AUCCurve) else mu.AUCCurve.from_str(curve)
        self.summation_method = summation_method if isinstance(summation_method, mu.AUCSummationMethod) \
            else mu.AUCSummationMethod.from_str(summation_method)
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None
        if label_weights is not None:
            self.label_weights = ops.convert_to_tensor(np.asarray(label_weights), dtype=self.dtype)
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("AUC: `num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self) -> list:
        """The thresholds, including the -epsilon and 1+epsilon end points."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if shape is None or len(shape) != 2:
                raise ValueError(
                    "AUC: `y_pred` must have rank 2 (batch, num_labels) when multi_label=True; "
                    f"received shape {shape}."
                )
            self._num_labels = shape[1]
            var_shape = (self.num_thresholds, self._num_labels)
        else:
            var_shape = (self.num_thresholds,)
        self._build_input_shape = shape
        self.true_positives = self.add_variable(var_shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(var_shape, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(var_shape, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(var_shape, "zeros", name="false_negatives")
        self._built = True

    def _build_from(self, y_true, y_pred):
        """Create the state from the shapes of a batch (before a traced step)."""
        if not self._built:
            self._build(tuple(y_pred.shape))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred)
        if not self._built:
            self._build(tuple(y_pred.shape))
        if self._from_logits:
            y_pred = ops.sigmoid(y_pred)
        mu.update_confusion_matrix_variables(
            {_CM.TRUE_POSITIVES: self.true_positives, _CM.TRUE_NEGATIVES: self.true_negatives,
             _CM.FALSE_POSITIVES: self.false_positives, _CM.FALSE_NEGATIVES: self.false_negatives},
            y_true, y_pred, self._thresholds, sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def _average_over_labels(self, per_threshold):
        if not self.multi_label:
            return ops.sum(per_threshold)
        by_label = ops.sum(per_threshold, axis=0)
        if self.label_weights is None:
            return ops.mean(by_label)
        return ops.divide_no_nan(ops.sum(by_label * self.label_weights), ops.sum(self.label_weights))

    def interpolate_pr_auc(self):
        """PR-AUC by interpolating precision between thresholds (Davis & Goadrich, 2006)."""
        n = self.num_thresholds
        tp, fp, fn = self.true_positives.value, self.false_positives.value, self.false_negatives.value
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        slope = ops.divide_no_nan(dtp, ops.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both_positive = ops.logical_and(p[: n - 1] > 0, p[1:] > 0)
        ratio = ops.where(both_positive, ops.divide_no_nan(p[: n - 1], ops.maximum(p[1:], 0)), ops.ones_like(p[1:]))
        increments = ops.divide_no_nan(slope * (dtp + intercept * ops.log(ratio)), ops.maximum(tp[1:] + fn[1:], 0))
        return self._average_over_labels(increments)

    def result(self):
        if self.curve == mu.AUCCurve.PR and self.summation_method == mu.AUCSummationMethod.INTERPOLATION:
            return self.interpolate_pr_auc()
        n = self.num_thresholds
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        recall = _rate(tp, fn)
        if self.curve == mu.AUCCurve.ROC:
            x, y = _rate(fp, tn), recall
        elif self.curve == mu.AUCCurve.PR:
            x, y = recall, _rate(tp, fp)
        else:
            scale = ops.divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * ops.divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * ops.divide_no_nan(fp, tp)
            no_tp = ops.equal(tp, 0.0)
            x = ops.maximum(ops.where(no_tp, 0.0, recall_gain), 0.0)
            y = ops.where(no_tp, 1.0, precision_gain)
        if self.summation_method == mu.AUCSummationMethod.INTERPOLATION:
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == mu.AUCSummationMethod.MINORING:
            heights = ops.minimum(y[: n - 1], y[1:])
        else:
            heights = ops.maximum(y[: n - 1], y[1:])
        return self._average_over_labels((x[: n - 1] - x[1:]) * heights)

    def reset_state(self):
        if self._built:
            for v in (self.true_positives, self.false_positives, self.true_negatives, self.false_negatives):
                v.assign(_zeros_like_var(v))

    def get_config(self):
        label_weights = None if self.label_weights is None else ops.convert_to_numpy(self.label_weights)
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve.value,
                  "summation_method": self.summation_method.value, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "label_weights": label_weights,
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return config
