"""Image file helpers (``keras.utils.load_img``, ``img_to_array``, ``array_to_img``, ``save_img``).

They need Pillow (``pip install pillow``, the ``lamina[image]`` extra); a clear
ImportError says so when it is missing.

Example:
    >>> img = lamina.utils.load_img("cat.png", target_size=(64, 64))
    >>> x = lamina.utils.img_to_array(img)        # float32 (64, 64, 3)
    >>> lamina.utils.save_img("copy.png", x)
"""

from __future__ import annotations

import io
import os
import pathlib
import warnings

import numpy as np

from lamina import config


def require_pil(what: str):
    """Import ``PIL.Image`` or raise an ImportError that names ``what`` needs it."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - pillow is installed in the test env
        raise ImportError(f"{what} needs Pillow to read and write images; install it with "
                          "`pip install pillow` (or `pip install lamina[image]`).") from None
    return Image


def _resampling(Image):
    methods = getattr(Image, "Resampling", Image)
    return {
        "nearest": methods.NEAREST,
        "bilinear": methods.BILINEAR,
        "bicubic": methods.BICUBIC,
        "hamming": methods.HAMMING,
        "box": methods.BOX,
        "lanczos": methods.LANCZOS,
    }


def _dtype(dtype):
    return config.floatx() if dtype is None else dtype


def array_to_img(x, data_format: str | None = None, scale: bool = True, dtype=None):
    """A rank-3 image array -> a PIL Image (rescaled to 0..255 when ``scale``)."""
    Image = require_pil("array_to_img")
    data_format = config.standardize_data_format(data_format)
    x = np.array(x, dtype=_dtype(dtype))
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected an image array of rank 3 (one image); received shape {x.shape}.")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x /= top
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: expected 1, 3 or 4 channels; received {channels} (shape {x.shape}).")


def img_to_array(img, data_format: str | None = None, dtype=None) -> np.ndarray:
    """A PIL Image (or array) -> a rank-3 NumPy array of ``dtype`` (floatx by default)."""
    data_format = config.standardize_data_format(data_format)
    x = np.asarray(img, dtype=_dtype(dtype))
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    raise ValueError(f"img_to_array: expected an image of rank 2 or 3; received shape {x.shape}.")


def save_img(path, x, data_format: str | None = None, file_format: str | None = None, scale: bool = True,
             **kwargs) -> None:
    """Save an image array to ``path`` (format from the extension unless ``file_format`` is given)."""
    data_format = config.standardize_data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: JPEG cannot store an alpha channel; converting the RGBA image to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format or None, **kwargs)


def open_image(path, what: str = "load_img"):
    """Open an image file (path or BytesIO) fully into memory; clear error when it is not a readable image."""
    Image = require_pil(what)
    if isinstance(path, io.BytesIO):
        data, name = path, "<BytesIO>"
    elif isinstance(path, (str, bytes, os.PathLike)):
        name = os.fsdecode(path)
        with open(name, "rb") as f:
            data = io.BytesIO(f.read())
    else:
        raise TypeError(f"{what}: `path` must be a path or io.BytesIO; received {type(path).__name__}.")
    try:
        img = Image.open(data)
        img.load()
    except Exception as e:  # PIL raises UnidentifiedImageError, OSError, SyntaxError...
        raise ValueError(f"{what}: cannot read the image file {name!r}: {e}") from None
    return img


def convert_mode(img, color_mode: str, what: str):
    """Convert a PIL image to ``color_mode`` ('grayscale', 'rgb', 'rgba') as Keras does."""
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError(f"{what}: `color_mode` must be 'grayscale', 'rgb' or 'rgba'; received {color_mode!r}.")
    return img


def load_img(path, color_mode: str = "rgb", target_size=None, interpolation: str = "nearest",
             keep_aspect_ratio: bool = False):
    """Load an image file as a PIL Image, optionally resized to ``target_size=(height, width)``.

    Example:
        >>> img = load_img("cat.jpg", color_mode="grayscale", target_size=(28, 28))
    """
    Image = require_pil("load_img")
    if isinstance(path, pathlib.Path):
        path = str(path.resolve())
    img = convert_mode(open_image(path, "load_img"), color_mode, "load_img")
    if target_size is not None:
        size = (int(target_size[1]), int(target_size[0]))
        if img.size != size:
            methods = _resampling(Image)
            if interpolation not in methods:
                raise ValueError(f"load_img: unknown interpolation {interpolation!r}; expected one of "
                                 f"{', '.join(methods)}.")
            resample = methods[interpolation]
            if keep_aspect_ratio:
                width, height = img.size
                tw, th = size
                crop_h = min(height, (width * th) // tw)
                crop_w = min(width, (height * tw) // th)
                top = (height - crop_h) // 2
                left = (width - crop_w) // 2
                img = img.resize(size, resample, box=[left, top, left + crop_w, top + crop_h])
            else:
                img = img.resize(size, resample)
    return img
