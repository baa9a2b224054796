"""Weight penalties: Regularizer, L1, L2, L1L2, OrthogonalRegularizer."""

from __future__ import annotations

import math

from lamina import config as _config
from lamina import ops
from lamina.saving.serialization import builtin

_MODULE = "keras.regularizers"


def _penalty_factor(value, name: str, owner: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) \
            or math.isinf(value) or value < 0:
        raise ValueError(f"{owner}: `{name}` must be a non-negative finite float; received {name}={value!r}.")
    return float(value)


def _as_tensor(x):
    """Regularizers take tensors and Variables as they are; other array-likes are converted."""
    return x if hasattr(x, "dtype") and hasattr(x, "shape") else ops.convert_to_tensor(x)


@builtin(_MODULE)
class Regularizer:
    """Base class of weight and activity penalties: ``__call__(x)`` returns a scalar added to the loss.

    Any function ``x -> scalar`` also works as a regularizer; subclass this to get
    (de)serialization through ``get_config``.

    Example:
        >>> class L2Sum(Regularizer):
        ...     def __init__(self, l2=0.01):
        ...         self.l2 = l2
        ...     def __call__(self, x):
        ...         return self.l2 * lamina.ops.sum(lamina.ops.square(x))
        ...     def get_config(self):
        ...         return {"l2": self.l2}
    """

    def __call__(self, x):
        """The penalty for ``x`` (0 for the base class)."""
        return 0.0

    @classmethod
    def from_config(cls, config: dict):
        """Create a regularizer from the output of :meth:`get_config`."""
        return cls(**config)

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-ready dict."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")


@builtin(_MODULE)
class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``; both factors default to 0.

    Example:
        >>> L1L2(l1=0.01, l2=0.01)(lamina.ops.ones((2, 2)))   # 0.08
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _penalty_factor(0.0 if l1 is None else l1, "l1", "L1L2")
        self.l2 = _penalty_factor(0.0 if l2 is None else l2, "l2", "L1L2")

    def __call__(self, x):
        x = _as_tensor(x)
        dtype = ops.dtype(x)
        penalty = ops.convert_to_tensor(0.0, dtype=dtype)
        if self.l1:
            penalty = ops.add(penalty, ops.multiply(ops.cast(self.l1, dtype), ops.sum(ops.absolute(x))))
        if self.l2:
            penalty = ops.add(penalty, ops.multiply(ops.cast(self.l2, dtype), ops.sum(ops.square(x))))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


@builtin(_MODULE)
class L1(Regularizer):
    """``l1 * sum(|x|)``.

    Example:
        >>> L1(0.5)(lamina.ops.ones((2, 2)))   # 2.0
    """

    def __init__(self, l1: float = 0.01):
        l1 = _penalty_factor(0.01 if l1 is None else l1, "l1", "L1")
        # Held as a floatx tensor, as Keras does (so the config holds its float32 value).
        self.l1 = ops.convert_to_tensor(l1, dtype=_config.floatx())

    def __call__(self, x):
        x = _as_tensor(x)
        return ops.multiply(ops.cast(self.l1, ops.dtype(x)), ops.sum(ops.absolute(x)))

    def get_config(self) -> dict:
        return {"l1": float(self.l1)}


@builtin(_MODULE)
class L2(Regularizer):
    """``l2 * sum(x**2)``.

    Example:
        >>> L2(2.0)(lamina.ops.ones((5, 5)))   # 50.0
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = _penalty_factor(0.01 if l2 is None else l2, "l2", "L2")

    def __call__(self, x):
        x = _as_tensor(x)
        return ops.multiply(ops.cast(self.l2, ops.dtype(x)), ops.sum(ops.square(x)))

    def get_config(self) -> dict:
        return {"l2": self.l2}


@builtin(_MODULE)
class OrthogonalRegularizer(Regularizer):
    """Penalizes non-orthogonal rows (or columns) of a 2D weight.

    The penalty is ``factor`` times the mean absolute cosine similarity over
    distinct pairs of rows (``mode="rows"``) or columns (``mode="columns"``).

    Example:
        >>> OrthogonalRegularizer(factor=0.01)(lamina.ops.eye(3))   # 0.0
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        factor = _penalty_factor(factor, "factor", "OrthogonalRegularizer")
        self.factor = ops.convert_to_tensor(factor, dtype=_config.floatx())
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: `mode` must be 'rows' or 'columns'; received mode={mode!r}.")
        self.mode = mode

    def __call__(self, inputs):
        inputs = _as_tensor(inputs)
        shape = tuple(ops.shape(inputs))
        if len(shape) != 2:
            raise ValueError(f"OrthogonalRegularizer: expected a rank-2 input; received shape={shape}.")
        if self.mode == "rows":
            unit = ops.normalize(inputs, axis=1)
            gram = ops.matmul(unit, ops.transpose(unit))
            size = shape[0]
        else:
            unit = ops.normalize(inputs, axis=0)
            gram = ops.matmul(ops.transpose(unit), unit)
            size = shape[1]
        off_diagonal = ops.multiply(gram, ops.subtract(1.0, ops.eye(size, dtype=ops.dtype(unit))))
        pairs = size * (size - 1.0) / 2.0
        total = ops.sum(ops.absolute(off_diagonal))
        return ops.divide(ops.multiply(ops.multiply(self.factor, 0.5), total), pairs)

    def get_config(self) -> dict:
        return {"factor": float(self.factor), "mode": self.mode}
