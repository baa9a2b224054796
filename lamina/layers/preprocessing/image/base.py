"""The shared machinery of the image preprocessing and augmentation layers.

An image layer takes one image (rank 3) or a batch (rank 4) laid out as its
``data_format`` says, or a dict with an ``"images"`` entry (and optionally
``"labels"`` and ``"segmentation_masks"``). A subclass draws its random
parameters for a batch in :meth:`get_random_transformation` and applies them in
:meth:`transform_images`; augmentation is active when ``training`` is true,
which is the default when a layer is called on its own (as in Keras).
"""

from __future__ import annotations

import math

import numpy as np

from lamina import config, ops
from lamina.backend.common.dtypes import FLOAT_TYPES, standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.layers.layer import Layer


def check_value_range(layer: str, value_range) -> list:
    """``value_range`` checked to be two numbers, returned sorted (as Keras stores it)."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(
            f"{layer}: `value_range` must be a list of two numbers (low, high). Received: value_range={value_range!r}"
        )
    return sorted(value_range)


def range_factor(layer: str, name: str, factor, low: float, high: float, low_open: bool = False,
                 symmetric: bool = True) -> tuple:
    """A factor given as a number or a pair, checked against [low, high], as (lower, upper).

    A single number ``f`` means ``(-|f|, |f|)`` when ``symmetric``, else ``(0, f)``.
    """
    def bad(v):
        return isinstance(v, bool) or not isinstance(v, (int, float)) or v > high or (v <= low if low_open else v < low)

    interval = f"{'(' if low_open else '['}{low}, {high}]"
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or bad(factor[0]) or bad(factor[1]):
            raise ValueError(
                f"{layer}: `{name}` must be a number or a list of two numbers in the range {interval}. "
                f"Received: {name}={factor!r}"
            )
        return tuple(sorted(factor))
    if bad(factor):
        raise ValueError(
            f"{layer}: `{name}` must be a number or a list of two numbers in the range {interval}. "
            f"Received: {name}={factor!r}"
        )
    return (-abs(factor), abs(factor)) if symmetric else (0, factor)


def check_choice(layer: str, name: str, value, choices) -> None:
    if value not in choices:
        raise NotImplementedError(f"{layer}: unknown `{name}` {value!r}. Expected one of {list(choices)}.")


class BaseImagePreprocessingLayer(Layer):
    """Base of the image layers: factor parsing, data_format, rank handling, dict inputs, training switch.

    Subclasses implement ``get_random_transformation(images, training, seed)`` (on a rank-4
    batch) and ``transform_images(images, transformation, training)``; they may override
    ``transform_labels`` and ``transform_segmentation_masks``, and ``output_hw`` when they
    change the image size.
    """

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)
    _GEOMETRIC = False  # whether segmentation masks follow the image transform

    def __init__(self, factor=None, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = config.standardize_data_format(data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(f"{type(self).__name__} does not take a `factor` argument. Received: factor={factor}")

    def _set_factor(self, factor) -> None:
        low, high = self._FACTOR_BOUNDS
        msg = (f"{type(self).__name__}: `factor` must be a number (or a list of two numbers) in the range "
               f"[{low}, {high}]. Received: factor={factor!r}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(msg)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if factor < low or factor > high:
                raise ValueError(msg)
            factor = abs(factor)
            lower, upper = max(-factor, low), factor
        else:
            raise ValueError(msg)
        self.factor = (lower, upper)

    # ------------------------------------------------------------------ layout helpers
    @property
    def _h_axis(self) -> int:
        return -3 if self.data_format == "channels_last" else -2

    @property
    def _w_axis(self) -> int:
        return -2 if self.data_format == "channels_last" else -1

    @property
    def _c_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else -3

    def _hw(self, images) -> tuple:
        shape = ops.shape(images)
        return shape[self._h_axis], shape[self._w_axis]

    def _check_rank(self, shape) -> None:
        if len(shape) not in (3, 4):
            raise ValueError(
                f"{type(self).__name__} layer \"{self.name}\": expected one image (rank 3) or a batch of images "
                f"(rank 4) in {self.data_format} layout. Received inputs of shape {tuple(shape)}."
            )

    def _float(self, images):
        return ops.cast(images, self.compute_dtype)

    def _seed(self, seed):
        return self.seed_generator if seed is None else seed

    def _value_range_to(self, images, src, dst):
        """Linearly map ``images`` from the value range ``src`` to ``dst``."""
        if src[0] == dst[0] and src[1] == dst[1]:
            return images
        scale = (dst[1] - dst[0]) / (src[1] - src[0])
        return ops.add(ops.multiply(ops.subtract(images, src[0]), scale), dst[0])

    # ------------------------------------------------------------------ the API subclasses fill in
    def get_random_transformation(self, data, training: bool = True, seed=None):
        """The random parameters for one batch (None for deterministic layers)."""
        return None

    def transform_images(self, images, transformation=None, training: bool = True):
        raise NotImplementedError(f"{type(self).__name__} must implement transform_images().")

    def transform_labels(self, labels, transformation=None, training: bool = True):
        return labels

    def transform_segmentation_masks(self, segmentation_masks, transformation=None, training: bool = True):
        if not self._GEOMETRIC:
            return segmentation_masks
        return self._transform_masks(segmentation_masks, transformation, training)

    def _transform_masks(self, masks, transformation, training):
        return self.transform_images(masks, transformation, training=training)

    def output_hw(self, height, width) -> tuple:
        """The output (height, width) for inputs of the given size."""
        return height, width

    def output_dtype(self, input_dtype: str) -> str:
        return self.compute_dtype

    # ------------------------------------------------------------------ call
    def call(self, inputs, training=True):
        training = bool(training) if not ops.is_tensor(training) else training
        if isinstance(inputs, dict):
            if "bounding_boxes" in inputs:
                raise NotImplementedError(
                    f"{type(self).__name__}: inputs with 'bounding_boxes' are not supported by lamina yet; pass "
                    "'images' (and optionally 'labels' and 'segmentation_masks')."
                )
            if "images" not in inputs:
                raise ValueError(f"{type(self).__name__}: a dict input must have an 'images' entry. "
                                 f"Received keys {sorted(inputs)}.")
            out = dict(inputs)
            images, unbatched = self._batched(inputs["images"])
            transformation = self.get_random_transformation(images, training=training)
            out["images"] = self._unbatch(self.transform_images(images, transformation, training=training), unbatched)
            if "labels" in inputs:
                labels = ops.convert_to_tensor(inputs["labels"])
                if unbatched:
                    labels = ops.expand_dims(labels, 0)
                labels = self.transform_labels(labels, transformation, training=training)
                out["labels"] = self._unbatch(labels, unbatched)
            if "segmentation_masks" in inputs:
                masks, _ = self._batched(inputs["segmentation_masks"])
                masks = self.transform_segmentation_masks(masks, transformation, training=training)
                out["segmentation_masks"] = self._unbatch(masks, unbatched)
            return out
        images, unbatched = self._batched(inputs)
        transformation = self.get_random_transformation(images, training=training)
        return self._unbatch(self.transform_images(images, transformation, training=training), unbatched)

    def _batched(self, images):
        images = ops.convert_to_tensor(images)
        shape = ops.shape(images)
        self._check_rank(shape)
        if len(shape) == 3:
            return ops.expand_dims(images, 0), True
        return images, False

    @staticmethod
    def _unbatch(x, unbatched):
        return ops.squeeze(x, 0) if unbatched else x

    # ------------------------------------------------------------------ shapes
    def _out_shape(self, shape) -> tuple:
        shape = list(shape)
        self._check_rank(shape)
        h, w = len(shape) + self._h_axis, len(shape) + self._w_axis
        shape[h], shape[w] = self.output_hw(shape[h], shape[w])
        return tuple(shape)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            out = dict(input_shape)
            out["images"] = self._out_shape(input_shape["images"])
            if "segmentation_masks" in out and self._GEOMETRIC:
                out["segmentation_masks"] = self._out_shape(input_shape["segmentation_masks"])
            return out
        return self._out_shape(input_shape)

    def compute_output_spec(self, inputs, training=None, **kwargs):
        def spec(t, dtype=None):
            return KerasTensor(self._out_shape(t.shape), dtype=dtype or self.output_dtype(standardize_dtype(t.dtype)))

        if isinstance(inputs, dict):
            out = dict(inputs)
            out["images"] = spec(inputs["images"])
            if "segmentation_masks" in inputs and self._GEOMETRIC:
                out["segmentation_masks"] = spec(inputs["segmentation_masks"], inputs["segmentation_masks"].dtype)
            return out
        return spec(inputs)

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_["data_format"] = self.data_format
        if self.bounding_box_format is not None:
            config_["bounding_box_format"] = self.bounding_box_format
        return config_


def affine_matrix(angle_deg, height, width, translate_x=0.0, translate_y=0.0, scale=1.0, shear_x_deg=0.0,
                  shear_y_deg=0.0):
    """Batch of ``[a0, a1, a2, b0, b1, b2, 0, 0]`` rows (for ops.image.affine_transform) that rotate by
    ``angle_deg``, shear, scale and translate about the image centre; ``angle_deg`` is a (batch,) tensor."""
    rad = math.pi / 180.0
    angle = ops.multiply(angle_deg, rad)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    cos, sin = ops.cos(angle), ops.sin(angle)
    sx = ops.tan(ops.multiply(shear_x_deg, rad)) if not _is_zero(shear_x_deg) else 0.0
    sy = ops.tan(ops.multiply(shear_y_deg, rad)) if not _is_zero(shear_y_deg) else 0.0
    a0 = ops.multiply(scale, ops.add(cos, ops.multiply(sx, sin)))
    a1 = ops.multiply(scale, ops.add(ops.negative(sin), ops.multiply(sx, cos)))
    a2 = ops.add(translate_x, ops.subtract(ops.subtract(cx, ops.multiply(cx, a0)), ops.multiply(cy, a1)))
    b0 = ops.multiply(scale, ops.add(ops.multiply(sy, cos), sin))
    b1 = ops.multiply(scale, ops.add(ops.multiply(sy, ops.negative(sin)), cos))
    b2 = ops.add(translate_y, ops.subtract(ops.subtract(cy, ops.multiply(cx, b0)), ops.multiply(cy, b1)))
    zeros = ops.zeros_like(a0)
    return ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)


def _is_zero(v) -> bool:
    return isinstance(v, (int, float)) and v == 0


def is_int_dtype(dtype) -> bool:
    return standardize_dtype(dtype) not in FLOAT_TYPES and standardize_dtype(dtype) != "bool"


def saturate_cast(x, dtype):
    """Round and clip ``x`` into an integer ``dtype``'s range before casting (floats are just cast)."""
    dtype = standardize_dtype(dtype)
    if dtype in FLOAT_TYPES:
        return ops.cast(x, dtype)
    info = np.iinfo(dtype)
    return ops.cast(ops.clip(ops.round(x), float(info.min), float(info.max)), dtype)


__all__ = ["BaseImagePreprocessingLayer"]
