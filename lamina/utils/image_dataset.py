"""``image_dataset_from_directory``: batches of images (and labels from folder names) read from disk.

Returns a :class:`~lamina.utils.batch_dataset.BatchDataset` (a PyDataset that
``fit`` accepts directly) instead of Keras's ``tf.data.Dataset``; see that
module for the ``map``/``take``/``cache``/... conveniences. Images are decoded
with Pillow and resized with ``lamina.ops.image.resize`` (float32 output, as
Keras). Needs Pillow.

Example:
    >>> train, val = lamina.utils.image_dataset_from_directory(
    ...     "flowers", validation_split=0.2, subset="both", seed=1, image_size=(64, 64))
    >>> train.class_names
    ['daisy', 'rose']
"""

from __future__ import annotations

import numpy as np

from lamina import config
from lamina.utils import directory_index
from lamina.utils.image_utils import convert_mode, open_image, require_pil

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")
_WHERE = "image_dataset_from_directory"


def _decode(path, color_mode, image_size, interpolation, crop, pad, data_format):
    from lamina import ops

    img = convert_mode(open_image(path, _WHERE), color_mode, _WHERE)
    x = np.asarray(img, dtype="float32")
    if x.ndim == 2:
        x = x[:, :, None]
    if x.shape[:2] != tuple(image_size) or crop or pad:
        x = ops.convert_to_numpy(ops.image.resize(x, tuple(image_size), interpolation=interpolation,
                                                  crop_to_aspect_ratio=crop, pad_to_aspect_ratio=pad,
                                                  data_format="channels_last"))
        x = np.asarray(x, dtype="float32")
    if data_format == "channels_first":
        x = x.transpose(2, 0, 1)
    return x


def image_dataset_from_directory(directory, labels="inferred", label_mode: str | None = "int", class_names=None,
                                 color_mode: str = "rgb", batch_size: int | None = 32, image_size=(256, 256),
                                 shuffle: bool = True, seed: int | None = None,
                                 validation_split: float | None = None, subset: str | None = None,
                                 interpolation: str = "bilinear", follow_links: bool = False,
                                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                                 data_format: str | None = None, format: str = "tf", verbose: bool = True):
    """Images in class subfolders of ``directory`` -> a dataset of ``(images, labels)`` batches.

    Labels: ``label_mode='int'`` int32 ``(batch,)``, ``'categorical'`` one-hot
    float32, ``'binary'`` float32 ``(batch, 1)``, None for images only.
    ``subset='both'`` returns ``[train, validation]``.
    """
    require_pil(_WHERE)
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}
    if color_mode not in channels:
        raise ValueError(f"{_WHERE}: `color_mode` must be 'rgb', 'rgba' or 'grayscale'; received {color_mode!r}.")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"{_WHERE}: `image_size` must be a tuple of 2 integers; received {image_size!r}.")
    interpolation = interpolation.lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{_WHERE}: `interpolation` must be one of {_INTERPOLATIONS}; received {interpolation!r}.")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{_WHERE}: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True.")
    if format not in ("tf", "grain"):
        raise ValueError(f"{_WHERE}: `format` must be 'tf' or 'grain'; received {format!r}.")
    data_format = config.standardize_data_format(data_format)
    size = (int(image_size[0]), int(image_size[1]))

    def load(paths):
        return np.stack([_decode(p, color_mode, size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio,
                                 data_format) for p in paths])

    return directory_index.build_datasets(
        directory, load, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
        follow_links, verbose, ALLOWLIST_FORMATS, _WHERE, what="images")
