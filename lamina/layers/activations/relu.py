"""ReLU, LeakyReLU, ELU: parameterised activation layers."""

from __future__ import annotations

import warnings

from lamina import activations
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


def _check_non_negative(layer, arg: str, value, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(
            f"{type(layer).__name__}: `{arg}` must be a non-negative number"
            f"{' or None' if allow_none else ''}. Received: {arg}={value!r}"
        )


@builtin("keras.layers")
class ReLU(Layer):
    """Rectified linear unit with optional cap, threshold and leak.

    ``f(x) = max_value`` for ``x >= max_value``, ``x`` for ``threshold <= x < max_value``,
    and ``negative_slope * (x - threshold)`` otherwise.

    Example:
        >>> lamina.layers.ReLU(max_value=6.0)(np.array([-1.0, 3.0, 9.0]))   # [0., 3., 6.]
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs):
        super().__init__(**kwargs)
        _check_non_negative(self, "max_value", max_value, allow_none=True)
        _check_non_negative(self, "negative_slope", negative_slope)
        _check_non_negative(self, "threshold", threshold)
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


@builtin("keras.layers")
class LeakyReLU(Layer):
    """``x`` for ``x >= 0``, ``negative_slope * x`` otherwise (``alpha=`` is accepted as Keras 2's name).

    Example:
        >>> lamina.layers.LeakyReLU(negative_slope=0.1)(np.array([-2.0, 3.0]))   # [-0.2, 3.]
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: argument `alpha` is deprecated. Use `negative_slope` instead.", stacklevel=2)
        super().__init__(**kwargs)
        _check_non_negative(self, "negative_slope", negative_slope)
        self.negative_slope = negative_slope
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


@builtin("keras.layers")
class ELU(Layer):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Example:
        >>> lamina.layers.ELU(alpha=1.0)(np.array([-1.0, 2.0]))   # [-0.632, 2.]
    """

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
