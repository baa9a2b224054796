"""Random initializers drawing from a fixed distribution: RandomNormal, RandomUniform, TruncatedNormal.

Seeds follow Keras 3: an integer seed (or no seed, which picks a random
integer once, at construction) gives the same values on every call; a
``lamina.random.SeedGenerator`` advances, so successive calls differ and the
sequence is reproducible.
"""

from __future__ import annotations

from lamina import random as _random
from lamina.random.seed_generator import make_default_seed
from lamina.initializers.initializer import Initializer
from lamina.saving.serialization import builtin, deserialize_keras_object, serialize_keras_object

_MODULE = "keras.initializers"


class RandomInitializer(Initializer):
    """Base of the random initializers: holds ``seed`` (an int or a SeedGenerator) and serializes it."""

    def __init__(self, seed=None):
        self._init_seed = seed
        if seed is None:
            seed = make_default_seed()
        elif isinstance(seed, dict):
            seed = deserialize_keras_object(seed)
        elif not isinstance(seed, (int, _random.SeedGenerator)):
            raise ValueError(
                f"{type(self).__name__}: `seed` must be an integer or a lamina.random.SeedGenerator; "
                f"received seed={seed!r} of type {type(seed).__name__}."
            )
        self.seed = seed

    def get_config(self) -> dict:
        return {"seed": serialize_keras_object(self._init_seed)}


@builtin(_MODULE)
class RandomNormal(RandomInitializer):
    """Samples from a normal distribution N(mean, stddev²).

    Example:
        >>> RandomNormal(mean=0.0, stddev=1.0, seed=1)((2, 2))
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _random.normal(shape, mean=self.mean, stddev=self.stddev, dtype=dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@builtin(_MODULE)
class TruncatedNormal(RandomInitializer):
    """Samples from a normal distribution N(mean, stddev²), redrawing values more than 2 stddev from the mean.

    Example:
        >>> TruncatedNormal(stddev=1.0, seed=1)((2, 2))
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _random.truncated_normal(shape, mean=self.mean, stddev=self.stddev, dtype=dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@builtin(_MODULE)
class RandomUniform(RandomInitializer):
    """Samples uniformly from ``[minval, maxval)``.

    Example:
        >>> RandomUniform(-1.0, 1.0, seed=1)((2, 2))
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _random.uniform(shape, minval=self.minval, maxval=self.maxval, dtype=dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}
