"""VarianceScaling and its named presets (Glorot, He, Lecun), with Keras 3's fan-in/fan-out rule."""

from __future__ import annotations

import math

from lamina import random as _random
from lamina.initializers.random_initializers import RandomInitializer
from lamina.saving.serialization import builtin, serialize_keras_object

_MODULE = "keras.initializers"
_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")
# Standard deviation of a unit normal truncated to [-2, 2]; dividing by it makes the
# truncated samples' stddev the one asked for.
_TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shape.

    Rank 0: (1, 1). Rank 1: (n, n). Rank 2 ``(in, out)``: (in, out). Higher
    ranks are conv kernels ``(*window, in, out)``: both fans are multiplied by
    the window size. ``input_axes``/``output_axes``, when both are given,
    choose the axes whose sizes multiply into each fan.

    Example:
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = tuple(int(d) for d in shape)
    if input_axes is not None and output_axes is not None:
        fan_in = math.prod(shape[a] for a in input_axes)
        fan_out = math.prod(shape[a] for a in output_axes)
        return int(fan_in), int(fan_out)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    window = math.prod(shape[:-2])
    return shape[-2] * window, shape[-1] * window


@builtin(_MODULE)
class VarianceScaling(RandomInitializer):
    """Samples with a variance of ``scale / n``, where ``n`` is fan-in, fan-out or their mean (``mode``).

    ``distribution`` is ``"truncated_normal"`` (stddev ``sqrt(scale / n)``
    after truncation at 2 stddev; ``"normal"`` is accepted for it),
    ``"untruncated_normal"``, or ``"uniform"`` (within
    ``±sqrt(3 * scale / n)``).

    Example:
        >>> VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform", seed=1)((64, 32))
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed=None, input_axes=None, output_axes=None):
        if not scale > 0.0:
            raise ValueError(f"{type(self).__name__}: `scale` must be a positive float; received scale={scale!r}.")
        if mode not in _MODES:
            raise ValueError(f"{type(self).__name__}: `mode` must be one of {list(_MODES)}; received mode={mode!r}.")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in _DISTRIBUTIONS:
            raise ValueError(
                f"{type(self).__name__}: `distribution` must be one of {list(_DISTRIBUTIONS)}; "
                f"received distribution={distribution!r}."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / _TRUNCATED_STDDEV
            return _random.truncated_normal(shape, mean=0.0, stddev=stddev, dtype=dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return _random.normal(shape, mean=0.0, stddev=math.sqrt(variance), dtype=dtype, seed=self.seed)
        limit = math.sqrt(3.0 * variance)
        return _random.uniform(shape, minval=-limit, maxval=limit, dtype=dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed scale, mode and distribution; only the seed and axes are arguments."""

    _scale = 1.0
    _mode = "fan_in"
    _distribution = "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(scale=self._scale, mode=self._mode, distribution=self._distribution,
                         seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self) -> dict:
        return {
            "seed": serialize_keras_object(self._init_seed),
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


@builtin(_MODULE)
class GlorotUniform(_Preset):
    """Glorot (Xavier) uniform: uniform within ``±sqrt(6 / (fan_in + fan_out))``.

    Example:
        >>> GlorotUniform(seed=1)((64, 32))
    """

    _mode, _distribution = "fan_avg", "uniform"


@builtin(_MODULE)
class GlorotNormal(_Preset):
    """Glorot (Xavier) normal: truncated normal with stddev ``sqrt(2 / (fan_in + fan_out))``."""

    _mode, _distribution = "fan_avg", "truncated_normal"


@builtin(_MODULE)
class HeNormal(_Preset):
    """He normal: truncated normal with stddev ``sqrt(2 / fan_in)``."""

    _scale, _mode, _distribution = 2.0, "fan_in", "truncated_normal"


@builtin(_MODULE)
class HeUniform(_Preset):
    """He uniform: uniform within ``±sqrt(6 / fan_in)``."""

    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


@builtin(_MODULE)
class LecunNormal(_Preset):
    """LeCun normal: truncated normal with stddev ``sqrt(1 / fan_in)``."""

    _mode, _distribution = "fan_in", "truncated_normal"


@builtin(_MODULE)
class LecunUniform(_Preset):
    """LeCun uniform: uniform within ``±sqrt(3 / fan_in)``."""

    _mode, _distribution = "fan_in", "uniform"
