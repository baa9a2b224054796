"""Mean, Sum and MeanMetricWrapper: metrics that reduce per-sample values."""

from __future__ import annotations

from lamina import ops
from lamina.metrics.metric import Metric
from lamina.saving.serialization import builtin, serialize_keras_object


def samplewise(values, sample_weight, dtype):
    """Weight values, then average each sample over its non-batch axes (weights too), as Keras's Mean does."""
    values = ops.cast(values, dtype)
    if sample_weight is not None:
        sample_weight = ops.cast(sample_weight, dtype)
        while len(sample_weight.shape) > len(values.shape) and sample_weight.shape[-1] == 1:
            sample_weight = ops.squeeze(sample_weight, axis=-1)
        while len(values.shape) > len(sample_weight.shape):
            sample_weight = ops.expand_dims(sample_weight, axis=-1)
        if len(values.shape):
            sample_weight = ops.broadcast_to(sample_weight, ops.shape(values))
        values = ops.multiply(values, sample_weight)
    if len(values.shape) > 1:
        axes = tuple(range(1, len(values.shape)))
        values = ops.mean(values, axis=axes)
        if sample_weight is not None:
            sample_weight = ops.mean(sample_weight, axis=axes)
    return values, sample_weight


@builtin("keras.metrics")
class Sum(Metric):
    """Running sum of values."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = samplewise(values, sample_weight, self.dtype)
        self.total.assign_add(ops.sum(values))

    def result(self):
        return ops.cast(self.total.value, self.dtype)


@builtin("keras.metrics")
class Mean(Metric):
    """Weighted running mean of values.

    Example:
        >>> m = lamina.metrics.Mean()
        >>> m.update_state([1.0, 3.0]); float(m.result())
        2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None):
        values = ops.convert_to_tensor(values)
        values, sample_weight = samplewise(values, sample_weight, self.dtype)
        self.total.assign_add(ops.sum(values))
        if sample_weight is not None:
            count = ops.sum(sample_weight)
        elif len(values.shape) >= 1:
            count = values.shape[0]
        else:
            count = 1
        self.count.assign_add(ops.cast(count, self.dtype))

    def result(self):
        return ops.divide_no_nan(self.total.value, self.count.value)


@builtin("keras.metrics")
class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is MeanMetricWrapper:
            config["fn"] = serialize_keras_object(self._fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            from lamina.saving.serialization import deserialize_keras_object

            config["fn"] = deserialize_keras_object(config["fn"])
        return cls(**config)
