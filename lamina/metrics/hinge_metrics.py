"""Hinge metrics for maximum-margin classifiers."""

from __future__ import annotations

from lamina.metrics._loss_functions import pick
from lamina.metrics.reduction_metrics import MeanMetricWrapper
from lamina.saving.serialization import builtin

hinge = pick("hinge")
squared_hinge = pick("squared_hinge")
categorical_hinge = pick("categorical_hinge")


class _HingeBase(MeanMetricWrapper):
    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin("keras.metrics")
class Hinge(_HingeBase):
    """The mean of ``maximum(1 - y_true * y_pred, 0)``; labels in {0, 1} are mapped to {-1, 1}.

    Example:
        >>> m = lamina.metrics.Hinge(); m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
        >>> float(m.result())
        1.3
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(fn=hinge, name=name, dtype=dtype)
        self._direction = "down"


@builtin("keras.metrics")
class SquaredHinge(_HingeBase):
    """The mean of ``square(maximum(1 - y_true * y_pred, 0))``; labels in {0, 1} become {-1, 1}."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(fn=squared_hinge, name=name, dtype=dtype)
        self._direction = "down"


@builtin("keras.metrics")
class CategoricalHinge(_HingeBase):
    """The mean of ``maximum(neg - pos + 1, 0)`` for one-hot labels (pos: score of the true
    class, neg: best score of another class)."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(fn=categorical_hinge, name=name, dtype=dtype)
        self._direction = "down"
