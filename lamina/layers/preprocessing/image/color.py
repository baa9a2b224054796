"""Colour layers: RandomContrast, RandomBrightness, RandomGrayscale, RandomHue, RandomSaturation (random,
training only), AutoContrast (deterministic) and Solarization."""

from __future__ import annotations

from lamina import config, ops, random
from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer, check_value_range, range_factor
from lamina.saving.serialization import builtin


def _batch_size(images) -> int:
    return ops.shape(images)[0]


class _RandomColorLayer(BaseImagePreprocessingLayer):
    """Shared constructor pieces: ``value_range``, ``seed``."""

    def _init_random(self, value_range, seed, sort_range=True):
        if sort_range:
            value_range = check_value_range(type(self).__name__, value_range)
        elif not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            check_value_range(type(self).__name__, value_range)
        self.value_range = value_range
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config_


@builtin("keras.layers")
class RandomContrast(_RandomColorLayer):
    """Scale each image's deviation from its per-channel mean by a random factor in
    ``[1 - lower, 1 + upper]``, then clip to ``value_range`` (training only).

    Example:
        >>> lamina.layers.RandomContrast(0.2, seed=1)(images, training=True)
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed: int | None = None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self._init_random(value_range, seed, sort_range=False)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        return {"contrast_factor": random.uniform((_batch_size(images), 1, 1, 1), minval=1.0 - self.factor[0],
                                                  maxval=1.0 + self.factor[1], dtype=self.compute_dtype,
                                                  seed=self._seed(seed))}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        mean = ops.mean(images, axis=(self._h_axis, self._w_axis), keepdims=True)
        out = ops.add(ops.multiply(ops.subtract(images, mean), transformation["contrast_factor"]), mean)
        return ops.clip(out, self.value_range[0], self.value_range[1])


@builtin("keras.layers")
class RandomBrightness(_RandomColorLayer):
    """Add a random offset of ``factor * (value_range[1] - value_range[0])`` to each image, then clip
    to ``value_range`` (training only). ``factor`` is in [-1, 1]: ``f`` means ``[-f, f]``.

    Example:
        >>> lamina.layers.RandomBrightness(0.2, value_range=(0, 1), seed=1)(images, training=True)
    """

    def __init__(self, factor, value_range=(0, 255), seed: int | None = None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self._init_random(value_range, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        delta = random.uniform((_batch_size(images), 1, 1, 1), minval=self.factor[0], maxval=self.factor[1],
                               seed=self._seed(seed))
        return {"rgb_delta": ops.multiply(delta, float(self.value_range[1] - self.value_range[0]))}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        out = ops.add(images, ops.cast(transformation["rgb_delta"], ops.dtype(images)))
        return ops.clip(out, self.value_range[0], self.value_range[1])


@builtin("keras.layers")
class RandomGrayscale(BaseImagePreprocessingLayer):
    """Turn each image to grayscale (kept with its channel count) with probability ``factor`` (training only).

    Example:
        >>> lamina.layers.RandomGrayscale(1.0)(images, training=True)   # every image grayscale
    """

    _USE_BASE_FACTOR = False

    def __init__(self, factor: float = 0.5, data_format=None, seed: int | None = None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 <= factor <= 1:
            raise ValueError(f"RandomGrayscale: `factor` must be a number between 0 and 1. Received: factor={factor!r}")
        self.factor = factor
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        draws = random.uniform((_batch_size(images), 1, 1, 1), seed=self._seed(seed))
        return {"apply": ops.less(draws, self.factor)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        gray = ops.image.rgb_to_grayscale(images, data_format=self.data_format)
        return ops.where(transformation["apply"], gray, images)

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_["factor"] = self.factor
        return config_


def _to_unit(layer, images):
    return layer._value_range_to(layer._float(images), layer.value_range, (0, 1))


def _from_unit(layer, images):
    return layer._value_range_to(images, (0, 1), layer.value_range)


def _replace_channel(layer, images, index, new_channel):
    """``images`` with channel ``index`` replaced by ``new_channel`` (which lacks the channel axis)."""
    c_axis = layer._c_axis
    channels = [ops.take(images, i, axis=c_axis) for i in range(3)]
    channels[index] = new_channel
    return ops.stack(channels, axis=c_axis)


@builtin("keras.layers")
class RandomHue(_RandomColorLayer):
    """Rotate each image's hue by a random amount of up to ``factor / 2`` of a turn either way (training only).

    ``factor`` in [0, 1]; images are RGB in ``value_range``.

    Example:
        >>> lamina.layers.RandomHue(0.2, value_range=(0, 1), seed=1)(images, training=True)
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed: int | None = None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._init_random(value_range, seed, sort_range=False)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        n = _batch_size(images)
        seed = self._seed(seed)
        sign = ops.where(ops.greater(random.uniform((n,), seed=seed), 0.5), -1.0, 1.0)
        amount = random.uniform((n,), minval=self.factor[0], maxval=self.factor[1], seed=seed)
        return {"factor": ops.multiply(ops.multiply(sign, amount), 0.5)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        hsv = ops.image.rgb_to_hsv(_to_unit(self, images), data_format=self.data_format)
        shift = ops.reshape(ops.cast(transformation["factor"], ops.dtype(hsv)), (-1, 1, 1))
        hue = ops.add(ops.take(hsv, 0, axis=self._c_axis), shift)
        hue = ops.where(ops.greater(hue, 1.0), ops.subtract(hue, 1.0), hue)
        hue = ops.where(ops.less(hue, 0.0), ops.add(hue, 1.0), hue)
        rgb = ops.clip(ops.image.hsv_to_rgb(_replace_channel(self, hsv, 0, hue), data_format=self.data_format), 0, 1)
        return self._float(_from_unit(self, rgb))


@builtin("keras.layers")
class RandomSaturation(_RandomColorLayer):
    """Scale each image's saturation by ``f / (1 - f)`` for a random ``f`` in the factor range (training only).

    ``factor`` in [-1, 1] (a number ``f`` means ``[-f, f]``, as in Keras; negative draws give
    grayscale): 0.5 keeps the image, 0 makes it grayscale, values near 1 saturate fully.

    Example:
        >>> lamina.layers.RandomSaturation((0.5, 0.5))(images, training=True)   # unchanged
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed: int | None = None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._init_random(value_range, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        f = random.uniform((_batch_size(images),), minval=self.factor[0], maxval=self.factor[1],
                           seed=self._seed(seed))
        return {"factor": ops.divide(f, ops.add(ops.subtract(1.0, f), config.epsilon()))}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        hsv = ops.image.rgb_to_hsv(images, data_format=self.data_format)
        scale = ops.reshape(ops.cast(transformation["factor"], ops.dtype(hsv)), (-1, 1, 1))
        sat = ops.multiply(ops.take(hsv, 1, axis=self._c_axis), scale)
        sat = ops.clip(sat, self.value_range[0], self.value_range[1])
        return ops.image.hsv_to_rgb(_replace_channel(self, hsv, 1, sat), data_format=self.data_format)


@builtin("keras.layers")
class AutoContrast(BaseImagePreprocessingLayer):
    """Stretch each image's channels so their minimum maps to ``value_range[0]`` and maximum to
    ``value_range[1]`` (deterministic; constant channels are left unchanged).

    Example:
        >>> lamina.layers.AutoContrast(value_range=(0, 255))(images)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = check_value_range("AutoContrast", value_range)

    def transform_images(self, images, transformation=None, training=True):
        original = images
        x = self._value_range_to(self._float(images), self.value_range, (0, 255))
        low = ops.min(x, axis=(1, 2), keepdims=True)
        high = ops.max(x, axis=(1, 2), keepdims=True)
        scale = ops.divide(255.0, ops.subtract(high, low))
        x = ops.clip(ops.add(ops.multiply(x, scale), ops.multiply(ops.negative(low), scale)), 0.0, 255.0)
        x = self._value_range_to(x, (0, 255), self.value_range)
        return ops.where(ops.isnan(x), self._float(original), x)

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_["value_range"] = self.value_range
        return config_


@builtin("keras.layers")
class Solarization(BaseImagePreprocessingLayer):
    """Invert pixels at or above a threshold, after adding a random offset (training only).

    On the image mapped to [0, 255]: ``x + a`` (clipped) is kept below a threshold ``t`` and
    replaced by ``255 - (x + a)`` above it, where ``a`` and ``t`` are drawn per image from
    ``addition_factor`` and ``threshold_factor`` scaled by 255 (Keras's sampling).

    Example:
        >>> lamina.layers.Solarization(value_range=(0, 1))(images, training=True)   # 1 - x
    """

    _USE_BASE_FACTOR = False

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed: int | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.addition_factor = range_factor("Solarization", "addition_factor", addition_factor, 0.0, 1.0,
                                            symmetric=False)
        self.threshold_factor = range_factor("Solarization", "threshold_factor", threshold_factor, 0.0, 1.0,
                                             symmetric=False)
        self.value_range = check_value_range("Solarization", value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = (_batch_size(images), 1, 1, 1)
        seed = self._seed(seed)
        return {
            "additions": random.uniform(shape, minval=self.addition_factor[0], maxval=self.addition_factor[1] * 255,
                                        dtype=self.compute_dtype, seed=seed),
            "thresholds": random.uniform(shape, minval=self.threshold_factor[0],
                                         maxval=self.threshold_factor[1] * 255, dtype=self.compute_dtype, seed=seed),
        }

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        x = self._value_range_to(images, self.value_range, (0, 255))
        x = ops.clip(ops.add(x, transformation["additions"]), 0, 255)
        x = ops.where(ops.less(x, transformation["thresholds"]), x, ops.subtract(255.0, x))
        return self._value_range_to(x, (0, 255), self.value_range)

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({"value_range": self.value_range, "addition_factor": self.addition_factor,
                        "threshold_factor": self.threshold_factor, "seed": self.seed})
        return config_


__all__ = ["RandomContrast", "RandomBrightness", "RandomGrayscale", "RandomHue", "RandomSaturation", "AutoContrast",
           "Solarization"]
