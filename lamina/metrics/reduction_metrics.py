"""Sum, Mean, MeanTensor and MeanMetricWrapper: metrics that reduce (weighted) values."""

from __future__ import annotations

from lamina import ops
from lamina.metrics.metric import Metric
from lamina.metrics.metrics_utils import squeeze_or_expand_to_same_rank
from lamina.saving.serialization import builtin, serialize_keras_object


def samplewise(values, sample_weight, dtype, reduce_fn=ops.mean):
    """Reduce ``values`` to one value per sample, weighting them as Keras's Mean and Sum do.

    With weights: the ranks are matched (a trailing size-1 axis squeezed or added), values
    are reduced with ``reduce_fn`` over the axes the weights lack, multiplied by the
    (broadcast) weights, and the weights are reduced to one per sample. Then values are
    reduced over every non-batch axis. Returns ``(values, sample_weight)``.

    Example:
        >>> samplewise(np.ones((2, 3)), np.array([1.0, 0.0]), "float32")[0]   # [1., 0.]
    """
    values = ops.cast(ops.convert_to_tensor(values), dtype)
    if sample_weight is not None:
        sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        w_ndim, v_ndim = len(sample_weight.shape), len(values.shape)
        if v_ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, v_ndim)))
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(values))
        values = ops.multiply(values, sample_weight)
        if w_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, w_ndim)))
    if len(values.shape) > 1:
        values = reduce_fn(values, axis=tuple(range(1, len(values.shape))))
    return values, sample_weight


reduce_to_samplewise_values = samplewise


@builtin("keras.metrics")
class Sum(Metric):
    """The (weighted) sum of all values seen.

    Example:
        >>> m = lamina.metrics.Sum()
        >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); float(m.result())
        4.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", dtype=self.dtype, name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = samplewise(values, sample_weight, self.dtype, reduce_fn=ops.sum)
        self.total.assign_add(ops.sum(values))

    def reset_state(self):
        self.total.assign(ops.zeros((), dtype=self.total._dtype))

    def result(self):
        return ops.cast(self.total.value, self.dtype)


@builtin("keras.metrics")
class Mean(Metric):
    """The (weighted) mean of all values seen: ``total / count``.

    Each sample contributes its mean value (over non-batch axes) times its weight to
    ``total`` and its weight to ``count``.

    Example:
        >>> m = lamina.metrics.Mean()
        >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); float(m.result())
        2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", dtype=self.dtype, name="total")
        self.count = self.add_variable((), "zeros", dtype=self.dtype, name="count")

    def update_state(self, values, sample_weight=None):
        if type(sample_weight) in (int, float) and ops.is_tensor(values) and len(values.shape) == 0:
            # One value standing for a whole batch (the loss tracker in fit/evaluate): two additions.
            self.total.assign_add(ops.multiply(ops.cast(values, self.dtype), sample_weight))
            self.count.assign_add(float(sample_weight))
            return
        values, sample_weight = samplewise(values, sample_weight, self.dtype)
        self.total.assign_add(ops.sum(values))
        if sample_weight is not None:
            count = ops.sum(sample_weight)
        elif len(values.shape) >= 1 and isinstance(values.shape[0], int):
            count = float(values.shape[0])  # a Python number: no tensor to build for it
        elif len(values.shape) >= 1:
            count = ops.cast(values.shape[0], self.dtype)
        else:
            count = ops.ones((), dtype=self.dtype)
        self.count.assign_add(count)

    def reset_state(self):
        self.total.assign(ops.zeros((), dtype=self.total._dtype))
        self.count.assign(ops.zeros((), dtype=self.count._dtype))

    def result(self):
        return ops.divide_no_nan(self.total.value, ops.cast(self.count.value, self.dtype))


@builtin("keras.metrics")
class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen.

    Example:
        >>> m = lamina.metrics.MeanMetricWrapper(lambda t, p: (t - p) ** 2)
        >>> float(m([1.0, 2.0], [1.0, 4.0]))
        2.0
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: `fn` must be callable; received {fn!r}.")
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        from lamina.losses.loss import _get_mask, apply_mask

        mask = _get_mask(y_pred)  # masked steps (a Keras mask on the predictions) do not count
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, self.dtype, "sum", self.name)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize_keras_object(self._fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        from lamina import metrics

        config = dict(config)
        if "fn" in config:
            config = {k: metrics._deserialize_function(v) if k == "fn"
                      else metrics.deserialize(v) if isinstance(v, dict) and "class_name" in v else v
                      for k, v in config.items()}
        return cls(**config)


class NameDtypeConfig:
    """Mixin: ``get_config`` holds only ``name`` and ``dtype`` (wrappers around a fixed function)."""

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin("keras.metrics")
class MeanTensor(Metric):
    """The element-wise (weighted) mean of tensors of one shape (tf.keras's MeanTensor).

    Args:
        shape: the values' shape; if None, taken from the first update.

    Example:
        >>> m = lamina.metrics.MeanTensor()
        >>> m.update_state([0.0, 1.0]); m.update_state([2.0, 3.0]); m.result()   # [1., 2.]
    """

    def __init__(self, name="mean_tensor", dtype=None, shape=None):
        super().__init__(name=name, dtype=dtype)
        self._shape = None
        self._built = False
        if shape is not None:
            self._build(shape)

    def _build(self, shape):
        self._shape = tuple(int(d) for d in shape)
        self.total = self.add_variable(self._shape, "zeros", dtype=self.dtype, name="total")
        self.count = self.add_variable(self._shape, "zeros", dtype=self.dtype, name="count")
        self._built = True

    def update_state(self, values, sample_weight=None):
        values = ops.cast(ops.convert_to_tensor(values), self.dtype)
        if not self._built:
            self._build(values.shape)
        elif tuple(values.shape) != self._shape:
            raise ValueError(
                f"MeanTensor {self.name!r}: values must keep the shape {self._shape} of the first update; "
                f"received {tuple(values.shape)}."
            )
        if sample_weight is None:
            weight = ops.ones(self._shape, dtype=self.dtype)
        else:
            sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), self.dtype)
            values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
            weight = ops.broadcast_to(sample_weight, self._shape)
            values = ops.multiply(ops.reshape(values, self._shape), weight)
        self.total.assign_add(values)
        self.count.assign_add(weight)

    def result(self):
        if not self._built:
            raise ValueError(
                f"MeanTensor {self.name!r} has no value yet: call update_state(values) before result()."
            )
        return ops.divide_no_nan(self.total.value, self.count.value)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "shape": None if self._shape is None else list(self._shape)}
