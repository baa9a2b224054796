"""Random geometric augmentation: RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomCrop.

Active when called with ``training=True`` (the default when called on its own);
inside ``predict``/``evaluate`` they pass images through (RandomCrop centre-crops).
"""

from __future__ import annotations

from lamina import ops, random
from lamina.layers.preprocessing.image.base import (BaseImagePreprocessingLayer, affine_matrix, check_choice,
                                                    range_factor)
from lamina.layers.preprocessing.image.resizing import _check_size, aspect_crop_box, crop_window
from lamina.saving.serialization import builtin

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")
_FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


def _batch_size(images) -> int:
    return ops.shape(images)[0]


class _AffineLayer(BaseImagePreprocessingLayer):
    """A layer whose transform is a batch of affine matrices applied with ops.image.affine_transform."""

    _USE_BASE_FACTOR = False
    _GEOMETRIC = True

    def _init_affine(self, fill_mode, interpolation, fill_value, seed):
        name = type(self).__name__
        check_choice(name, "fill_mode", fill_mode, _FILL_MODES)
        check_choice(name, "interpolation", interpolation, _INTERPOLATIONS)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def _matrices(self, images, seed):
        raise NotImplementedError

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        return {"matrix": self._matrices(images, self._seed(seed))}

    def _apply(self, images, transformation, interpolation):
        if transformation is None:
            return images
        return ops.image.affine_transform(images, ops.cast(transformation["matrix"], "float32"),
                                          interpolation=interpolation, fill_mode=self.fill_mode,
                                          fill_value=self.fill_value, data_format=self.data_format)

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training:
            return images
        return self._apply(images, transformation, self.interpolation)

    def _transform_masks(self, masks, transformation, training):
        return self._apply(masks, transformation, "nearest") if training else masks

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation, "seed": self.seed,
                        "fill_value": self.fill_value})
        return config_


@builtin("keras.layers")
class RandomFlip(BaseImagePreprocessingLayer):
    """Flip each image horizontally and/or vertically with probability 1/2 (training only).

    ``mode``: "horizontal", "vertical" or "horizontal_and_vertical" (one draw per image
    flips both axes together, as in Keras).

    Example:
        >>> lamina.layers.RandomFlip("horizontal", seed=1)(images, training=True)
    """

    _USE_BASE_FACTOR = False
    _GEOMETRIC = True

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in _FLIP_MODES:
            raise ValueError(f"RandomFlip: invalid `mode` {mode!r}; expected one of {list(_FLIP_MODES)}.")
        self.mode = mode
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        draws = random.uniform((_batch_size(images), 1, 1, 1), seed=self._seed(seed))
        return {"flips": ops.less_equal(draws, 0.5)}

    def _flip(self, images, transformation):
        if transformation is None:
            return images
        flips = transformation["flips"]
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            images = ops.where(flips, ops.flip(images, axis=self._w_axis), images)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            images = ops.where(flips, ops.flip(images, axis=self._h_axis), images)
        return images

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        return self._flip(images, transformation) if training else images

    def _transform_masks(self, masks, transformation, training):
        return self._flip(masks, transformation) if training else masks

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({"seed": self.seed, "mode": self.mode})
        return config_


@builtin("keras.layers")
class RandomRotation(_AffineLayer):
    """Rotate each image by a random angle of ``factor * 360`` degrees (training only).

    ``factor``: a fraction of a full turn, a number ``f`` for ``[-f, f]`` or a pair
    ``(lower, upper)``; positive angles turn counter-clockwise. Points outside the
    input are filled per ``fill_mode`` ("reflect", "wrap", "constant", "nearest").

    Example:
        >>> lamina.layers.RandomRotation(0.1, seed=1)(images, training=True)
    """

    _USE_BASE_FACTOR = True

    def __init__(self, factor, fill_mode: str = "reflect", interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._init_affine(fill_mode, interpolation, fill_value, seed)

    def _matrices(self, images, seed):
        h, w = self._hw(images)
        angle = random.uniform((_batch_size(images),), minval=self.factor[0] * 360.0,
                               maxval=self.factor[1] * 360.0, seed=seed)
        return affine_matrix(angle, h, w)

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_["factor"] = self.factor
        return config_


@builtin("keras.layers")
class RandomZoom(_AffineLayer):
    """Zoom each image in or out by a random factor (training only).

    ``height_factor``/``width_factor``: a number ``f`` in (-1, 1] for the range ``[-f, f]`` or a
    pair; the sampled area is ``1 + factor`` times the image size, so positive values zoom
    out and negative values zoom in. ``width_factor=None`` keeps the aspect ratio.

    Example:
        >>> lamina.layers.RandomZoom(0.2, seed=1)(images, training=True)
    """

    def __init__(self, height_factor, width_factor=None, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = range_factor("RandomZoom", "height_factor", height_factor, -1.0, 1.0,
                                                            low_open=True)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = range_factor("RandomZoom", "width_factor", width_factor, -1.0, 1.0,
                                                              low_open=True)
        self._init_affine(fill_mode, interpolation, fill_value, seed)

    def _matrices(self, images, seed):
        h, w = self._hw(images)
        n = _batch_size(images)
        hz = random.uniform((n,), minval=1.0 + self.height_lower, maxval=1.0 + self.height_upper, seed=seed)
        if self.width_factor is not None:
            wz = random.uniform((n,), minval=1.0 + self.width_lower, maxval=1.0 + self.width_upper, seed=seed)
        else:
            wz = hz
        zeros = ops.zeros_like(hz)
        x_off = ops.multiply((w - 1.0) / 2.0, ops.subtract(1.0, wz))
        y_off = ops.multiply((h - 1.0) / 2.0, ops.subtract(1.0, hz))
        return ops.stack([wz, zeros, x_off, zeros, hz, y_off, zeros, zeros], axis=1)

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config_


@builtin("keras.layers")
class RandomTranslation(_AffineLayer):
    """Shift each image by a random fraction of its height and width (training only).

    ``height_factor``/``width_factor``: a number ``f`` in [-1, 1] for ``[-f, f]`` or a pair;
    positive values move the content down / right.

    Example:
        >>> lamina.layers.RandomTranslation(0.1, 0.1, seed=1)(images, training=True)
    """

    def __init__(self, height_factor, width_factor, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = range_factor("RandomTranslation", "height_factor", height_factor,
                                                            -1.0, 1.0)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = range_factor("RandomTranslation", "width_factor", width_factor, -1.0, 1.0)
        self._init_affine(fill_mode, interpolation, fill_value, seed)

    def _matrices(self, images, seed):
        h, w = self._hw(images)
        n = _batch_size(images)
        dy = ops.multiply(random.uniform((n,), minval=self.height_lower, maxval=self.height_upper, seed=seed), h)
        dx = ops.multiply(random.uniform((n,), minval=self.width_lower, maxval=self.width_upper, seed=seed), w)
        ones, zeros = ops.ones_like(dx), ops.zeros_like(dx)
        return ops.stack([ones, zeros, ops.negative(dx), zeros, ones, ops.negative(dy), zeros, zeros], axis=1)

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config_


@builtin("keras.layers")
class RandomCrop(BaseImagePreprocessingLayer):
    """Crop a random ``(height, width)`` window, the same for the whole batch (training only).

    At inference, and in training when the image is not larger than the target, the
    largest centred window of the target aspect ratio is cropped and resized to the
    target size (Keras's documented behaviour). Outputs are float.

    Example:
        >>> lamina.layers.RandomCrop(24, 24, seed=1)(np.zeros((2, 32, 32, 3)), training=True).shape
    """

    _USE_BASE_FACTOR = False
    _GEOMETRIC = True

    def __init__(self, height: int, width: int, seed: int | None = None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format, name=name, **kwargs)
        _check_size("RandomCrop", height, width)
        self.height, self.width = height, width
        self.seed = seed if seed is not None else random.seed_generator.make_default_seed()
        self.seed_generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        h, w = self._hw(images)
        if training and h > self.height and w > self.width:
            seed = self._seed(seed)
            top = ops.cast(random.uniform((), 0, float(h - self.height + 1), seed=seed), "int32")
            left = ops.cast(random.uniform((), 0, float(w - self.width + 1), seed=seed), "int32")
            return {"box": (top, left, self.height, self.width)}
        return {"box": aspect_crop_box(h, w, self.height, self.width)}

    def _crop(self, images, transformation, interpolation):
        top, left, ch, cw = transformation["box"]
        out = crop_window(self, images, top, left, ch, cw)
        if (ch, cw) != (self.height, self.width):
            out = ops.image.resize(out, (self.height, self.width), interpolation=interpolation,
                                   data_format=self.data_format)
        return out

    def transform_images(self, images, transformation=None, training=True):
        return self._crop(self._float(images), transformation, "bilinear")

    def _transform_masks(self, masks, transformation, training):
        return self._crop(masks, transformation, "nearest")

    def output_hw(self, height, width):
        return self.height, self.width

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({"height": self.height, "width": self.width, "seed": self.seed})
        return config_


__all__ = ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomCrop"]
