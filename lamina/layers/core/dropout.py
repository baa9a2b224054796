"""Dropout: randomly zero inputs in training, scaling the rest by ``1 / (1 - rate)``."""

from __future__ import annotations

from lamina import random
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class Dropout(Layer):
    """Example:
        >>> lamina.layers.Dropout(0.5, seed=1)(np.ones((2, 4)), training=True)
    """

    def __init__(self, rate: float, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Dropout: `rate` must be in [0, 1], received rate={rate!r}.")
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return random.dropout(inputs, self.rate, noise_shape=self._noise_shape(inputs), seed=self.seed_generator)
        return inputs

    def _noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        shape = tuple(inputs.shape)
        return tuple(shape[i] if d is None else d for i, d in enumerate(self.noise_shape))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config
