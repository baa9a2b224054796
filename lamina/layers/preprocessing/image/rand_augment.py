"""RandAugment: apply ``num_ops`` augmentations chosen at random from a fixed list (training only)."""

from __future__ import annotations

import numpy as np

from lamina import ops, random
from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer, affine_matrix
from lamina.layers.preprocessing.image.color import AutoContrast, RandomBrightness, RandomContrast, Solarization
from lamina.layers.preprocessing.image.geometric import RandomRotation, RandomTranslation
from lamina.saving.serialization import builtin

# Keras's list, in Keras's order (the drawn index picks the same kind of augmentation).
_AUGMENTATIONS = ("random_shear", "random_translation", "random_rotation", "random_brightness",
                  "random_color_degeneration", "random_contrast", "random_sharpness", "random_posterization",
                  "solarization", "auto_contrast", "equalization")
_BINS = 256


@builtin("keras.layers")
class RandAugment(BaseImagePreprocessingLayer):
    """RandAugment (Cubuk et al., 2019): ``num_ops`` times, one augmentation drawn uniformly from
    shear, translation, rotation, brightness, colour degeneration, contrast, sharpness,
    posterization, solarization, auto-contrast and equalization is applied to the whole batch, each with
    strength drawn from ``factor`` (in [0, 1]). Images are in ``value_range``.

    Example:
        >>> lamina.layers.RandAugment(value_range=(0, 255), num_ops=2, seed=1)(images, training=True)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, value_range=(0, 255), num_ops: int = 2, factor=0.5, interpolation: str = "bilinear",
                 seed: int | None = None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(f"RandAugment: `value_range` must be a list of two numbers. Received: {value_range!r}")
        if isinstance(num_ops, bool) or not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(f"RandAugment: `num_ops` must be a non-negative integer. Received: num_ops={num_ops!r}")
        self.value_range = value_range
        self.num_ops = num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        common = {"seed": seed, "data_format": data_format}
        self.random_translation = RandomTranslation(self.factor, self.factor, interpolation=interpolation, **common)
        self.random_rotation = RandomRotation(self.factor, interpolation=interpolation, **common)
        self.random_brightness = RandomBrightness(self.factor, value_range=value_range, **common)
        self.random_contrast = RandomContrast(self.factor, value_range=value_range, **common)
        self.solarization = Solarization(self.factor, self.factor, value_range=value_range, **common)
        self.auto_contrast = AutoContrast(value_range=value_range, data_format=data_format)

    # ---- the augmentations that have no public lamina layer: (draw, apply) pairs on a batch
    def _unit(self, images):
        return self._value_range_to(images, self.value_range, (0, 255))

    def _back(self, images):
        return self._value_range_to(images, (0, 255), self.value_range)

    def _draw(self, name, images, seed):
        n = ops.shape(images)[0]
        lo, hi = self.factor
        if name == "random_shear":
            sx = random.uniform((n,), minval=-hi, maxval=hi, seed=seed)
            sy = random.uniform((n,), minval=-hi, maxval=hi, seed=seed)
            h, w = self._hw(images)
            zero = ops.zeros((n,))
            # a shear factor of 1 is 45 degrees
            return {"matrix": affine_matrix(zero, h, w, shear_x_deg=ops.multiply(sx, 45.0),
                                            shear_y_deg=ops.multiply(sy, 45.0))}
        if name in ("random_color_degeneration", "random_sharpness"):
            return {"amount": random.uniform((n, 1, 1, 1), minval=lo, maxval=hi, seed=seed)}
        if name == "equalization":
            return {}
        if name == "random_posterization":
            bits = max(1, int(8 * hi))
            return {"bits": ops.cast(random.randint((n, 1, 1, 1), 8 - bits + 1 if bits < 8 else 1, 9, seed=seed),
                                     "float32")}
        layer = getattr(self, name)
        return layer.get_random_transformation(images, training=True, seed=seed)

    def _apply(self, name, images, t):
        if name == "random_shear":
            return ops.image.affine_transform(images, t["matrix"], interpolation=self.interpolation,
                                              fill_mode="reflect", data_format=self.data_format)
        if name == "random_color_degeneration":
            gray = ops.image.rgb_to_grayscale(images, data_format=self.data_format)
            return ops.add(gray, ops.multiply(ops.subtract(images, gray), ops.subtract(1.0, t["amount"])))
        if name == "random_sharpness":
            return self._sharpen(images, t["amount"])
        if name == "equalization":
            return self._equalize(images)
        if name == "random_posterization":
            step = ops.power(2.0, ops.subtract(8.0, t["bits"]))
            x = ops.clip(self._unit(images), 0, 255)
            return self._back(ops.multiply(ops.floor(ops.divide(x, step)), step))
        return getattr(self, name).transform_images(images, t, training=True)

    def _sharpen(self, images, amount):
        kernel = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], "float32") / 13.0
        channels = ops.shape(images)[self._c_axis]
        kernel = ops.convert_to_tensor(np.tile(kernel[:, :, None, None], (1, 1, channels, 1)))
        smooth = ops.depthwise_conv(images, kernel, padding="same", data_format=self.data_format)
        return ops.add(images, ops.multiply(ops.subtract(images, smooth), amount))

    def _equalize(self, images):
        """Histogram equalization of each channel, its histogram taken over the whole batch (as Keras does)."""
        x = ops.clip(self._unit(images), 0, 255)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        channels = ops.shape(x)[-1]
        bins = ops.cast(ops.clip(ops.multiply(x, (_BINS - 1) / 255.0), 0, _BINS - 1), "int32")
        ids = ops.reshape(ops.add(bins, ops.multiply(ops.arange(channels, dtype="int32"), _BINS)), (-1,))
        hist = ops.reshape(ops.segment_sum(ops.ones_like(ids, dtype="float32"), ids, num_segments=channels * _BINS),
                           (channels, _BINS))
        cdf = ops.cumsum(hist, axis=1)
        cdf_min = ops.min(ops.where(ops.greater(cdf, 0), cdf, float(ops.size(ids)) + 1.0), axis=1, keepdims=True)
        denom = ops.subtract(cdf[:, -1:], cdf_min)
        denom = ops.where(ops.equal(denom, 0), 1.0, denom)
        lut = ops.clip(ops.round(ops.divide(ops.multiply(ops.subtract(cdf, cdf_min), 255.0), denom)), 0, 255)
        out = ops.reshape(ops.take(ops.reshape(lut, (-1,)), ids), ops.shape(x))
        flat = ops.less_equal(ops.count_nonzero(hist, axis=1), 1)  # a constant channel stays as it is
        out = ops.where(flat, x, out)
        if self.data_format == "channels_first":
            out = ops.transpose(out, (0, 3, 1, 2))
        return self._back(out)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        seed = self._seed(seed)
        idx = random.randint((self.num_ops,), 0, len(_AUGMENTATIONS), seed=seed)
        return {"layer_idxes": idx, "transforms": {name: self._draw(name, images, seed) for name in _AUGMENTATIONS}}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        idx = transformation["layer_idxes"]
        for i in range(self.num_ops):
            out = images
            for k, name in enumerate(_AUGMENTATIONS):
                out = ops.where(ops.equal(idx[i], k), self._float(self._apply(name, images, transformation["transforms"][name])), out)
            images = out
        return images

    def build(self, input_shape):
        self.built = True

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({"value_range": self.value_range, "num_ops": self.num_ops, "factor": self.factor,
                        "interpolation": self.interpolation, "seed": self.seed})
        return config_


__all__ = ["RandAugment"]
