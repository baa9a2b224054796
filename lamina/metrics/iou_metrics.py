"""Intersection-over-union metrics for segmentation: IoU, MeanIoU, BinaryIoU and the one-hot forms."""

from __future__ import annotations

import warnings

from lamina import config, ops
from lamina.metrics.metric import Metric
from lamina.metrics.metrics_utils import confusion_matrix
from lamina.saving.serialization import builtin


class _IoUBase(Metric):
    """Accumulates a (num_classes, num_classes) confusion matrix (rows: labels, columns: predictions)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros", dtype=self.dtype,
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.sparse_y_true:
            y_true = ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(y_pred, axis=self.axis)
        y_true = ops.reshape(ops.cast(ops.convert_to_tensor(y_true), self.dtype), (-1,))
        y_pred = ops.reshape(ops.cast(ops.convert_to_tensor(y_pred), self.dtype), (-1,))
        if sample_weight is None:
            sample_weight = ops.ones((), dtype=self.dtype)
        else:
            sample_weight = ops.convert_to_tensor(sample_weight)
            if "float" in str(sample_weight.dtype) and "int" in self.dtype:
                warnings.warn(
                    f"{type(self).__name__}: float sample weights are cast to the metric's dtype "
                    f"{self.dtype}; pass integer weights or a float dtype.", stacklevel=2)
            sample_weight = ops.cast(sample_weight, self.dtype)
            if len(sample_weight.shape) > 1:
                sample_weight = ops.reshape(sample_weight, (-1,))
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(y_true))
        n = self.num_classes
        in_bounds = ops.logical_and(
            ops.logical_and(y_true >= 0, y_true < n), ops.logical_and(y_pred >= 0, y_pred < n))
        if self.ignore_class is not None:
            in_bounds = ops.logical_and(in_bounds, ops.not_equal(y_true, self.ignore_class))
        zero = ops.zeros((), dtype=self.dtype)
        y_true = ops.where(in_bounds, y_true, zero)
        y_pred = ops.where(in_bounds, y_pred, zero)
        sample_weight = ops.where(in_bounds, sample_weight, zero)
        current = confusion_matrix(y_true, y_pred, n, weights=sample_weight, dtype=self.dtype)
        return self.total_cm.assign_add(current)

    def reset_state(self):
        self.total_cm.assign(ops.zeros(self.total_cm.shape, dtype=self.total_cm._dtype))


@builtin("keras.metrics")
class IoU(_IoUBase):
    """IoU ``TP / (TP + FP + FN)`` averaged over ``target_class_ids`` (classes that never occur
    in labels or predictions are left out of the average).

    Args:
        num_classes: number of classes.
        target_class_ids: the classes to average over.
        ignore_class: a label to leave out of the counts.
        sparse_y_true, sparse_y_pred: whether labels/predictions are class ids (else the
            argmax over ``axis`` is taken).

    Example:
        >>> m = lamina.metrics.IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1]); float(m.result())
        0.33333334
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, num_classes=num_classes, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis, dtype=dtype)
        target_class_ids = list(target_class_ids)
        if max(target_class_ids) >= num_classes:
            raise ValueError(
                f"{type(self).__name__}: target class id {max(target_class_ids)} is out of range [0, {num_classes})."
            )
        self.target_class_ids = target_class_ids

    def result(self):
        cm = self.total_cm.value
        sum_over_row = ops.cast(ops.sum(cm, axis=0), self.dtype)
        sum_over_col = ops.cast(ops.sum(cm, axis=1), self.dtype)
        true_positives = ops.cast(ops.diag(cm), self.dtype)
        denominator = sum_over_row + sum_over_col - true_positives
        ids = ops.convert_to_tensor(self.target_class_ids, dtype="int32")
        true_positives = ops.cast(ops.take_along_axis(true_positives, ids, axis=-1), "float32")
        denominator = ops.cast(ops.take_along_axis(denominator, ids, axis=-1), "float32")
        valid = ops.greater(denominator, 1e-9)
        num_valid = ops.sum(ops.cast(valid, "float32"))
        iou = ops.where(valid, ops.divide(true_positives, denominator + config.epsilon()), 0.0)
        return ops.divide(ops.sum(iou), num_valid + config.epsilon())

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@builtin("keras.metrics")
class BinaryIoU(IoU):
    """IoU for binary labels, with predictions ``>= threshold`` counted as class 1.

    Example:
        >>> m = lamina.metrics.BinaryIoU(target_class_ids=[1], threshold=0.3)
        >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(ops.convert_to_tensor(y_true), self.dtype)
        y_pred = ops.cast(ops.cast(ops.convert_to_tensor(y_pred), "float32") >= self.threshold, self.dtype)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype}


@builtin("keras.metrics")
class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes.

    Example:
        >>> m = lamina.metrics.MeanIoU(num_classes=2)
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1]); float(m.result())
        0.33333334
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, num_classes=num_classes, target_class_ids=list(range(num_classes)), axis=axis,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@builtin("keras.metrics")
class OneHotIoU(IoU):
    """IoU for one-hot labels (and one-hot/probability predictions unless ``sparse_y_pred``)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids, "name": self.name,
                "dtype": self.dtype, "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


@builtin("keras.metrics")
class OneHotMeanIoU(MeanIoU):
    """MeanIoU for one-hot labels (and one-hot/probability predictions unless ``sparse_y_pred``)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, axis=axis, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}
