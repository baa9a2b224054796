"""Legacy image augmentation (``keras.preprocessing.image`` of Keras 2): ImageDataGenerator and its iterators.

Kept for the many tutorials that use it; new code should prefer the random
augmentation layers (``RandomRotation``, ``RandomFlip`` ...) and
``lamina.utils.image_dataset_from_directory``. The iterators returned by
``flow``, ``flow_from_directory`` and ``flow_from_dataframe`` are PyDatasets
(``fit`` accepts them directly); iterating one by hand with ``next()`` or a
``for`` loop cycles through the data forever, as in Keras 2.

Geometric transforms (rotation, shifts, shear, zoom) use
``scipy.ndimage.affine_transform`` (needs SciPy); brightness and file
reading need Pillow; ``flow_from_dataframe`` needs pandas.

Example:
    >>> gen = ImageDataGenerator(rotation_range=20, horizontal_flip=True, rescale=1 / 255,
    ...                          validation_split=0.2)
    >>> train = gen.flow_from_directory("photos", target_size=(64, 64), subset="training")
    >>> model.fit(train, epochs=3)
"""

from __future__ import annotations

import collections
import math
import os
import threading
import warnings

import numpy as np

from lamina import config
from lamina.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from lamina.utils.py_dataset import PyDataset

__all__ = [
    "ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator", "DataFrameIterator",
    "apply_affine_transform", "apply_brightness_shift", "apply_channel_shift", "flip_axis",
    "random_rotation", "random_shift", "random_shear", "random_zoom", "random_channel_shift", "random_brightness",
    "load_img", "img_to_array", "array_to_img", "save_img",
]

WHITE_LIST_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")


def _scipy_ndimage(what):
    try:
        from scipy import ndimage
    except ImportError:  # pragma: no cover - scipy is installed in the test env
        raise ImportError(f"{what} needs SciPy for rotations, shifts, shears and zooms (`pip install scipy`).") \
            from None
    return ndimage


# ---------------------------------------------------------------------------------------------- transforms
def flip_axis(x, axis: int) -> np.ndarray:
    """Reverse ``x`` along ``axis``."""
    return np.flip(np.asarray(x), axis)


def _centered(matrix, height, width):
    """Conjugate a homogeneous 3x3 matrix so that it acts around the image centre."""
    cy, cx = height / 2 - 0.5, width / 2 - 0.5
    to_centre = np.array([[1, 0, cy], [0, 1, cx], [0, 0, 1]], dtype="float64")
    back = np.array([[1, 0, -cy], [0, 1, -cx], [0, 0, 1]], dtype="float64")
    return to_centre @ matrix @ back


def apply_affine_transform(x, theta: float = 0, tx: float = 0, ty: float = 0, shear: float = 0, zx: float = 1,
                           zy: float = 1, row_axis: int = 1, col_axis: int = 2, channel_axis: int = 0,
                           fill_mode: str = "nearest", cval: float = 0.0, order: int = 1) -> np.ndarray:
    """Rotate (degrees), shift (pixels: ``tx`` along rows, ``ty`` along columns), shear (degrees) and zoom one image.

    The output pixel at ``p`` samples the input at ``M @ p`` where ``M`` is
    rotation @ shift @ shear @ zoom around the image centre (Keras 2's convention).
    """
    if sorted((row_axis, col_axis, channel_axis)) != [0, 1, 2]:
        raise ValueError(f"apply_affine_transform: row_axis, col_axis and channel_axis must be 0, 1 and 2 in some "
                         f"order; received {row_axis}, {col_axis}, {channel_axis}.")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"apply_affine_transform: expected one image of rank 3; received shape {x.shape}.")
    if channel_axis not in (0, 2):
        raise ValueError(f"apply_affine_transform: channel_axis must be 0 or 2; received {channel_axis}.")
    parts = []
    if theta:
        a = np.deg2rad(theta)
        parts.append(np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]]))
    if tx or ty:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], dtype="float64"))
    if shear:
        s = np.deg2rad(shear)
        parts.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]], dtype="float64"))
    if not parts:
        return x
    matrix = parts[0]
    for part in parts[1:]:
        matrix = matrix @ part
    matrix = _centered(matrix, x.shape[row_axis], x.shape[col_axis])
    if col_axis > row_axis:  # Keras 2 swaps the two spatial coordinates here (so tx moves along columns)
        matrix = matrix[[1, 0, 2]][:, [1, 0, 2]]
    ndimage = _scipy_ndimage("apply_affine_transform")
    channels = np.moveaxis(x, channel_axis, 0)
    out = np.stack([ndimage.affine_transform(c, matrix[:2, :2], matrix[:2, 2], order=order, mode=fill_mode,
                                             cval=cval) for c in channels])
    return np.moveaxis(out, 0, channel_axis)


def apply_channel_shift(x, intensity: float, channel_axis: int = 0) -> np.ndarray:
    """Add ``intensity`` to every channel, clipped to the image's original [min, max]."""
    x = np.asarray(x)
    lo, hi = np.min(x), np.max(x)
    return np.clip(x + intensity, lo, hi)


def apply_brightness_shift(x, brightness: float, scale: bool = True) -> np.ndarray:
    """Scale the brightness by ``brightness`` with Pillow's ImageEnhance (1.0 keeps the image)."""
    from lamina.utils.image_utils import require_pil

    require_pil("apply_brightness_shift")
    from PIL import ImageEnhance

    x = np.asarray(x)
    lo, hi = np.min(x), np.max(x)
    out_of_range = lo < 0 or hi > 255
    img = array_to_img(x, scale=out_of_range or scale)
    out = img_to_array(ImageEnhance.Brightness(img).enhance(brightness))
    if out_of_range and not scale:
        out = out / 255 * (hi - lo) + lo
    return out


def _spatial_axes(row_axis, col_axis, channel_axis):
    return dict(row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                    interpolation_order=1):
    """Rotate by a uniform random angle in ``[-rg, rg]`` degrees."""
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, fill_mode=fill_mode, cval=cval, order=interpolation_order,
                                  **_spatial_axes(row_axis, col_axis, channel_axis))


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shift by uniform random fractions ``hrg`` of the height and ``wrg`` of the width."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, fill_mode=fill_mode, cval=cval, order=interpolation_order,
                                  **_spatial_axes(row_axis, col_axis, channel_axis))


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shear by a uniform random angle in ``[-intensity, intensity]`` degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, fill_mode=fill_mode, cval=cval, order=interpolation_order,
                                  **_spatial_axes(row_axis, col_axis, channel_axis))


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                interpolation_order=1):
    """Zoom by uniform random factors drawn from ``zoom_range=(lower, upper)`` (one per axis)."""
    if len(zoom_range) != 2:
        raise ValueError(f"random_zoom: `zoom_range` must be a pair (lower, upper); received {zoom_range!r}.")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, fill_mode=fill_mode, cval=cval, order=interpolation_order,
                                  **_spatial_axes(row_axis, col_axis, channel_axis))


def random_channel_shift(x, intensity_range, channel_axis=0):
    """``apply_channel_shift`` with a uniform random intensity in ``[-intensity_range, intensity_range]``."""
    return apply_channel_shift(x, np.random.uniform(-intensity_range, intensity_range), channel_axis)


def random_brightness(x, brightness_range, scale=True):
    """``apply_brightness_shift`` with a uniform random factor from ``brightness_range=(lower, upper)``."""
    if len(brightness_range) != 2:
        raise ValueError(f"random_brightness: `brightness_range` must be a pair (lower, upper); received "
                         f"{brightness_range!r}.")
    return apply_brightness_shift(x, np.random.uniform(brightness_range[0], brightness_range[1]), scale)


# ---------------------------------------------------------------------------------------------- generator
def _draw_shift(rng, spec, size):
    """A shift in pixels from a ``*_shift_range`` spec (float fraction, int pixels, or list of choices)."""
    if isinstance(spec, (int, np.integer)) or (not np.isscalar(spec)):
        shift = rng.choice(spec) * rng.choice([-1, 1])
    else:
        shift = rng.uniform(-spec, spec)
    if np.max(spec) < 1:
        shift *= size
    return shift


class ImageDataGenerator:
    """Real-time image augmentation and normalization for batches of images (Keras 2's legacy API).

    Args (as Keras 2): featurewise_center, samplewise_center,
        featurewise_std_normalization, samplewise_std_normalization,
        zca_whitening, zca_epsilon, rotation_range (degrees),
        width_shift_range / height_shift_range (fraction if < 1, pixels
        otherwise, or a list of allowed values), brightness_range,
        shear_range (degrees), zoom_range (float or [lower, upper]),
        channel_shift_range, fill_mode ('constant', 'nearest', 'reflect',
        'wrap'), cval, horizontal_flip, vertical_flip, rescale,
        preprocessing_function, data_format, validation_split,
        interpolation_order, dtype.
    """

    def __init__(self, featurewise_center: bool = False, samplewise_center: bool = False,
                 featurewise_std_normalization: bool = False, samplewise_std_normalization: bool = False,
                 zca_whitening: bool = False, zca_epsilon: float = 1e-6, rotation_range: float = 0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range: float = 0.0,
                 zoom_range=0.0, channel_shift_range: float = 0.0, fill_mode: str = "nearest", cval: float = 0.0,
                 horizontal_flip: bool = False, vertical_flip: bool = False, rescale=None,
                 preprocessing_function=None, data_format: str | None = None, validation_split: float = 0.0,
                 interpolation_order: int = 1, dtype=None):
        where = "ImageDataGenerator"
        data_format = config.image_data_format() if data_format is None else data_format
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{where}: `data_format` must be 'channels_last' or 'channels_first'; received "
                             f"{data_format!r}.")
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"{where}: `validation_split` must be strictly between 0 and 1; received "
                             f"{validation_split}.")
        if fill_mode not in ("constant", "nearest", "reflect", "wrap"):
            raise ValueError(f"{where}: `fill_mode` must be 'constant', 'nearest', 'reflect' or 'wrap'; received "
                             f"{fill_mode!r}.")
        if isinstance(zoom_range, (int, float)):
            zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif isinstance(zoom_range, (list, tuple)) and len(zoom_range) == 2 and all(
                isinstance(v, (int, float)) for v in zoom_range):
            zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"{where}: `zoom_range` must be a float or a pair of floats; received {zoom_range!r}.")
        if brightness_range is not None and (not isinstance(brightness_range, (list, tuple))
                                             or len(brightness_range) != 2):
            raise ValueError(f"{where}: `brightness_range` must be a pair of floats; received {brightness_range!r}.")
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.brightness_range = brightness_range
        self.shear_range = shear_range
        self.zoom_range = zoom_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.data_format = data_format
        self.dtype = config.floatx() if dtype is None else dtype
        self.interpolation_order = interpolation_order
        self._validation_split = validation_split
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None
        # Options that imply others, as Keras 2 (with the same warnings).
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn(f"{where}: zca_whitening=True turns on featurewise_center.", stacklevel=2)
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn(f"{where}: zca_whitening=True turns off featurewise_std_normalization.",
                              stacklevel=2)
        if self.featurewise_std_normalization and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn(f"{where}: featurewise_std_normalization=True turns on featurewise_center.", stacklevel=2)
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn(f"{where}: samplewise_std_normalization=True turns on samplewise_center.", stacklevel=2)

    # -- iterators
    def flow(self, x, y=None, batch_size: int = 32, shuffle: bool = True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix: str = "", save_format: str = "png", ignore_class_split: bool = False,
             subset=None) -> "NumpyArrayIterator":
        """Batches of augmented images from arrays ``x`` (rank 4) and optional labels ``y``."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
                                  seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode: str = "rgb", classes=None,
                            class_mode: str | None = "categorical", batch_size: int = 32, shuffle: bool = True,
                            seed=None, save_to_dir=None, save_prefix: str = "", save_format: str = "png",
                            follow_links: bool = False, subset=None, interpolation: str = "nearest",
                            keep_aspect_ratio: bool = False) -> "DirectoryIterator":
        """Batches of augmented images read from class subfolders of ``directory``."""
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                 data_format=self.data_format, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, keep_aspect_ratio=keep_aspect_ratio, dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory=None, x_col: str = "filename", y_col="class",
                            weight_col=None, target_size=(256, 256), color_mode: str = "rgb", classes=None,
                            class_mode: str | None = "categorical", batch_size: int = 32, shuffle: bool = True,
                            seed=None, save_to_dir=None, save_prefix: str = "", save_format: str = "png",
                            subset=None, interpolation: str = "nearest", validate_filenames: bool = True,
                            **kwargs) -> "DataFrameIterator":
        """Batches of augmented images whose file names (and labels) come from a pandas DataFrame."""
        for old in ("has_ext", "sort", "drop_duplicates"):
            if old in kwargs:
                warnings.warn(f"flow_from_dataframe: `{old}` is deprecated and ignored.", DeprecationWarning,
                              stacklevel=2)
                kwargs.pop(old)
        if kwargs:
            raise TypeError(f"flow_from_dataframe: unrecognized keyword arguments {sorted(kwargs)}.")
        if class_mode == "other":
            warnings.warn("flow_from_dataframe: class_mode='other' is deprecated; use 'raw'.", DeprecationWarning,
                          stacklevel=2)
            class_mode = "raw"
        return DataFrameIterator(dataframe, directory, self, x_col=x_col, y_col=y_col, weight_col=weight_col,
                                 target_size=target_size, color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, subset=subset, interpolation=interpolation,
                                 validate_filenames=validate_filenames, dtype=self.dtype)

    # -- per-image work
    def standardize(self, x):
        """Apply preprocessing_function, rescale, sample-/feature-wise normalization and ZCA (in place when possible)."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is None:
                warnings.warn("ImageDataGenerator: featurewise_center is set but the generator was not fit; call "
                              "`.fit(x_train)` first.", stacklevel=2)
            else:
                x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                warnings.warn("ImageDataGenerator: featurewise_std_normalization is set but the generator was not "
                              "fit; call `.fit(x_train)` first.", stacklevel=2)
            else:
                x /= self.std + 1e-6
        if self.zca_whitening:
            if self.zca_whitening_matrix is None:
                warnings.warn("ImageDataGenerator: zca_whitening is set but the generator was not fit; call "
                              "`.fit(x_train)` first.", stacklevel=2)
            else:
                flat = x.reshape(-1, math.prod(x.shape[-3:]))
                x = (flat @ self.zca_whitening_matrix).reshape(x.shape)
        return x

    def get_random_transform(self, img_shape, seed=None, _rng=None) -> dict:
        """Draw the parameters of one random transform for an image of ``img_shape`` (see ``apply_transform``).

        With a ``seed``, the draws equal Keras 2's for the same seed.
        """
        rng = _rng if _rng is not None else (np.random if seed is None else np.random.RandomState(seed))
        rows, cols = img_shape[self.row_axis - 1], img_shape[self.col_axis - 1]
        theta = rng.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = _draw_shift(rng, self.height_shift_range, rows) if self.height_shift_range else 0
        ty = _draw_shift(rng, self.width_shift_range, cols) if self.width_shift_range else 0
        shear = rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_h = (rng.random_sample() < 0.5) * self.horizontal_flip
        flip_v = (rng.random_sample() < 0.5) * self.vertical_flip
        shift = None
        if self.channel_shift_range != 0:
            shift = rng.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = rng.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy, "flip_horizontal": flip_h,
                "flip_vertical": flip_v, "channel_shift_intensity": shift, "brightness": brightness}

    def apply_transform(self, x, transform_parameters: dict):
        """Apply the transform described by ``transform_parameters`` (keys as ``get_random_transform``) to one image."""
        p = transform_parameters
        rows, cols, chans = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        x = apply_affine_transform(x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0), p.get("shear", 0),
                                   p.get("zx", 1), p.get("zy", 1), row_axis=rows, col_axis=cols, channel_axis=chans,
                                   fill_mode=self.fill_mode, cval=self.cval, order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], chans)
        if p.get("flip_horizontal", False):
            x = flip_axis(x, cols)
        if p.get("flip_vertical", False):
            x = flip_axis(x, rows)
        if p.get("brightness") is not None:
            x = apply_brightness_shift(x, p["brightness"], False)
        return x

    def random_transform(self, x, seed=None):
        """One image, randomly transformed."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def fit(self, x, augment: bool = False, rounds: int = 1, seed=None) -> None:
        """Compute the featurewise mean/std (and ZCA matrix) from sample images ``x`` (rank 4), after ``rescale``."""
        x = np.array(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit: expected images of rank 4 (batch, ...); received shape "
                             f"{x.shape}.")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(f"ImageDataGenerator.fit: expected 1, 3 or 4 channels on axis {self.channel_axis} "
                          f"({self.data_format}); received shape {x.shape}.", stacklevel=2)
        rng = np.random.RandomState(seed) if seed is not None else np.random
        if self.rescale:
            x *= self.rescale
        if augment:
            x = np.stack([self.apply_transform(img, self.get_random_transform(img.shape, _rng=rng))
                          for _ in range(rounds) for img in x]).astype(self.dtype)
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.mean(x, axis=axes).reshape(shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=axes).reshape(shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            flat = x.reshape(len(x), -1)
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            scale = np.sqrt(len(x)) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * scale) @ u.T


# ---------------------------------------------------------------------------------------------- iterators
class Iterator(PyDataset):
    """Base of the legacy image iterators: a PyDataset of batches that ``next()`` also cycles through forever.

    Subclasses implement ``_get_batches_of_transformed_samples(index_array)``.
    """

    white_list_formats = WHITE_LIST_FORMATS

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"{type(self).__name__}: `batch_size` must be a positive integer; received "
                             f"{batch_size!r}.")
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self._epoch = 0

    def _rng(self, offset: int):
        return np.random if self.seed is None else np.random.RandomState((self.seed + offset) % (2**32))

    def _set_index_array(self) -> None:
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = self._rng(self._epoch * 7919).permutation(self.n)

    def __len__(self) -> int:
        return (self.n + self.batch_size - 1) // self.batch_size

    def __getitem__(self, idx: int):
        """Batch ``idx`` of the current epoch."""
        if not 0 <= idx < len(self):
            raise IndexError(f"{type(self).__name__}: batch index {idx} out of range for {len(self)} batches.")
        if self.index_array is None:
            self._set_index_array()
        rng = self._rng(self.total_batches_seen)
        self.total_batches_seen += 1
        return self._get_batches_of_transformed_samples(self.index_array[idx * self.batch_size:
                                                                         (idx + 1) * self.batch_size], rng)

    def on_epoch_end(self) -> None:
        """Reshuffle for the next epoch."""
        self._epoch += 1
        self._set_index_array()

    def reset(self) -> None:
        """Restart ``next()`` from the first batch."""
        self.batch_index = 0

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            if self.batch_index == 0:
                if self.total_batches_seen:
                    self._epoch += 1
                self._set_index_array()
            idx = self.batch_index
            self.batch_index = (self.batch_index + 1) % max(len(self), 1)
            rng = self._rng(self.total_batches_seen)
            self.total_batches_seen += 1
            indices = self.index_array[idx * self.batch_size:(idx + 1) * self.batch_size]
        return self._get_batches_of_transformed_samples(indices, rng)

    def _get_batches_of_transformed_samples(self, index_array, rng=np.random):
        raise NotImplementedError(f"{type(self).__name__} must implement _get_batches_of_transformed_samples.")

    def _save(self, batch_x, index_array, rng):
        if not self.save_to_dir:
            return
        for i, j in enumerate(index_array):
            img = array_to_img(batch_x[i], self.data_format, scale=True)
            img.save(os.path.join(self.save_to_dir,
                                  f"{self.save_prefix}_{j}_{rng.randint(10**7)}.{self.save_format}"))


class NumpyArrayIterator(Iterator):
    """Batches of augmented images from in-memory arrays (what ``ImageDataGenerator.flow`` returns)."""

    def __init__(self, x, y, image_data_generator, batch_size: int = 32, shuffle: bool = False, sample_weight=None,
                 seed=None, data_format=None, save_to_dir=None, save_prefix: str = "", save_format: str = "png",
                 subset=None, ignore_class_split: bool = False, dtype=None, **kwargs):
        where = "ImageDataGenerator.flow"
        self.dtype = config.floatx() if dtype is None else dtype
        data_format = config.image_data_format() if data_format is None else data_format
        x_misc = []
        if isinstance(x, (tuple, list)):
            x_misc = list(x[1]) if isinstance(x[1], list) else [x[1]]
            x = x[0]
            for extra in x_misc:
                if len(extra) != len(x):
                    raise ValueError(f"{where}: all arrays in `x` must have the same length; received {len(x)} "
                                     f"and {len(extra)}.")
        if y is not None and len(x) != len(y):
            raise ValueError(f"{where}: `x` (images) and `y` (labels) must have the same length; received "
                             f"{len(x)} and {len(y)}.")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(f"{where}: `x` and `sample_weight` must have the same length; received {len(x)} and "
                             f"{len(sample_weight)}.")
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f"{where}: `subset` must be 'training' or 'validation'; received {subset!r}.")
            cut = int(len(x) * image_data_generator._validation_split)
            if (y is not None and not ignore_class_split
                    and not np.array_equal(np.unique(y[:cut]), np.unique(y[cut:]))):
                raise ValueError(f"{where}: the training and validation subsets hold different classes after the "
                                 "split; shuffle arrays sorted by label first (or pass ignore_class_split=True).")
            part = slice(0, cut) if subset == "validation" else slice(cut, None)
            x, x_misc = x[part], [m[part] for m in x_misc]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        self.x = np.asarray(x, dtype=self.dtype)
        if self.x.ndim != 4:
            raise ValueError(f"{where}: expected images of rank 4 (batch, ...); received shape {self.x.shape}.")
        channels = self.x.shape[3 if data_format == "channels_last" else 1]
        if channels not in (1, 3, 4):
            warnings.warn(f"{where}: expected 1, 3 or 4 channels ({data_format}); received shape {self.x.shape}.",
                          stacklevel=3)
        self.x_misc = [np.asarray(m) for m in x_misc]
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed, **kwargs)

    def _get_batches_of_transformed_samples(self, index_array, rng=np.random):
        gen = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            x = self.x[j]
            x = gen.apply_transform(x.astype(self.dtype), gen.get_random_transform(x.shape, _rng=rng))
            batch_x[i] = gen.standardize(np.array(x, dtype=self.dtype))
        self._save(batch_x, index_array, rng)
        inputs = [batch_x] + [m[index_array] for m in self.x_misc] if self.x_misc else batch_x
        if self.y is None:
            return inputs
        if self.sample_weight is None:
            return inputs, self.y[index_array]
        return inputs, self.y[index_array], self.sample_weight[index_array]


class _FilesIterator(Iterator):
    """Shared file-reading part of DirectoryIterator and DataFrameIterator."""

    def _set_processing(self, generator, target_size, color_mode, data_format, save_to_dir, save_prefix,
                        save_format, subset, interpolation, keep_aspect_ratio, where):
        self.image_data_generator = generator
        self.target_size = tuple(target_size)
        self.keep_aspect_ratio = keep_aspect_ratio
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}
        if color_mode not in channels:
            raise ValueError(f"{where}: `color_mode` must be 'rgb', 'rgba' or 'grayscale'; received "
                             f"{color_mode!r}.")
        self.color_mode = color_mode
        self.data_format = config.image_data_format() if data_format is None else data_format
        c = channels[color_mode]
        self.image_shape = self.target_size + (c,) if self.data_format == "channels_last" else (c,) + self.target_size
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        self.interpolation = interpolation
        self.split = None
        if subset is not None:
            fraction = generator._validation_split if generator is not None else 0
            if subset == "validation":
                self.split = (0, fraction)
            elif subset == "training":
                self.split = (fraction, 1)
            else:
                raise ValueError(f"{where}: `subset` must be 'training' or 'validation'; received {subset!r}.")
        self.subset = subset

    def _get_batches_of_transformed_samples(self, index_array, rng=np.random):
        gen = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            path = self.filepaths[j]
            img = load_img(path, color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, data_format=self.data_format, dtype=self.dtype)
            if gen is not None:
                x = gen.apply_transform(x, gen.get_random_transform(x.shape, _rng=rng))
                x = gen.standardize(np.array(x, dtype=self.dtype))
            batch_x[i] = x
        self._save(batch_x, index_array, rng)
        mode = self.class_mode
        if mode == "input":
            y = batch_x.copy()
        elif mode in ("binary", "sparse"):
            y = self.classes[index_array].astype(self.dtype)
        elif mode == "categorical":
            y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            for i, j in enumerate(index_array):
                y[i, self.classes[j]] = 1.0
        elif mode == "multi_output":
            y = [out[index_array] for out in self.labels]
        elif mode == "raw":
            y = self.labels[index_array]
        else:
            return batch_x
        if self.sample_weight is None:
            return batch_x, y
        return batch_x, y, self.sample_weight[index_array]

    @property
    def filepaths(self) -> list:
        """Full paths of the images, in sample order."""
        return self._filepaths


def _valid_files(folder, formats, follow_links):
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda item: item[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield root, name


class DirectoryIterator(_FilesIterator):
    """Batches of augmented images from class subfolders (what ``flow_from_directory`` returns).

    ``classes`` lists class indices per file, ``class_indices`` maps names to
    indices, ``filenames`` are paths relative to ``directory``.
    """

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode: str = "rgb",
                 classes=None, class_mode: str | None = "categorical", batch_size: int = 32, shuffle: bool = True,
                 seed=None, data_format=None, save_to_dir=None, save_prefix: str = "", save_format: str = "png",
                 follow_links: bool = False, subset=None, interpolation: str = "nearest",
                 keep_aspect_ratio: bool = False, dtype=None, **kwargs):
        where = "flow_from_directory"
        self.dtype = config.floatx() if dtype is None else dtype
        self._set_processing(image_data_generator, target_size, color_mode, data_format, save_to_dir, save_prefix,
                             save_format, subset, interpolation, keep_aspect_ratio, where)
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"{where}: `class_mode` must be one of 'categorical', 'binary', 'sparse', 'input' or "
                             f"None; received {class_mode!r}.")
        directory = os.fspath(directory)
        if not os.path.isdir(directory):
            raise ValueError(f"{where}: directory {directory!r} does not exist or is not a directory.")
        self.directory = directory
        self.class_mode = class_mode
        if not classes:
            classes = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))]
        if not classes:
            raise ValueError(f"{where}: {directory!r} has no subdirectories; put the images of each class in "
                             "their own folder (use class_mode=None with a single folder of unlabelled images).")
        self.num_classes = len(classes)
        self.class_indices = {name: i for i, name in enumerate(classes)}
        self.filenames, labels = [], []
        for name in classes:
            folder = os.path.join(directory, name)
            files = list(_valid_files(folder, self.white_list_formats, follow_links))
            if self.split:
                files = files[int(self.split[0] * len(files)):int(self.split[1] * len(files))]
            for root, fname in files:
                self.filenames.append(os.path.join(name, os.path.relpath(os.path.join(root, fname), folder)))
                labels.append(self.class_indices[name])
        self.samples = len(self.filenames)
        self.classes = np.asarray(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed, **kwargs)

    @property
    def labels(self):
        """Class index of every image."""
        return self.classes

    @property
    def sample_weight(self):
        return None


class DataFrameIterator(_FilesIterator):
    """Batches of augmented images listed in a pandas DataFrame (what ``flow_from_dataframe`` returns)."""

    allowed_class_modes = {"binary", "categorical", "input", "multi_output", "raw", "sparse", None}

    def __init__(self, dataframe, directory=None, image_data_generator=None, x_col: str = "filename",
                 y_col="class", weight_col=None, target_size=(256, 256), color_mode: str = "rgb", classes=None,
                 class_mode: str | None = "categorical", batch_size: int = 32, shuffle: bool = True, seed=None,
                 data_format="channels_last", save_to_dir=None, save_prefix: str = "", save_format: str = "png",
                 subset=None, interpolation: str = "nearest", keep_aspect_ratio: bool = False, dtype="float32",
                 validate_filenames: bool = True, **kwargs):
        where = "flow_from_dataframe"
        try:
            import pandas  # noqa: F401
        except ImportError:  # pragma: no cover - pandas is installed in the test env
            raise ImportError(f"{where} needs pandas (`pip install pandas`).") from None
        self.dtype = dtype
        self._set_processing(image_data_generator, target_size, color_mode, data_format, save_to_dir, save_prefix,
                             save_format, subset, interpolation, keep_aspect_ratio, where)
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"{where}: `class_mode` must be one of {sorted(map(str, self.allowed_class_modes))}; "
                             f"received {class_mode!r}.")
        self.class_mode = class_mode
        self.directory = "" if directory is None else os.fspath(directory)
        df = dataframe.copy()
        self._check(df, x_col, y_col, weight_col, classes, where)
        if validate_filenames:
            paths = df[x_col].map(lambda f: os.path.join(self.directory, f))
            ok = paths.map(lambda p: p.lower().endswith(self.white_list_formats) and os.path.isfile(p))
            if (~ok).sum():
                warnings.warn(f"{where}: found {int((~ok).sum())} invalid image file name(s) in x_col={x_col!r}; "
                              "they are ignored.", stacklevel=3)
            df = df[ok.values]
        labelled = class_mode not in ("input", "multi_output", "raw", None)
        if labelled:
            df, classes = self._filter_classes(df, y_col, classes)
            self.class_indices = {name: i for i, name in enumerate(classes)}
        if self.split:
            df = df.iloc[int(self.split[0] * len(df)):int(self.split[1] * len(df))]
        if labelled:
            self.classes = self._class_ids(df[y_col])
        self.filenames = df[x_col].tolist()
        self._sample_weight = df[weight_col].values if weight_col else None
        if class_mode == "multi_output":
            self._targets = [np.array(df[col].tolist()) for col in y_col]
        elif class_mode == "raw":
            self._targets = df[y_col].values
        self.samples = len(self.filenames)
        kind = "validated" if validate_filenames else "non-validated"
        if labelled:
            print(f"Found {self.samples} {kind} image filenames belonging to {len(classes)} classes.")
        else:
            print(f"Found {self.samples} {kind} image filenames.")
        self._filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed, **kwargs)

    def _check(self, df, x_col, y_col, weight_col, classes, where):
        mode = self.class_mode
        if mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(f"{where}: class_mode='multi_output' needs `y_col` to be a list of columns; received "
                            f"{type(y_col).__name__}.")
        if not all(isinstance(v, str) for v in df[x_col]):
            raise TypeError(f"{where}: the x_col={x_col!r} column must hold file names (str).")
        if mode in ("binary", "sparse") and not all(isinstance(v, str) for v in df[y_col]):
            raise TypeError(f"{where}: class_mode={mode!r} needs the y_col={y_col!r} column to hold class names "
                            "(str).")
        if mode == "binary":
            count = len(classes) if classes else df[y_col].nunique()
            if count != 2:
                raise ValueError(f"{where}: class_mode='binary' needs exactly 2 classes; found {count}.")
        if mode == "categorical" and not all(isinstance(v, (str, list, tuple)) for v in df[y_col]):
            raise TypeError(f"{where}: class_mode='categorical' needs the y_col={y_col!r} column to hold str, list "
                            "or tuple values.")
        if classes and mode in ("input", "multi_output", "raw", None):
            warnings.warn(f"{where}: `classes` is ignored with class_mode={mode!r}.", stacklevel=4)
        if weight_col and not np.issubdtype(df[weight_col].dtype, np.number):
            raise TypeError(f"{where}: the weight_col={weight_col!r} column must be numeric.")

    @staticmethod
    def _filter_classes(df, y_col, classes):
        df = df.copy()
        if classes:
            classes = list(collections.OrderedDict.fromkeys(classes))
            keep = set(classes)

            def only_known(label):
                if isinstance(label, (list, tuple)):
                    kept = [c for c in label if c in keep]
                    return kept or None
                return label if label in keep else None

            df[y_col] = df[y_col].apply(only_known)
        else:
            found = set()
            for label in df[y_col]:
                if isinstance(label, (list, tuple)):
                    found.update(label)
                else:
                    found.add(label)
            classes = sorted(found)
        return df.dropna(subset=[y_col]), classes

    def _class_ids(self, column):
        out = []
        for label in column:
            if isinstance(label, (list, tuple)):
                out.append([self.class_indices[c] for c in label])
            else:
                out.append(self.class_indices[label])
        return out

    def _get_batches_of_transformed_samples(self, index_array, rng=np.random):
        if self.class_mode in ("binary", "sparse") and not isinstance(self.classes, np.ndarray):
            self.classes = np.asarray(self.classes)
        return super()._get_batches_of_transformed_samples(index_array, rng)

    @property
    def labels(self):
        """Targets: class indices, or the raw/multi-output columns."""
        if self.class_mode in ("multi_output", "raw"):
            return self._targets
        return self.classes

    @property
    def sample_weight(self):
        return self._sample_weight
