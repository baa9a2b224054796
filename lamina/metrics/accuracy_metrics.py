"""The accuracy family (more metrics live beside this file)."""

from __future__ import annotations

from lamina import config, ops
from lamina.metrics.reduction_metrics import MeanMetricWrapper
from lamina.saving.serialization import builtin


@builtin("keras.metrics")
def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of ``y_pred`` equals the integer label, else 0.0."""
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    predicted = ops.argmax(y_pred, axis=-1)
    return ops.cast(ops.equal(ops.cast(y_true, "int32"), ops.cast(predicted, "int32")), config.floatx())


@builtin("keras.metrics")
def categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of ``y_pred`` equals the argmax of one-hot ``y_true``."""
    return ops.cast(ops.equal(ops.argmax(y_true, axis=-1), ops.argmax(y_pred, axis=-1)), config.floatx())


@builtin("keras.metrics")
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """The fraction of entries where ``y_pred > threshold`` equals the binary label."""
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    predicted = ops.cast(ops.greater(y_pred, threshold), y_pred.dtype)
    return ops.mean(ops.cast(ops.equal(ops.cast(y_true, y_pred.dtype), predicted), config.floatx()), axis=-1)


@builtin("keras.metrics")
def accuracy(y_true, y_pred):
    """The fraction of entries where ``y_pred`` equals ``y_true`` exactly."""
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    return ops.mean(ops.cast(ops.equal(ops.cast(y_true, y_pred.dtype), y_pred), config.floatx()), axis=-1)


@builtin("keras.metrics")
class SparseCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin("keras.metrics")
class CategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin("keras.metrics")
class BinaryAccuracy(MeanMetricWrapper):
    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


@builtin("keras.metrics")
class Accuracy(MeanMetricWrapper):
    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
