"""The built-in activation functions of ``lamina.activations`` (Keras 3's ``keras.activations``).

Each is a plain function of a tensor written with ``lamina.ops``, so it runs on
real tensors of any backend and on symbolic KerasTensors alike.

Example:
    >>> from lamina import activations
    >>> activations.relu([-2.0, 0.5, 3.0], max_value=1.0)   # [0.0, 0.5, 1.0]
"""

from __future__ import annotations

from lamina import ops
from lamina.saving.serialization import builtin

_MODULE = "keras.activations"


def _keep_logits(output, logits):
    """Remember the pre-activation on the output so crossentropy losses can use logits."""
    try:
        output._keras_logits = logits
    except AttributeError:  # numpy and jax arrays take no new attributes
        pass
    return output


@builtin(_MODULE)
def relu(x, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0):
    """Rectified linear unit, optionally leaky, capped and thresholded.

    Returns ``x`` where ``x > threshold`` (capped at ``max_value`` if given) and
    ``negative_slope * (x - threshold)`` below the threshold.

    Example:
        >>> relu([-10.0, -5.0, 0.0, 5.0, 10.0], negative_slope=0.5)   # [-5, -2.5, 0, 5, 10]
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    x = ops.convert_to_tensor(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return ops.leaky_relu(x, negative_slope=negative_slope)
    dtype = ops.dtype(x)
    below = None
    if negative_slope != 0.0:
        # How far each value lies under the threshold (0 above it).
        below = ops.relu(ops.subtract(threshold, x)) if threshold != 0.0 else ops.relu(ops.negative(x))
    clip_top = max_value is not None
    if threshold != 0.0:
        x = ops.where(ops.greater(x, ops.cast(threshold, dtype)), x, 0)
    elif max_value == 6:
        x = ops.relu6(x)
        clip_top = False
    else:
        x = ops.relu(x)
    if clip_top:
        x = ops.clip(x, ops.cast(0.0, dtype), ops.cast(max_value, dtype))
    if below is not None:
        x = ops.subtract(x, ops.multiply(negative_slope, below))
    return x


@builtin(_MODULE)
def leaky_relu(x, negative_slope: float = 0.2):
    """Leaky ReLU: ``x`` for ``x >= 0``, ``negative_slope * x`` below."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


@builtin(_MODULE)
def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``."""
    return ops.relu6(x)


@builtin(_MODULE)
def softmax(x, axis: int = -1):
    """Softmax along ``axis``: ``exp(x) / sum(exp(x))``, a probability distribution.

    Example:
        >>> softmax([[1.0, 1.0]])   # [[0.5, 0.5]]
    """
    return _keep_logits(ops.softmax(x, axis=axis), x)


@builtin(_MODULE)
def elu(x, alpha: float = 1.0):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    return ops.elu(x, alpha=alpha)


@builtin(_MODULE)
def selu(x):
    """Scaled ELU with the self-normalizing constants (alpha≈1.6733, scale≈1.0507)."""
    return ops.selu(x)


@builtin(_MODULE)
def softplus(x):
    """Softplus: ``log(exp(x) + 1)``."""
    return ops.softplus(x)


@builtin(_MODULE)
def softsign(x):
    """Softsign: ``x / (abs(x) + 1)``."""
    return ops.softsign(x)


@builtin(_MODULE)
def soft_shrink(x, threshold: float = 0.5):
    """Soft shrinkage: moves ``x`` towards 0 by ``threshold``, and zeroes ``|x| <= threshold``."""
    return ops.soft_shrink(x, threshold=threshold)


@builtin(_MODULE)
def sparse_plus(x):
    """SparsePlus: 0 for ``x <= -1``, ``(x + 1)**2 / 4`` on (-1, 1), ``x`` for ``x >= 1``."""
    return ops.sparse_plus(x)


@builtin(_MODULE)
def silu(x):
    """SiLU, also called swish: ``x * sigmoid(x)``."""
    return ops.silu(x)


swish = silu
builtin(_MODULE, name="swish")(silu)


@builtin(_MODULE)
def squareplus(x, b: float = 4):
    """Squareplus: ``(x + sqrt(x**2 + b)) / 2``, a smooth ReLU whose smoothness is set by ``b``."""
    return ops.squareplus(x, b=b)


@builtin(_MODULE)
def gelu(x, approximate: bool = False):
    """Gaussian error linear unit ``x * Phi(x)``; exact (erf) unless ``approximate=True`` (tanh form)."""
    return ops.gelu(x, approximate=approximate)


@builtin(_MODULE)
def celu(x, alpha: float = 1.0):
    """Continuously differentiable ELU: ``x`` for ``x >= 0``, ``alpha * (exp(x / alpha) - 1)`` below."""
    return ops.celu(x, alpha=alpha)


@builtin(_MODULE)
def glu(x, axis: int = -1):
    """Gated linear unit: splits ``x`` in halves ``a, b`` along ``axis`` and returns ``a * sigmoid(b)``."""
    return ops.glu(x, axis=axis)


@builtin(_MODULE)
def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(x)


@builtin(_MODULE)
def tanh_shrink(x):
    """Tanh shrink: ``x - tanh(x)``."""
    return ops.tanh_shrink(x)


@builtin(_MODULE)
def hard_tanh(x):
    """Hard tanh: ``x`` clipped to [-1, 1]."""
    return ops.hard_tanh(x)


@builtin(_MODULE)
def hard_shrink(x, threshold: float = 0.5):
    """Hard shrinkage: ``x`` where ``|x| > threshold``, 0 elsewhere."""
    return ops.hard_shrink(x, threshold=threshold)


@builtin(_MODULE)
def threshold(x, threshold: float, default_value: float):
    """``x`` where ``x > threshold``, ``default_value`` elsewhere."""
    return ops.threshold(x, threshold, default_value)


@builtin(_MODULE)
def sigmoid(x):
    """Logistic sigmoid: ``1 / (1 + exp(-x))``."""
    return _keep_logits(ops.sigmoid(x), x)


@builtin(_MODULE)
def exponential(x):
    """Exponential: ``exp(x)``."""
    return ops.exp(x)


@builtin(_MODULE)
def hard_sigmoid(x):
    """Piecewise-linear sigmoid: 0 below -3, 1 above 3, ``x / 6 + 0.5`` between."""
    return ops.hard_sigmoid(x)


@builtin(_MODULE)
def log_sigmoid(x):
    """Logarithm of the sigmoid, computed stably: ``-softplus(-x)``."""
    return ops.log_sigmoid(x)


@builtin(_MODULE)
def sparse_sigmoid(x):
    """Sparse sigmoid: 0 for ``x <= -1``, ``(x + 1) / 2`` on (-1, 1), 1 for ``x >= 1``."""
    return ops.sparse_sigmoid(x)


@builtin(_MODULE)
def hard_silu(x):
    """Hard SiLU (hard swish): ``x * relu6(x + 3) / 6``."""
    return ops.hard_silu(ops.convert_to_tensor(x))


hard_swish = hard_silu
builtin(_MODULE, name="hard_swish")(hard_silu)


@builtin(_MODULE)
def linear(x):
    """Identity: returns ``x`` unchanged."""
    return x


@builtin(_MODULE)
def mish(x):
    """Mish: ``x * tanh(softplus(x))``."""
    x = ops.convert_to_tensor(x)
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


@builtin(_MODULE)
def log_softmax(x, axis: int = -1):
    """Logarithm of the softmax along ``axis``, computed stably."""
    return ops.log_softmax(x, axis=axis)


@builtin(_MODULE)
def sparsemax(x, axis: int = -1):
    """Sparsemax along ``axis``: the Euclidean projection of ``x`` onto the probability simplex."""
    return ops.sparsemax(ops.convert_to_tensor(x), axis)
