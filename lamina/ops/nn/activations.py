"""Activation functions: relu, gelu, softmax, log_softmax, silu, ... (part of ``lamina.ops.nn``)."""

from __future__ import annotations

from lamina.backend import impl as B
from lamina.core.keras_tensor import KerasTensor  # noqa: F401
from lamina.core.operation import symbolic_op  # noqa: F401
from lamina.ops import _spec  # noqa: F401


@symbolic_op(_spec.unary_spec)
def relu(x):
    """Rectified linear unit: ``max(x, 0)``."""
    return B.nn.relu(x)


@symbolic_op(_spec.unary_float_spec)
def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``."""
    return B.nn.sigmoid(x)


@symbolic_op(_spec.unary_float_spec)
def softmax(x, axis=-1):
    """Softmax over ``axis``."""
    return B.nn.softmax(x, axis=axis)
