"""Correlation metrics: Pearson and concordance (Lin's) correlation along an axis."""

from __future__ import annotations

from lamina import config, ops
from lamina.metrics.metrics_utils import squeeze_or_expand_to_same_rank
from lamina.metrics.reduction_metrics import MeanMetricWrapper
from lamina.saving.serialization import builtin


def _pair(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


@builtin("keras.metrics")
def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation coefficient between ``y_true`` and ``y_pred`` along ``axis``.

    Example:
        >>> lamina.metrics.pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])   # [0.9933]
    """
    y_true, y_pred = _pair(y_true, y_pred)
    t = y_true - ops.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - ops.mean(y_pred, axis=axis, keepdims=True)
    t = t / ops.std(t, axis=axis, keepdims=True)
    p = p / ops.std(p, axis=axis, keepdims=True)
    return ops.mean(t * p, axis=axis)


@builtin("keras.metrics")
def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation coefficient between ``y_true`` and ``y_pred`` along ``axis``.

    Example:
        >>> lamina.metrics.concordance_correlation([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.5]])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    true_mean = ops.mean(y_true, axis=axis, keepdims=True)
    pred_mean = ops.mean(y_pred, axis=axis, keepdims=True)
    true_var = ops.var(y_true - true_mean, axis=axis, keepdims=True)
    pred_var = ops.var(y_pred - pred_mean, axis=axis, keepdims=True)
    # As in Keras 3, the covariance term centres y_true on the mean of y_pred.
    covar = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + ops.square(true_mean - pred_mean)
    return ops.mean(2 * covar / (norm + config.epsilon()), axis=axis)


@builtin("keras.metrics")
class PearsonCorrelation(MeanMetricWrapper):
    """The mean Pearson correlation between labels and predictions along ``axis``."""

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(fn=pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


@builtin("keras.metrics")
class ConcordanceCorrelation(MeanMetricWrapper):
    """The mean concordance correlation between labels and predictions along ``axis``."""

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(fn=concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}
