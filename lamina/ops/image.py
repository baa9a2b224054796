"""Image ops (``lamina.ops.image``): resizing, geometric transforms, colour conversions, patches, filters.

Images are rank 3 (one image) or rank 4 (a batch), laid out as ``data_format``
says (``"channels_last"``: (..., height, width, channels), the default from
``lamina.config.image_data_format()``). Ops keep the images' dtype; integer
images are computed in float and rounded back.

Example:
    >>> from lamina import ops
    >>> small = ops.image.resize(images, (64, 64))                 # bilinear, half-pixel centres
    >>> gray = ops.image.rgb_to_grayscale(images)                  # (..., 1) channel
    >>> shifted = ops.image.affine_transform(images, [1, 0, -5, 0, 1, 0, 0, 0])
"""

from __future__ import annotations

from typing import Any

from lamina import config
from lamina.backend import impl as B
from lamina.backend.common.dtypes import standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")
TRANSFORM_INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
SCALE_AND_TRANSLATE_METHODS = ("linear", "bilinear", "trilinear", "triangle", "cubic", "bicubic", "tricubic",
                               "lanczos3", "lanczos5")


# ----------------------------------------------------------------------------- helpers


def _images_shape(op: str, images, name: str = "images", ranks=(3, 4)) -> tuple:
    shape = _spec.shape_of(images)
    if len(shape) not in ranks:
        expected = " or ".join(str(r) for r in ranks)
        raise ValueError(
            f"{op}: `{name}` must have rank {expected} (one image or a batch of images). "
            f"Received {name}.shape={shape}."
        )
    return shape


def _hw_axes(data_format: str) -> tuple:
    return (-3, -2) if data_format == "channels_last" else (-2, -1)


def _channels_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else -3


def _dtype(images) -> str:
    return standardize_dtype(_spec.dtype_of(images))


def _check_choice(op, name, value, choices):
    if value not in choices:
        raise ValueError(f"{op}: invalid `{name}` {value!r}; expected one of {list(choices)}.")


def _pair(op, name, value, cast=int):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return cast(value), cast(value)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{op}: `{name}` must be a number or a tuple of two numbers. Received: {name}={value!r}.")
    return cast(value[0]), cast(value[1])


# ----------------------------------------------------------------------------- colour conversions


def _rgb_to_grayscale_spec(images, data_format=None):
    data_format = config.standardize_data_format(data_format)
    shape = list(_images_shape("rgb_to_grayscale", images))
    c_axis = _channels_axis(data_format)
    if shape[c_axis] is not None and shape[c_axis] not in (1, 3):
        raise ValueError(
            "rgb_to_grayscale: images must have 3 (RGB) or 1 (grayscale) channels. "
            f"Received images.shape={tuple(shape)} with data_format={data_format!r}."
        )
    shape[c_axis] = 1
    return KerasTensor(shape, dtype=_dtype(images))


@symbolic_op(_rgb_to_grayscale_spec)
def rgb_to_grayscale(images: Any, data_format: str | None = None) -> Any:
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` as a single channel (1-channel images pass through).

    Example:
        >>> ops.image.rgb_to_grayscale(np.ones((2, 8, 8, 3))).shape   # (2, 8, 8, 1)
    """
    _rgb_to_grayscale_spec(images, data_format)
    return B.image.rgb_to_grayscale(images, data_format=config.standardize_data_format(data_format))


def _hsv_spec_fn(op):
    def spec(images, data_format=None):
        data_format = config.standardize_data_format(data_format)
        shape = _images_shape(op, images)
        dtype = _dtype(images)
        if dtype not in ("bfloat16", "float16", "float32", "float64"):
            raise ValueError(f"{op}: images must have a float dtype. Received images.dtype={dtype}.")
        c = shape[_channels_axis(data_format)]
        if c is not None and c != 3:
            raise ValueError(
                f"{op}: images must have 3 channels. Received images.shape={shape} with data_format={data_format!r}."
            )
        return KerasTensor(shape, dtype=dtype)

    return spec


@symbolic_op(_hsv_spec_fn("rgb_to_hsv"))
def rgb_to_hsv(images: Any, data_format: str | None = None) -> Any:
    """Convert float RGB images (values in [0, 1]) to HSV, each channel in [0, 1].

    Example:
        >>> ops.image.rgb_to_hsv([[[1.0, 0.0, 0.0]]])   # [[[0., 1., 1.]]]
    """
    _hsv_spec_fn("rgb_to_hsv")(images, data_format)
    return B.image.rgb_to_hsv(images, data_format=config.standardize_data_format(data_format))


@symbolic_op(_hsv_spec_fn("hsv_to_rgb"))
def hsv_to_rgb(images: Any, data_format: str | None = None) -> Any:
    """Convert float HSV images (each channel in [0, 1]) to RGB.

    Example:
        >>> ops.image.hsv_to_rgb([[[0.0, 1.0, 1.0]]])   # [[[1., 0., 0.]]]
    """
    _hsv_spec_fn("hsv_to_rgb")(images, data_format)
    return B.image.hsv_to_rgb(images, data_format=config.standardize_data_format(data_format))


# ----------------------------------------------------------------------------- resize


def _check_resize(images, size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, fill_mode):
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError(f"resize: `size` must be a tuple of two integers (height, width). Received: size={size!r}.")
    if any(isinstance(s, bool) or not hasattr(s, "__index__") or int(s) <= 0 for s in size):
        raise ValueError(f"resize: `size` must hold two positive integers. Received: size={size!r}.")
    _check_choice("resize", "interpolation", interpolation, RESIZE_INTERPOLATIONS)
    if fill_mode != "constant":
        raise ValueError(f"resize: only fill_mode='constant' is supported. Received: fill_mode={fill_mode!r}.")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("resize: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True.")
    return _images_shape("resize", images)


def _resize_spec(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    data_format = config.standardize_data_format(data_format)
    shape = list(_check_resize(images, size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, fill_mode))
    h_axis, w_axis = _hw_axes(data_format)
    shape[h_axis], shape[w_axis] = int(size[0]), int(size[1])
    return KerasTensor(shape, dtype=_dtype(images))


@symbolic_op(_resize_spec)
def resize(images: Any, size: tuple, interpolation: str = "bilinear", antialias: bool = False,
           crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False, fill_mode: str = "constant",
           fill_value: float = 0.0, data_format: str | None = None) -> Any:
    """Resize images to ``size = (height, width)``.

    Sampling uses half-pixel centres (as ``jax.image.resize``). ``interpolation`` is
    "bilinear", "nearest", "bicubic", "lanczos3" or "lanczos5"; ``antialias``
    widens the filter when downsampling. ``crop_to_aspect_ratio`` first crops the
    largest centred window of the target aspect ratio; ``pad_to_aspect_ratio``
    instead pads with ``fill_value`` to reach it.

    Example:
        >>> ops.image.resize(np.zeros((2, 32, 48, 3)), (16, 16)).shape   # (2, 16, 16, 3)
    """
    data_format = config.standardize_data_format(data_format)
    shape = _check_resize(images, size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, fill_mode)
    th, tw = int(size[0]), int(size[1])
    h_axis, w_axis = _hw_axes(data_format)
    height, width = shape[h_axis], shape[w_axis]
    crop = pad = None
    if crop_to_aspect_ratio:
        crop_h = max(min(height, int(float(width * th) / tw)), 1)
        crop_w = max(min(width, int(float(height * tw) / th)), 1)
        crop = (int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w)
    elif pad_to_aspect_ratio:
        pad_h = max(height, int(float(width * th) / tw))
        pad_w = max(width, int(float(height * tw) / th))
        top, left = int(float(pad_h - height) / 2), int(float(pad_w - width) / 2)
        if top > 0:
            pad = (top, 0)
        elif left > 0:
            pad = (0, left)
    return B.image.resize(images, (th, tw), interpolation=interpolation, antialias=bool(antialias), crop=crop,
                          pad=pad, fill_value=fill_value, data_format=data_format)


# ----------------------------------------------------------------------------- geometric transforms


def _check_transform(op, images, transform):
    shape = _images_shape(op, images)
    t_shape = _spec.shape_of(transform)
    if len(t_shape) not in (1, 2) or (t_shape[-1] is not None and t_shape[-1] != 8):
        raise ValueError(
            f"{op}: `transform` must have shape (8,) or (batch, 8): [a0, a1, a2, b0, b1, b2, c0, c1]. "
            f"Received transform.shape={t_shape}."
        )
    if len(t_shape) == 2 and len(shape) == 4 and None not in (t_shape[0], shape[0]):
        if t_shape[0] not in (1, shape[0]):
            raise ValueError(
                f"{op}: the batch of transforms ({t_shape[0]}) does not match the batch of images ({shape[0]})."
            )
    return shape


def _affine_spec(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0, data_format=None):
    _check_choice("affine_transform", "interpolation", interpolation, TRANSFORM_INTERPOLATIONS)
    _check_choice("affine_transform", "fill_mode", fill_mode, FILL_MODES)
    config.standardize_data_format(data_format)
    return KerasTensor(_check_transform("affine_transform", images, transform), dtype=_dtype(images))


@symbolic_op(_affine_spec)
def affine_transform(images: Any, transform: Any, interpolation: str = "bilinear", fill_mode: str = "constant",
                     fill_value: float = 0, data_format: str | None = None) -> Any:
    """Apply projective transforms: output pixel (x, y) samples the input at ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``.

    ``transform`` is ``[a0, a1, a2, b0, b1, b2, c0, c1]`` (or a batch of them) with
    ``k = c0 x + c1 y + 1``; points outside the input are filled per ``fill_mode``
    ("constant" with ``fill_value``, "nearest", "wrap", "mirror", "reflect").

    Example:
        >>> ops.image.affine_transform(images, [1, 0, 2, 0, 1, 0, 0, 0])   # shift content 2 pixels left
    """
    _affine_spec(images, transform, interpolation, fill_mode, fill_value, data_format)
    return B.image.affine_transform(images, transform, interpolation=interpolation, fill_mode=fill_mode,
                                    fill_value=fill_value, data_format=config.standardize_data_format(data_format))


def _check_points(start_points, end_points):
    s, e = _spec.shape_of(start_points), _spec.shape_of(end_points)
    for name, shape in (("start_points", s), ("end_points", e)):
        if len(shape) not in (2, 3) or tuple(shape[-2:]) != (4, 2):
            raise ValueError(
                f"perspective_transform: `{name}` must have shape (4, 2) or (batch, 4, 2). Received {name}.shape={shape}."
            )
    if s != e:
        raise ValueError(
            f"perspective_transform: start_points and end_points must have the same shape. Received {s} and {e}."
        )


def _perspective_spec(images, start_points, end_points, interpolation="bilinear", fill_value=0, data_format=None):
    _check_choice("perspective_transform", "interpolation", interpolation, TRANSFORM_INTERPOLATIONS)
    config.standardize_data_format(data_format)
    shape = _images_shape("perspective_transform", images)
    _check_points(start_points, end_points)
    return KerasTensor(shape, dtype=_dtype(images))


@symbolic_op(_perspective_spec)
def perspective_transform(images: Any, start_points: Any, end_points: Any, interpolation: str = "bilinear",
                          fill_value: float = 0, data_format: str | None = None) -> Any:
    """Warp images so that the 4 ``start_points`` (x, y) land on the 4 ``end_points``.

    Example:
        >>> start = [[0, 0], [63, 0], [63, 63], [0, 63]]
        >>> end = [[5, 0], [58, 0], [63, 63], [0, 63]]
        >>> ops.image.perspective_transform(images, start, end)
    """
    _perspective_spec(images, start_points, end_points, interpolation, fill_value, data_format)
    return B.image.perspective_transform(images, start_points, end_points, interpolation=interpolation,
                                         fill_value=fill_value, data_format=config.standardize_data_format(data_format))


def _check_map_coordinates(inputs, coordinates, order, fill_mode):
    in_shape = _spec.shape_of(inputs)
    if isinstance(coordinates, (list, tuple)) and any(getattr(c, "shape", None) is not None for c in coordinates):
        first = _spec.shape_of(coordinates[0])
        c_shape = (len(coordinates),) + first
    else:
        c_shape = _spec.shape_of(coordinates)
    if len(c_shape) < 2:
        raise ValueError(
            f"map_coordinates: `coordinates` must have rank >= 2 (one array of points per input axis). "
            f"Received coordinates.shape={c_shape}."
        )
    if c_shape[0] is not None and c_shape[0] != len(in_shape):
        raise ValueError(
            f"map_coordinates: the first dimension of `coordinates` must equal the rank of `inputs`. "
            f"Received inputs.shape={in_shape}, coordinates.shape={c_shape}."
        )
    if order not in (0, 1):
        raise ValueError(f"map_coordinates: `order` must be 0 (nearest) or 1 (linear). Received: order={order!r}.")
    _check_choice("map_coordinates", "fill_mode", fill_mode, FILL_MODES)
    return c_shape


def _map_coordinates_spec(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    c_shape = _check_map_coordinates(inputs, coordinates, order, fill_mode)
    return KerasTensor(c_shape[1:], dtype=_dtype(inputs))


@symbolic_op(_map_coordinates_spec)
def map_coordinates(inputs: Any, coordinates: Any, order: int, fill_mode: str = "constant",
                    fill_value: float = 0) -> Any:
    """Sample ``inputs`` at ``coordinates`` (one array per input axis) with nearest (0) or linear (1) interpolation.

    Example:
        >>> ops.image.map_coordinates(np.arange(4.0), [[0.5, 2.25]], order=1)   # [0.5, 2.25]
    """
    _check_map_coordinates(inputs, coordinates, order, fill_mode)
    return B.image.map_coordinates(inputs, coordinates, order, fill_mode=fill_mode, fill_value=fill_value)


def _scale_and_translate_spec(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    _check_choice("scale_and_translate", "method", method, SCALE_AND_TRANSLATE_METHODS)
    return KerasTensor(tuple(output_shape), dtype=_dtype(images))


@symbolic_op(_scale_and_translate_spec)
def scale_and_translate(images: Any, output_shape: tuple, scale: Any, translation: Any, spatial_dims: tuple,
                        method: str, antialias: bool = True) -> Any:
    """Resample ``images`` along ``spatial_dims``: output coordinate ``o`` reads the input at ``(o - translation) / scale``.

    As ``jax.image.scale_and_translate``: ``method`` is linear, cubic, lanczos3 or
    lanczos5 (half-pixel centres); ``antialias`` widens the kernel when downsampling.

    Example:
        >>> ops.image.scale_and_translate(x, (1, 8, 8, 3), [2.0, 2.0], [0.0, 0.0], (1, 2), "linear")
    """
    _scale_and_translate_spec(images, output_shape, scale, translation, spatial_dims, method, antialias)
    return B.image.scale_and_translate(images, tuple(int(d) for d in output_shape), scale, translation,
                                       tuple(int(d) for d in spatial_dims), method, antialias=bool(antialias))


# ----------------------------------------------------------------------------- crop and pad


def _non_negative(op, **values):
    for name, value in values.items():
        if value is not None and value < 0:
            raise ValueError(f"{op}: `{name}` must be >= 0. Received: {name}={value}.")


def _resolve_offsets(op, kind, size, before, after, target, before_name, after_name, target_name):
    """Fill in the one of (before, after, target) left None; ``kind`` is "pad" or "crop"."""
    if [before, after, target].count(None) != 1:
        raise ValueError(
            f"{op}: give exactly two of `{before_name}`, `{after_name}` and `{target_name}`. "
            f"Received: {before_name}={before}, {after_name}={after}, {target_name}={target}."
        )
    _non_negative(op, **{before_name: before, after_name: after, target_name: target})
    if size is None:
        return before, after, target
    sign = 1 if kind == "pad" else -1
    if target is None:
        target = size + sign * (before + after)
    elif before is None:
        before = sign * (target - size) - after
    else:
        after = sign * (target - size) - before
    _non_negative(op, **{before_name: before, after_name: after, target_name: target})
    return before, after, target


def _pad_offsets(images, top_padding, left_padding, bottom_padding, right_padding, target_height, target_width,
                 data_format):
    shape = _images_shape("pad_images", images)
    h_axis, w_axis = _hw_axes(data_format)
    top, bottom, th = _resolve_offsets("pad_images", "pad", shape[h_axis], top_padding, bottom_padding,
                                       target_height, "top_padding", "bottom_padding", "target_height")
    left, right, tw = _resolve_offsets("pad_images", "pad", shape[w_axis], left_padding, right_padding,
                                       target_width, "left_padding", "right_padding", "target_width")
    return shape, (top, bottom, th), (left, right, tw)


def _pad_images_spec(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
                     target_height=None, target_width=None, data_format=None):
    data_format = config.standardize_data_format(data_format)
    shape, (_, _, th), (_, _, tw) = _pad_offsets(images, top_padding, left_padding, bottom_padding, right_padding,
                                                 target_height, target_width, data_format)
    shape = list(shape)
    h_axis, w_axis = _hw_axes(data_format)
    shape[h_axis], shape[w_axis] = th, tw
    return KerasTensor(shape, dtype=_dtype(images))


@symbolic_op(_pad_images_spec)
def pad_images(images: Any, top_padding: int | None = None, left_padding: int | None = None,
               bottom_padding: int | None = None, right_padding: int | None = None, target_height: int | None = None,
               target_width: int | None = None, data_format: str | None = None) -> Any:
    """Zero-pad images; give two of (top_padding, bottom_padding, target_height) and two of the width trio.

    Example:
        >>> ops.image.pad_images(np.ones((4, 4, 3)), 1, 2, target_height=8, target_width=8).shape   # (8, 8, 3)
    """
    data_format = config.standardize_data_format(data_format)
    _, (top, bottom, _), (left, right, _) = _pad_offsets(images, top_padding, left_padding, bottom_padding,
                                                         right_padding, target_height, target_width, data_format)
    return B.image.pad_images(images, top, bottom, left, right, data_format=data_format)


def _crop_offsets(images, top_cropping, left_cropping, bottom_cropping, right_cropping, target_height, target_width,
                  data_format):
    shape = _images_shape("crop_images", images)
    h_axis, w_axis = _hw_axes(data_format)
    height, width = shape[h_axis], shape[w_axis]
    if height is None and target_height is None:
        raise ValueError("crop_images: the images' height is unknown, so `target_height` must be given.")
    if width is None and target_width is None:
        raise ValueError("crop_images: the images' width is unknown, so `target_width` must be given.")
    top, bottom, th = _resolve_offsets("crop_images", "crop", height, top_cropping, bottom_cropping, target_height,
                                       "top_cropping", "bottom_cropping", "target_height")
    left, right, tw = _resolve_offsets("crop_images", "crop", width, left_cropping, right_cropping, target_width,
                                       "left_cropping", "right_cropping", "target_width")
    return shape, (top, bottom, th), (left, right, tw)


def _crop_images_spec(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                      target_height=None, target_width=None, data_format=None):
    data_format = config.standardize_data_format(data_format)
    shape, (_, _, th), (_, _, tw) = _crop_offsets(images, top_cropping, left_cropping, bottom_cropping,
                                                  right_cropping, target_height, target_width, data_format)
    shape = list(shape)
    h_axis, w_axis = _hw_axes(data_format)
    shape[h_axis], shape[w_axis] = th, tw
    return KerasTensor(shape, dtype=_dtype(images))


@symbolic_op(_crop_images_spec)
def crop_images(images: Any, top_cropping: int | None = None, left_cropping: int | None = None,
                bottom_cropping: int | None = None, right_cropping: int | None = None,
                target_height: int | None = None, target_width: int | None = None,
                data_format: str | None = None) -> Any:
    """Crop images; give two of (top_cropping, bottom_cropping, target_height) and two of the width trio.

    Example:
        >>> ops.image.crop_images(np.ones((8, 8, 3)), 1, 2, target_height=4, target_width=4).shape   # (4, 4, 3)
    """
    data_format = config.standardize_data_format(data_format)
    _, (top, _, th), (left, _, tw) = _crop_offsets(images, top_cropping, left_cropping, bottom_cropping,
                                                   right_cropping, target_height, target_width, data_format)
    return B.image.crop_images(images, top, left, th, tw, data_format=data_format)


# ----------------------------------------------------------------------------- patches


def _patch_args(op, images, size, strides, dilation_rate, padding, data_format, nd):
    if isinstance(size, int) and not isinstance(size, bool):
        size = (size,) * nd
    if not isinstance(size, (tuple, list)) or len(size) != nd:
        raise ValueError(f"{op}: `size` must be an int or a tuple of {nd} ints. Received: size={size!r}.")
    size = tuple(int(s) for s in size)
    if strides is None:
        strides = size
    if isinstance(strides, int):
        strides = (strides,) * nd
    if len(strides) != nd:
        raise ValueError(f"{op}: `strides` must be an int or a tuple of {nd} ints. Received: strides={strides!r}.")
    if isinstance(dilation_rate, int):
        dilation_rate = (dilation_rate,) * nd
    if len(dilation_rate) != nd:
        raise ValueError(f"{op}: `dilation_rate` must be an int or a tuple of {nd} ints. Received: {dilation_rate!r}.")
    padding = str(padding).lower()
    _check_choice(op, "padding", padding, ("valid", "same"))
    shape = _images_shape(op, images, ranks=(nd + 1, nd + 2))
    strides, dilation_rate = tuple(int(s) for s in strides), tuple(int(d) for d in dilation_rate)
    if any(s <= 0 for s in size + strides + dilation_rate):
        raise ValueError(f"{op}: size, strides and dilation_rate must be positive. Received {size}, {strides}, "
                         f"{dilation_rate}.")
    return shape, size, strides, dilation_rate, padding


def _patches_shape(shape, size, strides, dilation_rate, padding, data_format):
    nd = len(size)
    if data_format == "channels_last":
        spatial, channels = shape[-nd - 1:-1], shape[-1]
    else:
        spatial, channels = shape[-nd:], shape[-nd - 1]
    out = []
    for n, k, s, d in zip(spatial, size, strides, dilation_rate):
        if n is None:
            out.append(None)
        elif padding == "same":
            out.append(-(-n // s))
        else:
            out.append(max((n - (k - 1) * d - 1) // s + 1, 0))
    features = None if channels is None else channels * _prod(size)
    lead = shape[: len(shape) - nd - 1]
    if data_format == "channels_last":
        return tuple(lead) + tuple(out) + (features,)
    return tuple(lead) + (features,) + tuple(out)


def _prod(values):
    out = 1
    for v in values:
        out *= v
    return out


def _extract_patches_spec(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    data_format = config.standardize_data_format(data_format)
    nd = 3 if isinstance(size, (tuple, list)) and len(size) == 3 else 2
    shape, size, strides, dilation_rate, padding = _patch_args("extract_patches", images, size, strides,
                                                               dilation_rate, padding, data_format, nd)
    return KerasTensor(_patches_shape(shape, size, strides, dilation_rate, padding, data_format), dtype=_dtype(images))


@symbolic_op(_extract_patches_spec)
def extract_patches(images: Any, size: int | tuple, strides: int | tuple | None = None, dilation_rate: int = 1,
                    padding: str = "valid", data_format: str | None = None) -> Any:
    """Patches of ``size`` (2 or 3 dims) every ``strides``, flattened (row-major, channels last) into the channel axis.

    Example:
        >>> ops.image.extract_patches(np.ones((1, 8, 8, 3)), 4).shape   # (1, 2, 2, 48)
    """
    data_format = config.standardize_data_format(data_format)
    if not isinstance(size, int) and not isinstance(size, (tuple, list)):
        raise TypeError(f"extract_patches: `size` must be an int or a tuple. Received type {type(size).__name__}.")
    nd = 3 if isinstance(size, (tuple, list)) and len(size) == 3 else 2
    _, size, strides, dilation_rate, padding = _patch_args("extract_patches", images, size, strides, dilation_rate,
                                                           padding, data_format, nd)
    return B.image.extract_patches(images, size, strides, dilation_rate, padding, data_format=data_format)


def _extract_patches_3d_spec(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    data_format = config.standardize_data_format(data_format)
    shape, size, strides, dilation_rate, padding = _patch_args("extract_patches_3d", volumes, size, strides,
                                                               dilation_rate, padding, data_format, 3)
    return KerasTensor(_patches_shape(shape, size, strides, dilation_rate, padding, data_format), dtype=_dtype(volumes))


@symbolic_op(_extract_patches_3d_spec)
def extract_patches_3d(volumes: Any, size: int | tuple, strides: int | tuple | None = None,
                       dilation_rate: int = 1, padding: str = "valid", data_format: str | None = None) -> Any:
    """3-D patches of volumes (rank 4 or 5), flattened into the channel axis.

    Example:
        >>> ops.image.extract_patches_3d(np.ones((1, 4, 4, 4, 2)), 2).shape   # (1, 2, 2, 2, 16)
    """
    data_format = config.standardize_data_format(data_format)
    _, size, strides, dilation_rate, padding = _patch_args("extract_patches_3d", volumes, size, strides,
                                                           dilation_rate, padding, data_format, 3)
    return B.image.extract_patches(volumes, size, strides, dilation_rate, padding, data_format=data_format)


# ----------------------------------------------------------------------------- filters


def _blur_spec(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    config.standardize_data_format(data_format)
    _pair("gaussian_blur", "kernel_size", kernel_size)
    _pair("gaussian_blur", "sigma", sigma, float)
    return KerasTensor(_images_shape("gaussian_blur", images), dtype=_dtype(images))


@symbolic_op(_blur_spec)
def gaussian_blur(images: Any, kernel_size: tuple = (3, 3), sigma: tuple = (1.0, 1.0),
                  data_format: str | None = None) -> Any:
    """Blur with a normalized Gaussian kernel (zero padding, same size out).

    As Keras, ``kernel_size[0]``/``sigma[0]`` apply along the width and
    ``kernel_size[1]``/``sigma[1]`` along the height.

    Example:
        >>> ops.image.gaussian_blur(images, kernel_size=(5, 5), sigma=(2.0, 2.0))
    """
    data_format = config.standardize_data_format(data_format)
    _images_shape("gaussian_blur", images)
    kernel_size = _pair("gaussian_blur", "kernel_size", kernel_size)
    sigma = _pair("gaussian_blur", "sigma", sigma, float)
    if min(kernel_size) <= 0 or min(sigma) <= 0:
        raise ValueError(f"gaussian_blur: kernel_size and sigma must be positive. Received {kernel_size}, {sigma}.")
    return B.image.gaussian_blur(images, kernel_size, sigma, data_format=data_format)


def _sobel_spec(images, data_format=None):
    data_format = config.standardize_data_format(data_format)
    shape = _images_shape("sobel_edges", images, ranks=(4,))
    return KerasTensor(tuple(shape) + (2,), dtype=_dtype(images))


@symbolic_op(_sobel_spec)
def sobel_edges(images: Any, data_format: str | None = None) -> Any:
    """Sobel gradients (zero padding) of a batch of images, stacked as ``[d/dy, d/dx]`` in a new last axis.

    Example:
        >>> ops.image.sobel_edges(np.ones((1, 8, 8, 3))).shape   # (1, 8, 8, 3, 2)
    """
    _sobel_spec(images, data_format)
    return B.image.sobel_edges(images, data_format=config.standardize_data_format(data_format))


def _ssim_spec(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None):
    config.standardize_data_format(data_format)
    s1 = _images_shape("ssim", image1, "image1")
    s2 = _images_shape("ssim", image2, "image2")
    if len(s1) != len(s2) or any(a is not None and b is not None and a != b for a, b in zip(s1, s2)):
        raise ValueError(f"ssim: image1 and image2 must have the same shape. Received {s1} and {s2}.")
    return KerasTensor(() if len(s1) == 3 else (s1[0],), dtype=_dtype(image1))


@symbolic_op(_ssim_spec)
def ssim(image1: Any, image2: Any, max_val: float = 1.0, filter_size: int = 11, filter_sigma: float = 1.5,
         k1: float = 0.01, k2: float = 0.03, data_format: str | None = None) -> Any:
    """Structural similarity index between two images (or batches), averaged over pixels and channels.

    Uses a ``filter_size`` Gaussian window (valid positions only), so images must
    be at least ``filter_size`` pixels high and wide.

    Example:
        >>> ops.image.ssim(images, images)   # 1.0 per image
    """
    data_format = config.standardize_data_format(data_format)
    _ssim_spec(image1, image2, max_val, filter_size, filter_sigma, k1, k2, data_format)
    shape = _spec.shape_of(image1)
    h_axis, w_axis = _hw_axes(data_format)
    if shape[h_axis] < filter_size or shape[w_axis] < filter_size:
        raise ValueError(
            f"ssim: images of {shape[h_axis]}x{shape[w_axis]} pixels are smaller than filter_size={filter_size}."
        )
    return B.image.ssim(image1, image2, float(max_val), int(filter_size), float(filter_sigma), float(k1), float(k2),
                        data_format=data_format)


def _elastic_spec(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                  seed=None, data_format=None):
    _check_choice("elastic_transform", "interpolation", interpolation, TRANSFORM_INTERPOLATIONS)
    _check_choice("elastic_transform", "fill_mode", fill_mode, FILL_MODES)
    config.standardize_data_format(data_format)
    return KerasTensor(_images_shape("elastic_transform", images), dtype=_dtype(images))


@symbolic_op(_elastic_spec)
def elastic_transform(images: Any, alpha: float = 20.0, sigma: float = 5.0, interpolation: str = "bilinear",
                      fill_mode: str = "reflect", fill_value: float = 0.0, seed: Any = None,
                      data_format: str | None = None) -> Any:
    """Random elastic distortion: each pixel moves by ``alpha`` times Gaussian noise blurred with ``sigma``.

    ``seed`` is an int, a ``lamina.random.SeedGenerator`` or None, as in ``lamina.random``.

    Example:
        >>> ops.image.elastic_transform(images, alpha=10.0, sigma=3.0, seed=1)
    """
    from lamina import random as _random

    _elastic_spec(images, alpha, sigma, interpolation, fill_mode, fill_value, seed, data_format)
    data_format = config.standardize_data_format(data_format)
    shape = _spec.shape_of(images)
    h_axis, w_axis = _hw_axes(data_format)
    batch = shape[0] if len(shape) == 4 else 1
    noise_shape = (2, batch, shape[h_axis], shape[w_axis])
    dtype = _dtype(images)
    noise_dtype = dtype if dtype in ("float16", "bfloat16", "float32", "float64") else config.floatx()
    noise = _random.normal(noise_shape, dtype=noise_dtype, seed=seed)
    return B.image.elastic_transform(images, noise, float(alpha), float(sigma), interpolation=interpolation,
                                     fill_mode=fill_mode, fill_value=fill_value, data_format=data_format)
