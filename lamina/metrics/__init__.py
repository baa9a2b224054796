"""lamina.metrics: Keras 3's ``keras.metrics``."""

import inspect as _inspect

from lamina.metrics.accuracy_metrics import (  # noqa: F401
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
)
from lamina.metrics.metric import Metric  # noqa: F401
from lamina.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum  # noqa: F401
from lamina.saving import serialization as _serialization


def _module_objects() -> dict:
    return {k: v for k, v in globals().items() if not k.startswith("_") and callable(v)}


def serialize(metric):
    return _serialization.serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    return _serialization.deserialize_keras_object(config, custom_objects=custom_objects,
                                                   module_objects=_module_objects())


def get(identifier):
    """A metric (instance or function) from a name, config, class, instance or function."""
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        table = _module_objects()
        aliases = {"acc": "accuracy", "mse": "mean_squared_error", "mae": "mean_absolute_error",
                   "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error"}
        name = aliases.get(identifier, identifier)
        if name not in table:
            raise ValueError(f"Unknown metric {identifier!r}. Valid names include: "
                             f"{sorted(k for k in table if k[0].islower())}.")
        obj = table[name]
        return obj() if _inspect.isclass(obj) else obj
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if _inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}.")


def resolve_compile_metric(identifier, y_true, y_pred, loss=None):
    """The Metric object for one entry of ``compile(metrics=...)``, choosing the accuracy kind like Keras."""
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        pred_dim = y_pred.shape[-1] if len(y_pred.shape) else 1
        true_shape = tuple(getattr(y_true, "shape", ())) if y_true is not None else ()
        if pred_dim == 1:
            return BinaryAccuracy(name=identifier)
        if len(true_shape) < len(y_pred.shape) or (true_shape and true_shape[-1] == 1):
            return SparseCategoricalAccuracy(name=identifier)
        return CategoricalAccuracy(name=identifier)
    metric = get(identifier)
    if isinstance(metric, Metric):
        return metric
    name = identifier if isinstance(identifier, str) else getattr(metric, "__name__", "metric")
    return MeanMetricWrapper(metric, name=name)
