"""Helpers shared by the ImageNet applications: input preprocessing, decoding
predictions into class names, input-shape validation.

Example:
    >>> from lamina.applications import imagenet_utils
    >>> x = imagenet_utils.preprocess_input(np.full((1, 2, 2, 3), 255.0), mode="tf")
    >>> float(x.max())
    1.0
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from lamina import activations, config, ops
from lamina.applications._weights import find_cached_file

CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"

_CAFFE_MEAN = (103.939, 116.779, 123.68)  # B, G, R
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)
_MODES = ("caffe", "tf", "torch")

_class_index = None


def _check_format(data_format, where: str) -> str:
    if data_format is None:
        return config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"{where}: expected data_format to be 'channels_first' or 'channels_last'; "
                         f"received data_format={data_format!r}.")
    return data_format


def _channel_axis(ndim: int, data_format: str) -> int:
    if data_format == "channels_last":
        return ndim - 1
    return 0 if ndim == 3 else 1


def _preprocess_numpy(x: np.ndarray, data_format: str, mode: str) -> np.ndarray:
    # Like Keras: float arrays are updated in place where the dtype allows it.
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(config.floatx())
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    axis = _channel_axis(x.ndim, data_format)
    shape = [1] * x.ndim
    shape[axis] = 3
    if mode == "torch":
        x /= 255.0
        x -= np.reshape(np.asarray(_TORCH_MEAN, x.dtype), shape)
        x /= np.reshape(np.asarray(_TORCH_STD, x.dtype), shape)
        return x
    x = np.flip(x, axis=axis)  # RGB -> BGR (a view, as in Keras)
    x -= np.reshape(np.asarray(_CAFFE_MEAN, x.dtype), shape)
    return x


def _preprocess_tensor(x, data_format: str, mode: str):
    dtype = x.dtype if "float" in str(x.dtype) else config.floatx()
    x = ops.cast(x, dtype)
    if mode == "tf":
        return x / 127.5 - 1.0
    ndim = len(x.shape)
    axis = _channel_axis(ndim, data_format)
    shape = [1] * ndim
    shape[axis] = 3
    if mode == "torch":
        mean = ops.convert_to_tensor(np.reshape(np.asarray(_TORCH_MEAN), shape), dtype=dtype)
        std = ops.convert_to_tensor(np.reshape(np.asarray(_TORCH_STD), shape), dtype=dtype)
        return (x / 255.0 - mean) / std
    x = ops.flip(x, axis=axis)
    mean = ops.convert_to_tensor(np.reshape(np.asarray(_CAFFE_MEAN), shape), dtype=dtype)
    return x - mean


def preprocess_input(x, data_format: str | None = None, mode: str = "caffe"):
    """Preprocess a batch of images with values in [0, 255].

    ``mode="caffe"``: RGB -> BGR, then subtract the ImageNet channel means;
    ``"tf"``: scale to [-1, 1]; ``"torch"``: scale to [0, 1], then normalize
    each channel with ImageNet's mean and standard deviation. NumPy float
    arrays are modified in place (as in Keras); tensors are not.

    Example:
        >>> preprocess_input(np.zeros((1, 4, 4, 3)), mode="torch").shape
        (1, 4, 4, 3)
    """
    if mode not in _MODES:
        raise ValueError(f"preprocess_input: expected mode to be one of {list(_MODES)}; received mode={mode!r}.")
    data_format = _check_format(data_format, "preprocess_input")
    if isinstance(x, np.ndarray):
        _check_channels(x.shape, data_format, mode)
        return _preprocess_numpy(x, data_format, mode)
    if isinstance(x, (list, tuple)):
        return preprocess_input(np.asarray(x), data_format=data_format, mode=mode)
    _check_channels(tuple(x.shape), data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _check_channels(shape, data_format: str, mode: str) -> None:
    if mode == "tf":
        return
    if len(shape) not in (3, 4):
        raise ValueError(f"preprocess_input: expected a 3D image or a 4D batch of images; received shape {tuple(shape)}.")
    channels = shape[_channel_axis(len(shape), data_format)]
    if channels is not None and channels != 3:
        raise ValueError(f"preprocess_input (mode={mode!r}): expected 3 color channels on the "
                         f"{data_format} channel axis; received shape {tuple(shape)}.")


def _load_class_index() -> dict:
    global _class_index
    if _class_index is None:
        path = find_cached_file(CLASS_INDEX_FILE, what="decode_predictions: the ImageNet class index",
                                url=CLASS_INDEX_URL)
        with open(path, encoding="utf-8") as f:
            _class_index = json.load(f)
    return _class_index


def decode_predictions(preds, top: int = 5) -> list:
    """Decode a batch of ImageNet predictions ``(samples, 1000)`` into the top classes.

    Returns one list per sample of ``(class_name, class_description, score)``
    tuples, best first. The class index file ``imagenet_class_index.json`` is
    read from ``~/.keras/models/`` or ``~/.lamina/models/`` (no download).

    Example:
        >>> decode_predictions(np.eye(1000)[:1], top=1)[0][0][:2]
        ('n01440764', 'tench')
    """
    shape = tuple(preds.shape)
    if len(shape) != 2 or shape[1] != 1000:
        raise ValueError("decode_predictions: expected a batch of predictions, a 2D array of shape "
                         f"(samples, 1000); received an array of shape {shape}.")
    index = _load_class_index()
    preds = np.asarray(ops.convert_to_numpy(preds))
    results = []
    for row in preds:
        best = np.argsort(row, kind="stable")[-top:][::-1] if top > 0 else []
        entries = [tuple(index[str(int(i))]) + (row[i],) for i in best]
        entries.sort(key=lambda e: e[2], reverse=True)
        results.append(entries)
    return results


def obtain_input_shape(input_shape, default_size: int, min_size: int, data_format: str,
                       require_flatten: bool, weights=None) -> tuple:
    """Validate a model's ``input_shape`` (or choose the default) as Keras's applications do.

    Example:
        >>> obtain_input_shape(None, 224, 32, "channels_last", require_flatten=True)
        (224, 224, 3)
    """
    if input_shape is not None:
        input_shape = tuple(input_shape)
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in (1, 3):
            warnings.warn(f"This model usually expects 1 or 3 input channels; received input_shape={input_shape} "
                          f"with {channels} channels.", stacklevel=2)
        default_shape = ((channels, default_size, default_size) if channels_first
                         else (default_size, default_size, channels))
    else:
        default_shape = (3, default_size, default_size) if channels_first else (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError("When setting `include_top=True` and loading 'imagenet' weights, `input_shape` "
                             f"should be {default_shape}; received input_shape={input_shape}.")
        return default_shape
    if input_shape is not None:
        if len(input_shape) != 3:
            raise ValueError(f"`input_shape` must be a tuple of three integers; received input_shape={input_shape}.")
        channels = input_shape[0] if channels_first else input_shape[-1]
        spatial = input_shape[1:] if channels_first else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels to use 'imagenet' weights; received "
                             f"input_shape={input_shape}.")
        if any(d is not None and d < min_size for d in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; received input_shape={input_shape}.")
    else:
        if require_flatten:
            input_shape = default_shape
        else:
            input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`; "
                         f"received input_shape={input_shape}.")
    return input_shape


def correct_pad(inputs, kernel_size) -> tuple:
    """The ``ZeroPadding2D`` padding that makes a strided 'valid' convolution match TF's 'same'."""
    axis = 2 if config.image_data_format() == "channels_first" else 1
    size = tuple(inputs.shape)[axis:axis + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    half = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def validate_activation(classifier_activation, weights) -> None:
    """With pretrained ``weights``, only ``None`` and ``"softmax"`` classifier activations are allowed."""
    if weights is None:
        return
    fn = activations.get(classifier_activation)
    if fn not in (activations.get("softmax"), activations.get(None)):
        raise ValueError("Only `None` and 'softmax' are allowed as `classifier_activation` when loading "
                         f"pretrained weights with include_top=True; received "
                         f"classifier_activation={classifier_activation!r}.")
