"""MobileNet (Howard et al., 2017): depthwise-separable convolutions with a width multiplier.

Layer names, weight shapes and creation order follow ``keras.applications.mobilenet``,
so Keras's weight files (``.weights.h5`` and the legacy ImageNet ``.h5``) load.

Example:
    >>> model = lamina.applications.MobileNet(weights=None, alpha=0.25, input_shape=(32, 32, 3), classes=10)
"""

from __future__ import annotations

import warnings

from lamina import config, layers
from lamina.applications import imagenet_utils
from lamina.applications._weights import check_weights_argument, load_application_weights, model_inputs
from lamina.models.functional import Functional

__all__ = ["MobileNet", "preprocess_input", "decode_predictions"]

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
_IMAGENET_SIZES = (128, 160, 192, 224)
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
# (pointwise filters, strides) of depthwise blocks 1..13.
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1),
           (512, 1), (512, 1), (1024, 2), (1024, 1))


def _spatial(input_shape):
    if input_shape is None:
        return None, None
    if config.image_data_format() == "channels_first":
        return input_shape[1], input_shape[2]
    return input_shape[0], input_shape[1]


def _conv_block(inputs, filters: int, alpha: float, kernel=(3, 3), strides=(1, 1)):
    axis = 1 if config.image_data_format() == "channels_first" else -1
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False, strides=strides,
                      name="conv1")(inputs)
    x = layers.BatchNormalization(axis=axis, name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_filters: int, alpha: float, depth_multiplier: int = 1,
                          strides=(1, 1), block_id: int = 1):
    axis = 1 if config.image_data_format() == "channels_first" else -1
    x = inputs
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides, use_bias=False,
                               name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_filters * alpha), (1, 1), padding="same", use_bias=False, strides=(1, 1),
                      name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def MobileNet(input_shape=None, alpha: float = 1.0, depth_multiplier: int = 1, dropout: float = 1e-3,
              include_top: bool = True, weights="imagenet", input_tensor=None, pooling: str | None = None,
              classes: int = 1000, classifier_activation="softmax", name: str | None = None):
    """Instantiate MobileNet (default input 224x224x3, smallest 32x32); arguments as ``keras.applications.MobileNet``.

    ``alpha`` scales the number of filters of every layer; ``depth_multiplier`` the depthwise
    convolutions' channel multiplier. ImageNet weights exist for alpha in (0.25, 0.5, 0.75, 1.0),
    depth_multiplier 1 and square inputs of 128, 160, 192 or 224 pixels.

    Example:
        >>> model = MobileNet(weights=None, alpha=0.5, include_top=False, pooling="avg", input_shape=(64, 64, 3))
    """
    check_weights_argument(weights, include_top, classes, "MobileNet")
    rows, cols = _spatial(input_shape)
    default_size = rows if rows == cols and rows in _IMAGENET_SIZES else 224
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights,
    )
    rows, cols = _spatial(input_shape)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("MobileNet: with weights='imagenet', depth_multiplier must be 1; "
                             f"received depth_multiplier={depth_multiplier}.")
        if alpha not in _ALPHA_TEXT:
            raise ValueError("MobileNet: with weights='imagenet', alpha must be one of 0.25, 0.50, 0.75 or 1.0; "
                             f"received alpha={alpha}.")
        if rows != cols or rows not in _IMAGENET_SIZES:
            rows = 224
            warnings.warn("MobileNet: `input_shape` is undefined, non-square or its size is not in "
                          "[128, 160, 192, 224]; the weights for input shape (224, 224) are loaded.", stacklevel=2)
    img_input, inputs = model_inputs(input_tensor, input_shape)

    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=(stride, stride), block_id=block_id)

    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    model = Functional(inputs, x, name=name)
    file_name = None
    if weights == "imagenet":
        top = "" if include_top else "_no_top"
        file_name = f"mobilenet_{_ALPHA_TEXT[alpha]}_{rows}_tf{top}.h5"
    load_application_weights(model, weights, file_name, url=_URL + (file_name or ""))
    return model


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (``mode="tf"``), as MobileNet was trained."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
