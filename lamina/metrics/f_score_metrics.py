"""F-beta and F1 scores for (multi-label) classification."""

from __future__ import annotations

from lamina import config, ops
from lamina.metrics.metric import Metric
from lamina.saving.serialization import builtin


@builtin("keras.metrics")
class FBetaScore(Metric):
    """The F-beta score ``(1 + beta^2) * P * R / (beta^2 * P + R)`` per class, or averaged.

    Args:
        average: None (one score per class), ``"micro"`` (pool all classes), ``"macro"``
            (mean of per-class scores) or ``"weighted"`` (weighted by class support).
        beta: a Python float > 0.
        threshold: predictions above it count as positive; None marks the highest
            prediction of each row instead.

    Inputs are 2D: ``(batch_size, num_classes)``.

    Example:
        >>> m = lamina.metrics.FBetaScore(beta=2.0, threshold=0.5)
        >>> m.update_state([[1, 0], [0, 1]], [[0.8, 0.3], [0.6, 0.4]])
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        cls_name = type(self).__name__
        self._direction = "up"
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                f"{cls_name}: invalid `average` {average!r}; expected one of None, 'micro', 'macro', 'weighted'."
            )
        if not isinstance(beta, float):
            raise ValueError(f"{cls_name}: `beta` must be a Python float; received {beta!r} of type {type(beta)}.")
        if beta <= 0.0:
            raise ValueError(f"{cls_name}: `beta` must be > 0; received {beta}.")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    f"{cls_name}: `threshold` must be a Python float; received {threshold!r} of type {type(threshold)}."
                )
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(f"{cls_name}: `threshold` must satisfy 0 < threshold <= 1; received {threshold}.")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs of shape (batch_size, output_dim); received "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} expects the output_dim of its 2D inputs to be known; received "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        for var_name in ("true_positives", "false_positives", "false_negatives", "intermediate_weights"):
            setattr(self, var_name, self.add_variable(shape, "zeros", dtype=self.dtype, name=var_name))
        self._built = True

    def _build_from(self, y_true, y_pred):
        """Create the state from the shapes of a batch (before a traced step)."""
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(ops.convert_to_tensor(y_true), self.dtype)
        y_pred = ops.cast(ops.convert_to_tensor(y_pred), self.dtype)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        if self.threshold is None:
            row_max = ops.max(y_pred, axis=-1, keepdims=True)
            y_pred = ops.logical_and(y_pred >= row_max, ops.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = ops.cast(y_pred, self.dtype)
        if sample_weight is not None:
            sample_weight = ops.expand_dims(ops.cast(ops.convert_to_tensor(sample_weight), self.dtype), 1)

        def weighted_sum(values):
            if sample_weight is not None:
                values = values * sample_weight
            return ops.sum(values, axis=self.axis)

        self.true_positives.assign_add(weighted_sum(y_pred * y_true))
        self.false_positives.assign_add(weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.assign_add(weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        eps = config.epsilon()
        tp = self.true_positives.value
        precision = ops.cast(ops.divide(tp, tp + self.false_positives.value + eps), self.dtype)
        recall = ops.cast(ops.divide(tp, tp + self.false_negatives.value + eps), self.dtype)
        beta2 = self.beta ** 2
        score = ops.divide(precision * recall, beta2 * precision + recall + eps) * (1 + beta2)
        if self.average == "weighted":
            w = self.intermediate_weights.value
            score = ops.sum(score * ops.divide(w, ops.sum(w) + eps))
        elif self.average is not None:
            score = ops.mean(score)
        return score

    def reset_state(self):
        for v in self.variables:
            v.assign(ops.zeros(v.shape, dtype=v._dtype))

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


@builtin("keras.metrics")
class F1Score(FBetaScore):
    """The F1 score: the harmonic mean of precision and recall (FBetaScore with beta=1).

    Example:
        >>> m = lamina.metrics.F1Score(average="macro", threshold=0.5)
        >>> m.update_state([[1, 0], [0, 1]], [[0.8, 0.3], [0.6, 0.4]])
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
