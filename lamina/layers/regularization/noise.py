"""Noise layers, active only in training: GaussianNoise, GaussianDropout, AlphaDropout."""

from __future__ import annotations

import math

from lamina import ops, random
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin

# SELU's constants: the fixed point AlphaDropout preserves.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_unit_interval(layer_cls: str, arg: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{layer_cls}: `{arg}` must be a float between 0 and 1. Received: {arg}={value!r}")


@builtin("keras.layers")
class GaussianNoise(Layer):
    """Add zero-centred Gaussian noise of standard deviation ``stddev`` in training; identity at inference.

    Example:
        >>> lamina.layers.GaussianNoise(0.1, seed=1)(np.zeros((2, 3)), training=True)
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        _check_unit_interval("GaussianNoise", "stddev", stddev)
        self.stddev = stddev
        self.seed = seed
        if stddev > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            noise = random.normal(ops.shape(inputs), mean=0.0, stddev=self.stddev, dtype=self.compute_dtype,
                                  seed=self.seed_generator)
            return ops.add(inputs, noise)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


@builtin("keras.layers")
class GaussianDropout(Layer):
    """Multiply by Gaussian noise of mean 1 and stddev ``sqrt(rate / (1 - rate))`` in training.

    Example:
        >>> lamina.layers.GaussianDropout(0.2, seed=1)(np.ones((2, 3)), training=True)
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        _check_unit_interval("GaussianDropout", "rate", rate)
        self.rate = rate
        self.seed = seed
        if rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            noise = random.normal(ops.shape(inputs), mean=1.0, stddev=stddev, dtype=self.compute_dtype,
                                  seed=self.seed_generator)
            return ops.multiply(inputs, noise)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


@builtin("keras.layers")
class AlphaDropout(Layer):
    """Dropout for SELU networks: dropped entries are set to SELU's negative saturation value and the
    result is affinely rescaled so the mean and variance of the inputs are kept (training only).

    Example:
        >>> lamina.layers.AlphaDropout(0.1, seed=1)(np.ones((2, 3)), training=True)
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        _check_unit_interval("AlphaDropout", "rate", rate)
        self.rate = rate
        self.seed = seed
        self.noise_shape = noise_shape
        if rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def _concrete_noise_shape(self, inputs):
        shape = tuple(ops.shape(inputs))
        if self.noise_shape is None:
            return shape
        if len(self.noise_shape) != len(shape):
            raise ValueError(
                f'AlphaDropout layer "{self.name}": `noise_shape` {tuple(self.noise_shape)} must have the rank of '
                f"the inputs, whose shape is {shape}."
            )
        return tuple(shape[i] if d is None else d for i, d in enumerate(self.noise_shape))

    def call(self, inputs, training=False):
        if not (training and self.rate > 0):
            return inputs
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        keep = random.uniform(self._concrete_noise_shape(inputs), seed=self.seed_generator,
                              dtype=self.compute_dtype)
        keep = ops.cast(ops.greater_equal(keep, self.rate), inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = ops.add(ops.multiply(inputs, keep), ops.multiply(alpha_p, ops.subtract(1.0, keep)))
        return ops.add(ops.multiply(a, x), b)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config
