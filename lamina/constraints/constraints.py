"""Weight constraints (projections applied after each optimizer step): MaxNorm, MinMaxNorm, NonNeg, UnitNorm."""

from __future__ import annotations

from lamina import config as _config
from lamina import ops
from lamina.saving.serialization import builtin

_MODULE = "keras.constraints"


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


def _rescale(w, norms, desired):
    """``w`` scaled so that its norms along the constrained axes become ``desired``."""
    return ops.multiply(ops.cast(w, ops.dtype(norms)), ops.divide(desired, ops.add(_config.epsilon(), norms)))


@builtin(_MODULE)
class Constraint:
    """Base class of weight constraints: ``__call__(w)`` returns the projected weight.

    Example:
        >>> class NonNegative(Constraint):
        ...     def __call__(self, w):
        ...         return lamina.ops.maximum(w, 0.0)
    """

    def __call__(self, w):
        """The projected weight (the base class returns ``w`` unchanged)."""
        return w

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-ready dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Create a constraint from the output of :meth:`get_config`."""
        return cls(**config)


@builtin(_MODULE)
class MaxNorm(Constraint):
    """Rescales each slice along ``axis`` whose L2 norm exceeds ``max_value`` down to that norm.

    ``axis`` is the axis (or axes) the norm is taken over: 0 for a Dense kernel
    ``(in, out)`` (one norm per unit), ``[0, 1, 2]`` for a Conv2D kernel.

    Example:
        >>> MaxNorm(max_value=1.0)(lamina.ops.ones((4, 2)))   # every column has norm 1
    """

    def __init__(self, max_value: float = 2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        return _rescale(w, norms, ops.clip(norms, 0, self.max_value))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


@builtin(_MODULE)
class NonNeg(Constraint):
    """Replaces negative weights by 0."""

    def __call__(self, w):
        return ops.maximum(ops.convert_to_tensor(w), 0)


@builtin(_MODULE)
class UnitNorm(Constraint):
    """Rescales each slice along ``axis`` to unit L2 norm.

    Example:
        >>> UnitNorm(axis=0)(lamina.ops.ones((4, 2)))   # every column has norm 1
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        return ops.divide(ops.cast(w, ops.dtype(norms)), ops.add(_config.epsilon(), norms))

    def get_config(self) -> dict:
        return {"axis": self.axis}


@builtin(_MODULE)
class MinMaxNorm(Constraint):
    """Moves each slice's L2 norm (along ``axis``) into ``[min_value, max_value]``.

    The new norm is ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``:
    ``rate=1`` enforces the bounds at once, smaller rates move towards them.

    Example:
        >>> MinMaxNorm(min_value=1.0, max_value=2.0)(lamina.ops.ones((9, 2)))   # column norms 3 -> 2
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = ops.add(ops.multiply(self.rate, ops.clip(norms, self.min_value, self.max_value)),
                          ops.multiply(1 - self.rate, norms))
        return _rescale(w, norms, desired)

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}
