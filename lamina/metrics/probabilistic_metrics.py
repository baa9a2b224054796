"""Probabilistic metrics: crossentropies, KL divergence and Poisson."""

from __future__ import annotations

from lamina import ops
from lamina.metrics._loss_functions import pick
from lamina.metrics.metrics_utils import squeeze_or_expand_to_same_rank
from lamina.metrics.reduction_metrics import MeanMetricWrapper
from lamina.saving.serialization import builtin

binary_crossentropy = pick("binary_crossentropy")
binary_focal_crossentropy = pick("binary_focal_crossentropy")
categorical_crossentropy = pick("categorical_crossentropy")
categorical_focal_crossentropy = pick("categorical_focal_crossentropy")
sparse_categorical_crossentropy = pick("sparse_categorical_crossentropy")
kl_divergence = pick("kl_divergence")
poisson = pick("poisson")


@builtin("keras.metrics")
class KLDivergence(MeanMetricWrapper):
    """The mean Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred))``.

    Example:
        >>> m = lamina.metrics.KLDivergence(); m.update_state([[0.0, 1.0]], [[0.4, 0.6]])
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(fn=kl_divergence, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin("keras.metrics")
class Poisson(MeanMetricWrapper):
    """The mean Poisson deviance term ``y_pred - y_true * log(y_pred)``."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(fn=poisson, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin("keras.metrics")
class BinaryCrossentropy(MeanMetricWrapper):
    """The mean binary crossentropy between 0/1 labels and predicted probabilities (or logits).

    Example:
        >>> m = lamina.metrics.BinaryCrossentropy(); m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(binary_crossentropy, name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


@builtin("keras.metrics")
class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean crossentropy between one-hot labels and predicted class probabilities (or logits)."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0, axis=-1):
        super().__init__(categorical_crossentropy, name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


@builtin("keras.metrics")
class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean crossentropy between integer labels and predicted class probabilities (or logits).

    With ``ignore_class``, entries of that label contribute 0 and, when sample weights are
    given, no weight (as in Keras, where the loss's mask joins the weights).

    Example:
        >>> m = lamina.metrics.SparseCategoricalCrossentropy(); m.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, ignore_class=None,
                 axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true)
        y_pred = ops.convert_to_tensor(y_pred)
        if self.ignore_class is not None and sample_weight is not None:
            labels = y_true
            if len(labels.shape) == len(y_pred.shape) and labels.shape[self.axis] == 1:
                labels = ops.squeeze(labels, axis=self.axis)
            valid = ops.cast(ops.not_equal(ops.cast(labels, y_pred.dtype), self.ignore_class), self.dtype)
            sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), self.dtype)
            valid, sample_weight = squeeze_or_expand_to_same_rank(valid, sample_weight)
            sample_weight = sample_weight * valid
        return super().update_state(y_true, y_pred, sample_weight=sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}
