"""The accuracy family: exact, binary, categorical, sparse categorical and top-k accuracy."""

from __future__ import annotations

from lamina import config, ops
from lamina.metrics.metrics_utils import squeeze_or_expand_to_same_rank
from lamina.metrics.reduction_metrics import MeanMetricWrapper, NameDtypeConfig
from lamina.saving.serialization import builtin


def _matches(a, b):
    return ops.cast(ops.equal(a, b), config.floatx())


@builtin("keras.metrics")
def accuracy(y_true, y_pred):
    """1.0 where ``y_pred`` equals ``y_true`` exactly, else 0.0 (element-wise).

    Example:
        >>> lamina.metrics.accuracy([1, 2], [1, 3])   # [1., 0.]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _matches(y_true, y_pred)


@builtin("keras.metrics")
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``y_pred > threshold`` agrees with the 0/1 label, else 0.0 (element-wise).

    Example:
        >>> lamina.metrics.binary_accuracy([[1], [0]], [[0.7], [0.6]])   # [[1.], [0.]]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = ops.cast(ops.greater(y_pred, threshold), y_true.dtype)
    return _matches(y_true, predicted)


@builtin("keras.metrics")
def categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of ``y_pred`` equals the argmax of the one-hot ``y_true``.

    Example:
        >>> lamina.metrics.categorical_accuracy([[0, 1]], [[0.3, 0.7]])   # [1.]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.argmax(ops.convert_to_tensor(y_true), axis=-1)
    if len(y_true.shape) == len(y_pred.shape):
        original_shape = tuple(y_true.shape)
        matches = _matches(ops.squeeze(y_true, -1), ops.argmax(y_pred, axis=-1))
        return ops.reshape(matches, original_shape)
    return _matches(y_true, ops.argmax(y_pred, axis=-1))


@builtin("keras.metrics")
def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of ``y_pred`` equals the integer label, else 0.0.

    Example:
        >>> lamina.metrics.sparse_categorical_accuracy([1, 0], [[0.3, 0.7], [0.4, 0.6]])   # [1., 0.]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if not ops.dtype(y_true).startswith(("int", "uint")):
        y_true = ops.cast(y_true, y_pred.dtype)  # float labels compare as floats, as in Keras
    original_shape = tuple(y_true.shape)
    reshape = len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1
    if reshape:
        y_true = ops.squeeze(y_true, -1)
    predicted = ops.argmax(y_pred, axis=-1)  # ops.equal promotes integer labels and indices alike
    if not ops.dtype(y_true).startswith(("int", "uint")):
        predicted = ops.cast(predicted, y_true.dtype)
    matches = _matches(y_true, predicted)
    if reshape:
        matches = ops.reshape(matches, original_shape)
    if len(matches.shape) > 1 and matches.shape[-1] == 1:
        matches = ops.squeeze(matches, -1)
    return matches


def _flatten_for_top_k(y_true, y_pred):
    original_shape = tuple(y_true.shape)
    if len(y_pred.shape) > 2:
        y_pred = ops.reshape(y_pred, (-1, y_pred.shape[-1]))
    reshape = len(y_true.shape) > 1
    if reshape:
        y_true = ops.reshape(y_true, (-1,))
    return y_true, y_pred, (original_shape if reshape else None)


@builtin("keras.metrics")
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the ``k`` highest predictions.

    Example:
        >>> lamina.metrics.top_k_categorical_accuracy([[0, 0, 1]], [[0.5, 0.3, 0.2]], k=2)   # [0.]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.argmax(ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype), axis=-1)
    y_true, y_pred, shape = _flatten_for_top_k(y_true, y_pred)
    matches = ops.cast(ops.in_top_k(ops.cast(y_true, "int32"), y_pred, k=k), config.floatx())
    return matches if shape is None else ops.reshape(matches, shape)


@builtin("keras.metrics")
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the ``k`` highest predictions.

    With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by score (best first),
    e.g. the indices returned by ``ops.top_k``.

    Example:
        >>> lamina.metrics.sparse_top_k_categorical_accuracy([2], [[0.5, 0.3, 0.2]], k=2)   # [0.]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype if from_sorted_ids else "int32")
    y_true, y_pred, shape = _flatten_for_top_k(y_true, y_pred)
    if from_sorted_ids:
        hits = ops.any(ops.equal(ops.expand_dims(y_true, axis=1), y_pred[:, :k]), axis=1)
    else:
        hits = ops.in_top_k(y_true, y_pred, k=k)
    matches = ops.cast(hits, config.floatx())
    return matches if shape is None else ops.reshape(matches, shape)



@builtin("keras.metrics")
class Accuracy(NameDtypeConfig, MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Example:
        >>> m = lamina.metrics.Accuracy(); m.update_state([[1], [2]], [[1], [3]]); float(m.result())
        0.5
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"


@builtin("keras.metrics")
class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` agrees with binary labels.

    Example:
        >>> m = lamina.metrics.BinaryAccuracy(); m.update_state([[1], [0]], [[0.9], [0.7]]); float(m.result())
        0.5
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


@builtin("keras.metrics")
class CategoricalAccuracy(NameDtypeConfig, MeanMetricWrapper):
    """How often the argmax of predictions matches the argmax of one-hot labels."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"


@builtin("keras.metrics")
class SparseCategoricalAccuracy(NameDtypeConfig, MeanMetricWrapper):
    """How often the argmax of predictions matches integer labels."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"


@builtin("keras.metrics")
class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the top ``k`` predictions."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


@builtin("keras.metrics")
class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top ``k`` predictions (or sorted ids)."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
