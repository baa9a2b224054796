"""MobileNetV3Small / MobileNetV3Large (Howard et al., 2019), with optional built-in preprocessing.

Layer names, weight shapes and creation order follow ``keras.applications.mobilenet_v3``,
so Keras's weight files (``.weights.h5`` and the legacy ImageNet ``.h5``) load. The models
take pixels in [0, 255]: with ``include_preprocessing=True`` (the default) a ``Rescaling``
layer maps them to [-1, 1], and ``preprocess_input`` is the identity.

Example:
    >>> model = lamina.applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=10)
"""

from __future__ import annotations

import warnings

from lamina import config, layers
from lamina.applications import imagenet_utils
from lamina.applications._weights import check_weights_argument, load_application_weights, model_inputs
from lamina.applications.mobilenet_v2 import make_divisible as _depth
from lamina.core.keras_tensor import KerasTensor
from lamina.models.functional import Functional

__all__ = ["MobileNetV3Small", "MobileNetV3Large", "preprocess_input", "decode_predictions"]

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"


def _channel_axis() -> int:
    return 1 if config.image_data_format() == "channels_first" else -1


def relu(x):
    """An auto-named ``ReLU`` layer (as in Keras, where these layers carry no name)."""
    return layers.ReLU()(x)


def hard_sigmoid(x):
    """``relu6(x + 3) / 6`` built from a ReLU layer and two symbolic ops."""
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x):
    """An auto-named ``Activation("hard_swish")`` layer."""
    return layers.Activation("hard_swish")(x)


def _se_block(inputs, filters: int, se_ratio: float, prefix: str):
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio, 8), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion: float, filters: int, kernel_size: int, stride: int, se_ratio,
                        activation, block_id: int):
    axis = _channel_axis()
    shortcut = x
    prefix = "expanded_conv_"
    in_filters = x.shape[axis]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(_depth(in_filters * expansion, 8), kernel_size=1, padding="same", use_bias=False,
                          name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}expand_bn")(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, padding="same" if stride == 1 else "valid",
                               use_bias=False, name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}depthwise_bn")(x)
    x = activation(x)
    if se_ratio:
        x = _se_block(x, _depth(in_filters * expansion, 8), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}project_bn")(x)
    if stride == 1 and in_filters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _resolve_input_shape(input_shape, input_tensor, title: str):
    channels_first = config.image_data_format() == "channels_first"
    if input_tensor is not None and not isinstance(input_tensor, KerasTensor):
        raise ValueError(f"{title}: `input_tensor` must be a symbolic tensor (lamina.Input or a layer's output); "
                         f"received {type(input_tensor).__name__}.")
    if input_shape is not None and input_tensor is not None:
        if tuple(input_tensor.shape)[2] != tuple(input_shape)[1]:
            raise ValueError(f"{title}: `input_shape` does not match the shape of `input_tensor`; received "
                             f"input_shape={tuple(input_shape)}, input_tensor.shape={tuple(input_tensor.shape)}.")
    if input_shape is None and input_tensor is not None:
        shape = tuple(input_tensor.shape)
        # Keras swaps rows and columns here; square inputs (the usual case) are unaffected.
        rows, cols = (shape[2], shape[3]) if channels_first else (shape[1], shape[2])
        input_shape = (3, cols, rows) if channels_first else (cols, rows, 3)
    if input_shape is None:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    return tuple(input_shape)


def _mobilenet_v3(stack_fn, last_point_ch: int, input_shape, alpha: float, model_type: str, minimalistic: bool,
                  include_top: bool, weights, input_tensor, classes: int, pooling, dropout_rate: float,
                  classifier_activation, include_preprocessing: bool, name: str):
    title = f"MobileNetV3{model_type.capitalize()}"
    check_weights_argument(weights, include_top, classes, title)
    input_shape = _resolve_input_shape(input_shape, input_tensor, title)
    channels_first = config.image_data_format() == "channels_first"
    rows, cols = (input_shape[1], input_shape[2]) if channels_first else (input_shape[0], input_shape[1])
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"{title}: input size must be at least 32x32; received input_shape={input_shape}.")
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError(f"{title}: with weights='imagenet', alpha must be 0.75 or 1.0 (1.0 when "
                             f"minimalistic=True); received alpha={alpha}, minimalistic={minimalistic}.")
        if rows != cols or rows != 224:
            warnings.warn(f"{title}: `input_shape` is undefined, non-square or not 224x224; the weights for "
                          "input shape (224, 224) are loaded.", stacklevel=3)
    img_input, inputs = model_inputs(input_tensor, input_shape)
    axis = _channel_axis()
    if minimalistic:
        kernel, activation, se_ratio = 3, relu, None
    else:
        kernel, activation, se_ratio = 5, hard_swish, 0.25

    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="conv_bn")(x)
    x = activation(x)
    x = stack_fn(x, kernel, activation, se_ratio)
    last_conv_ch = _depth(x.shape[axis] * 6, 8)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha, 8)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False, name="conv_1")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="conv_1_bn")(x)
    x = activation(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    model = Functional(inputs, x, name=name)
    file_name = None
    if weights == "imagenet":
        variant = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
        file_name = f"weights_mobilenet_v3_{variant}.h5" if include_top else f"weights_mobilenet_v3_{variant}_no_top_v2.h5"
    load_application_weights(model, weights, file_name, url=_URL + (file_name or ""))
    return model


def MobileNetV3Small(input_shape=None, alpha: float = 1.0, minimalistic: bool = False, include_top: bool = True,
                     weights="imagenet", input_tensor=None, classes: int = 1000, pooling: str | None = None,
                     dropout_rate: float = 0.2, classifier_activation="softmax", include_preprocessing: bool = True,
                     name: str = "MobileNetV3Small"):
    """Instantiate MobileNetV3Small (inputs of any size >= 32x32); arguments as Keras's.

    ``minimalistic=True`` drops squeeze-excite, hard-swish and 5x5 kernels. ImageNet weights
    exist for alpha 0.75 and 1.0 (1.0 only when minimalistic).

    Example:
        >>> model = MobileNetV3Small(weights=None, include_top=False, pooling="avg", input_shape=(64, 64, 3))
    """
    def stack_fn(x, kernel, activation, se_ratio):
        def depth(d):
            return _depth(d * alpha, 8)
        x = _inverted_res_block(x, 1, depth(16), 3, 2, se_ratio, relu, 0)
        x = _inverted_res_block(x, 72.0 / 16, depth(24), 3, 2, None, relu, 1)
        x = _inverted_res_block(x, 88.0 / 24, depth(24), 3, 1, None, relu, 2)
        for block_id, (expansion, filters, stride) in enumerate(
                ((4, 40, 2), (6, 40, 1), (6, 40, 1), (3, 48, 1), (3, 48, 1), (6, 96, 2), (6, 96, 1), (6, 96, 1)),
                start=3):
            x = _inverted_res_block(x, expansion, depth(filters), kernel, stride, se_ratio, activation, block_id)
        return x

    return _mobilenet_v3(stack_fn, 1024, input_shape, alpha, "small", minimalistic, include_top, weights,
                         input_tensor, classes, pooling, dropout_rate, classifier_activation,
                         include_preprocessing, name)


def MobileNetV3Large(input_shape=None, alpha: float = 1.0, minimalistic: bool = False, include_top: bool = True,
                     weights="imagenet", input_tensor=None, classes: int = 1000, pooling: str | None = None,
                     dropout_rate: float = 0.2, classifier_activation="softmax", include_preprocessing: bool = True,
                     name: str = "MobileNetV3Large"):
    """Instantiate MobileNetV3Large (inputs of any size >= 32x32); arguments as Keras's.

    Example:
        >>> model = MobileNetV3Large(weights=None, minimalistic=True, input_shape=(96, 96, 3), classes=5)
    """
    def stack_fn(x, kernel, activation, se_ratio):
        def depth(d):
            return _depth(d * alpha, 8)
        # (expansion, filters, kernel, stride, squeeze-excite, activation) of blocks 0..14.
        plan = (
            (1, 16, 3, 1, None, relu), (4, 24, 3, 2, None, relu), (3, 24, 3, 1, None, relu),
            (3, 40, kernel, 2, se_ratio, relu), (3, 40, kernel, 1, se_ratio, relu),
            (3, 40, kernel, 1, se_ratio, relu), (6, 80, 3, 2, None, activation), (2.5, 80, 3, 1, None, activation),
            (2.3, 80, 3, 1, None, activation), (2.3, 80, 3, 1, None, activation),
            (6, 112, 3, 1, se_ratio, activation), (6, 112, 3, 1, se_ratio, activation),
            (6, 160, kernel, 2, se_ratio, activation), (6, 160, kernel, 1, se_ratio, activation),
            (6, 160, kernel, 1, se_ratio, activation),
        )
        for block_id, (expansion, filters, k, stride, se, act) in enumerate(plan):
            x = _inverted_res_block(x, expansion, depth(filters), k, stride, se, act, block_id)
        return x

    return _mobilenet_v3(stack_fn, 1280, input_shape, alpha, "large", minimalistic, include_top, weights,
                         input_tensor, classes, pooling, dropout_rate, classifier_activation,
                         include_preprocessing, name)


def preprocess_input(x, data_format=None):
    """The identity: MobileNetV3 models rescale their [0, 255] inputs themselves (``include_preprocessing``)."""
    return x


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
