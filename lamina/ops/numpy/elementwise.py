"""Element-wise math, comparison, logic and bitwise ops (part of ``lamina.ops.numpy``)."""

from __future__ import annotations

from lamina.backend import impl as B
from lamina.core.keras_tensor import KerasTensor  # noqa: F401
from lamina.core.operation import symbolic_op  # noqa: F401
from lamina.ops import _spec  # noqa: F401


@symbolic_op(_spec.binary_spec)
def add(x1, x2):
    """Add arguments element-wise, with broadcasting."""
    return B.numpy.add(x1, x2)


@symbolic_op(_spec.binary_spec)
def subtract(x1, x2):
    """Subtract ``x2`` from ``x1`` element-wise."""
    return B.numpy.subtract(x1, x2)


@symbolic_op(_spec.binary_spec)
def multiply(x1, x2):
    """Multiply arguments element-wise."""
    return B.numpy.multiply(x1, x2)
