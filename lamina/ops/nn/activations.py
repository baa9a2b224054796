"""Activation functions: relu, gelu, softmax, log_softmax, silu, ... (part of ``lamina.ops.nn``).

Every activation keeps the input's shape. Float inputs keep their dtype; int
and bool inputs become floatx, except for ``relu``, ``hard_tanh`` and
``threshold``, which keep integer dtypes.

Example:
    >>> from lamina import ops
    >>> ops.relu([-1.0, 0.5])
    array([0. , 0.5], dtype=float32)
"""

from __future__ import annotations

import warnings

from lamina.backend import impl as B
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec


def _axes_float_spec(op_name):
    """Spec for ops over ``axis`` (int, tuple or None) that keep the shape and return floats."""

    def spec(x, axis=-1):
        shape = _spec.shape_of(x)
        if axis is not None:
            try:
                _spec.canonical_axes(axis, len(shape))
            except ValueError as e:
                raise ValueError(f"{op_name}: {e} Received: x.shape={shape}, axis={axis}.") from None
        return KerasTensor(shape, dtype=_spec.unary_float_keep_spec(x).dtype)

    return spec


def _glu_spec(x, axis=-1):
    shape = list(_spec.shape_of(x))
    (ax,) = _spec.canonical_axes(axis, len(shape))
    if shape[ax] is not None:
        if shape[ax] % 2:
            raise ValueError(
                f"glu: the size of axis {axis} must be divisible by 2. Received: x.shape={tuple(shape)}."
            )
        shape[ax] //= 2
    return KerasTensor(tuple(shape), dtype=_spec.unary_float_keep_spec(x).dtype)


def _sparsemax_spec(x, axis=-1):
    shape = _spec.shape_of(x)
    if not isinstance(axis, int):
        raise ValueError(f"sparsemax: `axis` must be an int. Received: axis={axis!r}.")
    _spec.canonical_axes(axis, len(shape))
    return KerasTensor(shape, dtype=_spec.unary_float_keep_spec(x).dtype)


@symbolic_op(_spec.same_dtype_spec)
def relu(x):
    """Rectified linear unit: ``max(x, 0)``.

    Example:
        >>> ops.relu([-1.0, 0.0, 2.0])   # [0., 0., 2.]
    """
    return B.nn.relu(x)


@symbolic_op(_spec.unary_float_keep_spec)
def relu6(x):
    """Rectified linear unit capped at 6: ``min(max(x, 0), 6)``."""
    return B.nn.relu6(x)


@symbolic_op(_spec.unary_float_keep_spec)
def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``."""
    return B.nn.sigmoid(x)


@symbolic_op(_spec.unary_float_keep_spec)
def sparse_sigmoid(x):
    """Piecewise-linear sigmoid: 0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` between."""
    return B.nn.sparse_sigmoid(x)


@symbolic_op(_spec.unary_float_keep_spec)
def softplus(x):
    """Softplus ``log(1 + exp(x))``, computed without overflow."""
    return B.nn.softplus(x)


@symbolic_op(_spec.unary_float_keep_spec)
def softsign(x):
    """Softsign ``x / (1 + |x|)``."""
    return B.nn.softsign(x)


@symbolic_op(_spec.unary_float_keep_spec)
def soft_shrink(x, threshold=0.5):
    """Soft shrinkage: ``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    return B.nn.soft_shrink(x, threshold)


@symbolic_op(_spec.unary_float_keep_spec)
def sparse_plus(x):
    """SparsePlus: 0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, ``x`` for ``x >= 1``."""
    return B.nn.sparse_plus(x)


@symbolic_op(_spec.unary_float_keep_spec)
def silu(x):
    """Sigmoid linear unit (swish): ``x * sigmoid(x)``."""
    return B.nn.silu(x)


swish = silu


@symbolic_op(_spec.unary_float_keep_spec)
def squareplus(x, b=4):
    """Squareplus ``(x + sqrt(x**2 + b)) / 2``, a smooth relu."""
    return B.nn.squareplus(x, b)


@symbolic_op(_spec.unary_float_keep_spec)
def log_sigmoid(x):
    """``log(sigmoid(x))``, computed as ``-softplus(-x)``."""
    return B.nn.log_sigmoid(x)


@symbolic_op(_spec.unary_float_keep_spec)
def leaky_relu(x, negative_slope=0.2):
    """Leaky relu: ``x`` for ``x >= 0``, ``negative_slope * x`` otherwise."""
    return B.nn.leaky_relu(x, negative_slope)


@symbolic_op(_spec.unary_float_keep_spec)
def hard_sigmoid(x):
    """Hard sigmoid ``relu6(x + 3) / 6``."""
    return B.nn.hard_sigmoid(x)


@symbolic_op(_spec.unary_float_keep_spec)
def hard_silu(x):
    """Hard SiLU (hard swish): ``x * relu6(x + 3) / 6``."""
    return B.nn.hard_silu(x)


hard_swish = hard_silu


@symbolic_op(_spec.unary_float_keep_spec)
def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` for ``x >= 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    return B.nn.elu(x, alpha)


@symbolic_op(_spec.unary_float_keep_spec)
def selu(x):
    """Scaled ELU with the self-normalizing constants (alpha ~1.6733, scale ~1.0507)."""
    return B.nn.selu(x)


@symbolic_op(_spec.unary_float_keep_spec)
def gelu(x, approximate=True):
    """Gaussian error linear unit; ``approximate=True`` (the default) uses the tanh formula.

    Example:
        >>> ops.gelu([1.0])                      # 0.8412 (tanh approximation)
        >>> ops.gelu([1.0], approximate=False)   # 0.8413 (exact, with erf)
    """
    return B.nn.gelu(x, approximate)


@symbolic_op(_spec.unary_float_keep_spec)
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``."""
    return B.nn.celu(x, alpha)


@symbolic_op(_glu_spec)
def glu(x, axis=-1):
    """Gated linear unit: split ``x`` in two halves ``a, b`` along ``axis`` and return ``a * sigmoid(b)``."""
    return B.nn.glu(x, axis)


@symbolic_op(_spec.unary_float_keep_spec)
def tanh_shrink(x):
    """Tanh shrink ``x - tanh(x)``."""
    return B.nn.tanh_shrink(x)


@symbolic_op(_spec.same_dtype_spec)
def hard_tanh(x):
    """Hard tanh: ``x`` clipped to ``[-1, 1]``."""
    return B.nn.hard_tanh(x)


@symbolic_op(_spec.unary_float_keep_spec)
def hard_shrink(x, threshold=0.5):
    """Hard shrinkage: ``x`` where ``|x| > threshold``, else 0."""
    return B.nn.hard_shrink(x, threshold)


@symbolic_op(_spec.same_dtype_spec)
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``.

    Example:
        >>> ops.threshold([-1.0, 2.0], 0.0, 5.0)   # [5., 2.]
    """
    return B.nn.threshold(x, threshold, default_value)


def _warn_size_one_axis(x, axis):
    shape = getattr(x, "shape", None)
    if shape is not None and isinstance(axis, int) and -len(shape) <= axis < len(shape) and shape[axis] == 1:
        warnings.warn(
            f"softmax over axis {axis} of a tensor of shape {tuple(shape)}: this axis has size 1, so "
            "the result is always 1. Did you mean to use a sigmoid instead?",
            stacklevel=3,
        )


@symbolic_op(_axes_float_spec("softmax"))
def softmax(x, axis=-1):
    """Softmax over ``axis`` (an int, a tuple of ints, or None for all axes).

    Example:
        >>> ops.softmax([[1.0, 2.0, 3.0]])   # [[0.090, 0.245, 0.665]]
    """
    _warn_size_one_axis(x, axis)
    return B.nn.softmax(x, axis=axis)


@symbolic_op(_axes_float_spec("log_softmax"))
def log_softmax(x, axis=-1):
    """Log of the softmax over ``axis`` (an int, a tuple of ints, or None), computed stably."""
    return B.nn.log_softmax(x, axis=axis)


@symbolic_op(_sparsemax_spec)
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of ``x`` onto the probability simplex along ``axis``.

    Like softmax its outputs along ``axis`` sum to 1, but many are exactly 0.
    (Keras 3.15.1 computes a wrong threshold when more than one entry is
    non-zero, keras-team/keras#23425; lamina follows the paper's algorithm.)

    Example:
        >>> ops.sparsemax([0.0, 0.5, 1.0])   # [0., 0.25, 0.75]
    """
    return B.nn.sparsemax(x, axis=axis)
