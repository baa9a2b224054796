"""lamina.metrics: Keras 3's ``keras.metrics`` (metric classes, metric functions,
get/serialize/deserialize)."""

import inspect as _inspect

import numpy as _np

from lamina.metrics.accuracy_metrics import (  # noqa: F401
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from lamina.metrics.confusion_metrics import (  # noqa: F401
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from lamina.metrics.correlation_metrics import (  # noqa: F401
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from lamina.metrics.f_score_metrics import F1Score, FBetaScore  # noqa: F401
from lamina.metrics.hinge_metrics import (  # noqa: F401
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from lamina.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU  # noqa: F401
from lamina.metrics.metric import Metric  # noqa: F401
from lamina.metrics.probabilistic_metrics import (  # noqa: F401
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from lamina.metrics.reduction_metrics import Mean, MeanMetricWrapper, MeanTensor, Sum  # noqa: F401
from lamina.metrics.regression_metrics import (  # noqa: F401
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from lamina.saving import serialization as _serialization
from lamina.utils.naming import to_snake_case as _to_snake_case

# The metric classes Keras 3 resolves by name (MeanTensor is a lamina extra).
_CLASSES = (
    Metric, Mean, Sum, MeanMetricWrapper, MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score,
    AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall, RecallAtPrecision,
    SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives, TruePositives,
    ConcordanceCorrelation, PearsonCorrelation, Hinge, SquaredHinge, CategoricalHinge, KLDivergence,
    Poisson, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Accuracy,
    BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, F1Score, FBetaScore, IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU,
)
_BY_NAME = {cls.__name__: cls for cls in _CLASSES}
_BY_NAME.update({_to_snake_case(cls.__name__): cls for cls in _CLASSES})
_BY_NAME.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy, "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError, "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
})


def _module_objects() -> dict:
    table = {k: v for k, v in globals().items() if not k.startswith("_") and callable(v)}
    table.update(_BY_NAME)
    table["MeanTensor"] = MeanTensor
    return table


def serialize(metric):
    """The config of a metric (or the name of a metric function).

    Example:
        >>> lamina.metrics.serialize(lamina.metrics.AUC())["class_name"]
        'AUC'
    """
    return _serialization.serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """A metric from a config made by :func:`serialize` (or by Keras 3)."""
    return _serialization.deserialize_keras_object(config, custom_objects=custom_objects,
                                                   module_objects=_module_objects())


def _deserialize_function(config):
    """A metric function from its serialized form (names resolve to functions before classes)."""
    name = config if isinstance(config, str) else None
    if isinstance(config, dict) and config.get("class_name") == "function":
        name = config.get("config")
    fn = globals().get(name) if isinstance(name, str) and not name.startswith("_") else None
    if callable(fn) and not _inspect.isclass(fn):
        return fn
    return deserialize(config)


def get(identifier):
    """A metric from a name (``"accuracy"``, ``"mse"``, ``"AUC"``), config dict, class, instance
    or function, as ``keras.metrics.get`` does: names and classes give new instances.

    Example:
        >>> lamina.metrics.get("mae")
        <MeanAbsoluteError name=mean_absolute_error>
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _BY_NAME.get(identifier)
        if obj is None:
            raise ValueError(
                f"Could not interpret metric identifier: {identifier!r}. Known names include "
                f"{sorted(k for k in _BY_NAME if k[:1].islower())}."
            )
    else:
        obj = identifier
    if callable(obj):
        return obj() if _inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}.")


def _object_name(obj) -> str:
    if hasattr(obj, "name"):
        return obj.name
    if hasattr(obj, "__name__"):
        return _to_snake_case(obj.__name__)
    return _to_snake_case(type(obj).__name__)


def _shape(x):
    if x is None:
        return None
    shape = getattr(x, "shape", None)
    return tuple(_np.shape(x) if shape is None else shape)


def resolve_compile_metric(identifier, y_true, y_pred, loss=None):
    """The Metric object for one entry of ``compile(metrics=...)``, as Keras's compile does.

    ``"accuracy"``/``"acc"`` picks Binary, SparseCategorical or Categorical accuracy from the
    shapes of ``y_true`` and ``y_pred``; other names go through :func:`get`; plain functions
    are wrapped in MeanMetricWrapper. The metric is named after a string identifier. Metrics
    whose state depends on the data's shape (AUC with multi_label, F1Score, R2Score) create
    it here from the shapes, so no variable is created inside a traced step.
    """
    if identifier is None:
        raise ValueError("compile(metrics=...): expected a metric, received None.")
    if str(identifier).lower() in ("accuracy", "acc"):
        p_shape = _shape(y_pred)
        t_shape = _shape(y_true)
        p_last = p_shape[-1] if p_shape else None
        if p_last == 1:
            metric = BinaryAccuracy(name=str(identifier))
        elif t_shape is None or len(t_shape) < len(p_shape) or (t_shape and t_shape[-1] == 1 and (p_last or 0) > 1):
            metric = SparseCategoricalAccuracy(name=str(identifier))
        else:
            metric = CategoricalAccuracy(name=str(identifier))
    else:
        metric = get(identifier)
    name = identifier if isinstance(identifier, str) else _object_name(metric)
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric)
    metric.name = name
    build = getattr(metric, "_build_from", None)
    if build is not None and y_true is not None and y_pred is not None:
        try:
            build(y_true, y_pred)
        except ValueError:
            pass  # the first update_state reports the shape problem with its full message
    return metric
