"""Regression metrics: mean squared/absolute/percentage/log errors, RMSE, cosine similarity,
log-cosh and R2."""

from __future__ import annotations

from lamina import ops
from lamina.metrics._loss_functions import pick
from lamina.metrics.metric import Metric
from lamina.metrics.metrics_utils import squeeze_or_expand_to_same_rank
from lamina.metrics.reduction_metrics import Mean, MeanMetricWrapper, NameDtypeConfig
from lamina.saving.serialization import builtin

mean_squared_error = pick("mean_squared_error")
mean_absolute_error = pick("mean_absolute_error")
mean_absolute_percentage_error = pick("mean_absolute_percentage_error")
mean_squared_logarithmic_error = pick("mean_squared_logarithmic_error")
log_cosh = pick("log_cosh")
huber = pick("huber")


def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine of the angle between ``y_true`` and ``y_pred`` along ``axis`` (in [-1, 1])."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.sum(ops.normalize(y_true, axis=axis) * ops.normalize(y_pred, axis=axis), axis=axis)



@builtin("keras.metrics")
class MeanSquaredError(NameDtypeConfig, MeanMetricWrapper):
    """The mean of ``square(y_true - y_pred)``.

    Example:
        >>> m = lamina.metrics.MeanSquaredError(); m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        >>> float(m.result())
        0.25
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"


@builtin("keras.metrics")
class MeanAbsoluteError(NameDtypeConfig, MeanMetricWrapper):
    """The mean of ``abs(y_true - y_pred)``."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name, dtype=dtype)
        self._direction = "down"


@builtin("keras.metrics")
class MeanAbsolutePercentageError(NameDtypeConfig, MeanMetricWrapper):
    """The mean of ``100 * abs((y_true - y_pred) / y_true)`` (denominator floored at epsilon)."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name, dtype=dtype)
        self._direction = "down"


@builtin("keras.metrics")
class MeanSquaredLogarithmicError(NameDtypeConfig, MeanMetricWrapper):
    """The mean of ``square(log(y_true + 1) - log(y_pred + 1))``."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name, dtype=dtype)
        self._direction = "down"


@builtin("keras.metrics")
class RootMeanSquaredError(Mean):
    """The square root of the (weighted) mean of ``square(y_true - y_pred)``.

    Example:
        >>> m = lamina.metrics.RootMeanSquaredError(); m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(ops.convert_to_tensor(y_true), self.dtype)
        y_pred = ops.cast(ops.convert_to_tensor(y_pred), self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(ops.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return ops.sqrt(super().result())


@builtin("keras.metrics")
class CosineSimilarity(NameDtypeConfig, MeanMetricWrapper):
    """The mean cosine similarity between labels and predictions along ``axis``.

    Example:
        >>> m = lamina.metrics.CosineSimilarity(axis=1)
        >>> m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]); float(m.result())
        0.5
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name, dtype=dtype, axis=axis)
        self._direction = "up"


@builtin("keras.metrics")
class LogCoshError(NameDtypeConfig, MeanMetricWrapper):
    """The mean of ``log(cosh(y_pred - y_true))``."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name, dtype=dtype)
        self._direction = "down"


@builtin("keras.metrics")
class R2Score(Metric):
    """The coefficient of determination, ``1 - SS_res / SS_tot``, per output then aggregated.

    Args:
        class_aggregation: ``"uniform_average"`` (mean over outputs), ``"variance_weighted_average"``
            (weighted by each output's variance) or None (one score per output).
        num_regressors: if > 0, the adjusted R2 for that many independent variables (the plain
            score is returned while there are not more samples than ``num_regressors + 1``).

    Inputs are 2D: ``(batch_size, num_outputs)``.

    Example:
        >>> m = lamina.metrics.R2Score()
        >>> m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]]); float(m.result())
        0.57142854
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"R2Score: invalid `class_aggregation` {class_aggregation!r}; expected one of {valid}.")
        if num_regressors < 0:
            raise ValueError(f"R2Score: `num_regressors` must be >= 0; received {num_regressors}.")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs of shape (batch_size, output_dim); received "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError(
                "R2Score expects the output_dim of its 2D inputs to be known; received "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        n = y_pred_shape[-1]
        self.squared_sum = self.add_variable((n,), "zeros", name="squared_sum")
        self.sum = self.add_variable((n,), "zeros", name="sum")
        self.total_mse = self.add_variable((n,), "zeros", name="residual")
        self.count = self.add_variable((n,), "zeros", name="count")
        self._built = True

    def _build_from(self, y_true, y_pred):
        """Create the state from the shapes of a batch (before a traced step)."""
        if not self._built:
            t, p = tuple(y_true.shape), tuple(y_pred.shape)
            if len(t) == len(p) + 1 and t[-1] == 1:
                t = t[:-1]
            elif len(p) == len(t) + 1 and p[-1] == 1:
                p = p[:-1]
            self._build(t, p)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(ops.convert_to_tensor(y_true), self.dtype)
        y_pred = ops.cast(ops.convert_to_tensor(y_pred), self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        if sample_weight is None:
            sample_weight = ops.ones((), dtype=self.dtype)
        sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), self.dtype)
        if len(sample_weight.shape) == 1:
            sample_weight = ops.expand_dims(sample_weight, axis=1)
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(y_true))
        weighted_y_true = y_true * sample_weight
        self.sum.assign_add(ops.sum(weighted_y_true, axis=0))
        self.squared_sum.assign_add(ops.sum(y_true * weighted_y_true, axis=0))
        self.total_mse.assign_add(ops.sum(ops.square(y_true - y_pred) * sample_weight, axis=0))
        self.count.assign_add(ops.sum(sample_weight, axis=0))
        self.num_samples.assign_add(ops.cast(ops.size(y_true), self.num_samples._dtype))

    def result(self):
        s, count = self.sum.value, self.count.value
        mean = s / count
        total = self.squared_sum.value - s * mean
        raw = 1 - self.total_mse.value / total
        raw = ops.where(ops.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = ops.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = ops.sum(total * raw) / ops.sum(total)
        else:
            score = raw
        if self.num_regressors != 0:
            # Adjusted R2 needs more than num_regressors + 1 samples; otherwise keep the plain score.
            n = ops.cast(self.num_samples.value, "float32")
            p = float(self.num_regressors)
            adjusted = 1.0 - ops.divide((1.0 - score) * (n - 1.0), n - p - 1.0)
            score = ops.where(ops.less(p, n - 1.0), adjusted, score)
        return score

    def reset_state(self):
        for v in self.variables:
            v.assign(ops.zeros(v.shape, dtype=v._dtype))

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
