"""Loss: the base class of losses, with Keras 3's reductions and sample weighting."""

from __future__ import annotations

from lamina import ops
from lamina.saving.serialization import builtin, serialize_keras_object

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Weight per-sample loss values and reduce them as Keras does."""
    if sample_weight is not None:
        sample_weight = ops.cast(sample_weight, values.dtype)
        # Let (batch,) weights broadcast against (batch, ...) values and the other way round.
        while len(sample_weight.shape) > len(values.shape) and sample_weight.shape[-1] == 1:
            sample_weight = ops.squeeze(sample_weight, axis=-1)
        while len(sample_weight.shape) < len(values.shape):
            sample_weight = ops.expand_dims(sample_weight, axis=-1)
        values = ops.multiply(values, sample_weight)
    if reduction is None or reduction == "none":
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return ops.divide_no_nan(total, ops.sum(ops.broadcast_to(sample_weight, values.shape)))
    count = 1
    for d in values.shape:
        count *= d
    return ops.divide_no_nan(total, ops.cast(count, total.dtype))


@builtin("keras.losses")
class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` returning per-sample losses.

    Example:
        >>> class Abs(lamina.losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return lamina.ops.mean(lamina.ops.abs(y_true - y_pred), axis=-1)
    """

    def __init__(self, name: str | None = None, reduction: str = "sum_over_batch_size", dtype=None):
        if reduction not in REDUCTIONS:
            raise ValueError(f"Loss: invalid reduction {reduction!r}; expected one of {list(REDUCTIONS)}.")
        from lamina.utils.naming import to_snake_case

        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype or "float32"

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred)
        if not str(y_pred.dtype).startswith(("float", "bfloat")):
            y_pred = ops.cast(y_pred, self.dtype)
        y_true = ops.convert_to_tensor(y_true)
        values = self.call(y_true, y_pred)
        values = ops.cast(values, self.dtype)
        return reduce_values(values, sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@builtin("keras.losses")
class LossFunctionWrapper(Loss):
    """A Loss around a function ``fn(y_true, y_pred, **kwargs)`` returning per-sample values."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is LossFunctionWrapper:
            config["fn"] = serialize_keras_object(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            from lamina.saving.serialization import deserialize_keras_object

            config["fn"] = deserialize_keras_object(config["fn"])
        return cls(**config)
