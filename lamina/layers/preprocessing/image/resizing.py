"""Resizing and CenterCrop: deterministic changes of the image size."""

from __future__ import annotations

from lamina import ops
from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer, is_int_dtype, saturate_cast
from lamina.saving.serialization import builtin

_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")


def _check_size(layer: str, height, width) -> None:
    for name, v in (("height", height), ("width", width)):
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ValueError(f"{layer}: `{name}` must be a positive integer. Received: {name}={v!r}")


def aspect_crop_box(height: int, width: int, target_h: int, target_w: int) -> tuple:
    """The largest centred window of the target aspect ratio: (top, left, crop_height, crop_width)."""
    crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
    crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
    return int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w


def crop_window(layer, images, top, left, height, width):
    """Slice a (batch) window out of images in the layer's layout; ``top``/``left`` may be tensors."""
    shape = ops.shape(images)
    if isinstance(top, int) and isinstance(left, int):
        if layer.data_format == "channels_last":
            return images[:, top:top + height, left:left + width, :]
        return images[:, :, top:top + height, left:left + width]
    zero = ops.zeros((), "int32")
    if layer.data_format == "channels_last":
        return ops.slice(images, [zero, top, left, zero], (shape[0], height, width, shape[3]))
    return ops.slice(images, [zero, zero, top, left], (shape[0], shape[1], height, width))


@builtin("keras.layers")
class Resizing(BaseImagePreprocessingLayer):
    """Resize images to ``(height, width)``; integer images stay integer (rounded).

    Args:
        height, width: the output size.
        interpolation: "bilinear", "nearest", "bicubic", "lanczos3" or "lanczos5".
        crop_to_aspect_ratio: first crop the largest centred window with the target aspect ratio.
        pad_to_aspect_ratio: instead pad (with ``fill_value``) to the target aspect ratio.
        fill_mode, fill_value: how padding is filled (only "constant").
        antialias: filter when downsampling.
        data_format: "channels_last" or "channels_first".

    Example:
        >>> lamina.layers.Resizing(64, 64)(np.zeros((2, 128, 96, 3))).shape   # (2, 64, 64, 3)
    """

    _USE_BASE_FACTOR = False
    _GEOMETRIC = True

    def __init__(self, height: int, width: int, interpolation: str = "bilinear", crop_to_aspect_ratio: bool = False,
                 pad_to_aspect_ratio: bool = False, fill_mode: str = "constant", fill_value: float = 0.0,
                 antialias: bool = False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _check_size("Resizing", height, width)
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f"Resizing: invalid `interpolation` {interpolation!r}; expected one of "
                             f"{list(_INTERPOLATIONS)}.")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True.")
        if fill_mode != "constant":
            raise ValueError(f"Resizing: only fill_mode='constant' is supported. Received: fill_mode={fill_mode!r}")
        self.height, self.width = height, width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def _resize(self, images, interpolation):
        out = ops.image.resize(images, (self.height, self.width), interpolation=interpolation,
                               antialias=self.antialias, crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                               pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
                               fill_value=self.fill_value, data_format=self.data_format)
        if ops.dtype(out) != ops.dtype(images) and is_int_dtype(ops.dtype(images)):
            out = saturate_cast(out, ops.dtype(images))
        return out

    def transform_images(self, images, transformation=None, training=True):
        return self._resize(images, self.interpolation)

    def _transform_masks(self, masks, transformation, training):
        return self._resize(masks, "nearest")

    def output_hw(self, height, width):
        return self.height, self.width

    def output_dtype(self, input_dtype):
        return input_dtype if is_int_dtype(input_dtype) else self.compute_dtype

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({
            "height": self.height, "width": self.width, "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio, "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode, "fill_value": self.fill_value, "antialias": self.antialias,
        })
        return config_


@builtin("keras.layers")
class CenterCrop(BaseImagePreprocessingLayer):
    """Crop the central ``(height, width)`` window; images smaller than that are first cropped to the
    target aspect ratio and resized (bilinear). Outputs are in the compute dtype (float).

    Example:
        >>> lamina.layers.CenterCrop(2, 2)(np.arange(16.).reshape(4, 4, 1))[..., 0]   # [[5, 6], [9, 10]]
    """

    _USE_BASE_FACTOR = False
    _GEOMETRIC = True

    def __init__(self, height: int, width: int, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _check_size("CenterCrop", height, width)
        self.height, self.width = height, width

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        h, w = self._hw(images)
        if h >= self.height and w >= self.width:
            return crop_window(self, images, (h - self.height) // 2, (w - self.width) // 2, self.height, self.width)
        return ops.image.resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                                data_format=self.data_format)

    def output_hw(self, height, width):
        return self.height, self.width

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({"height": self.height, "width": self.width})
        return config_


__all__ = ["Resizing", "CenterCrop"]
