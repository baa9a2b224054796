"""Xception (Chollet, 2017): depthwise-separable convolutions with residual links.

Layer names, weight shapes and creation order follow ``keras.applications.xception``,
so Keras's weight files (``.weights.h5`` and the legacy ImageNet ``.h5``) load.

Example:
    >>> model = lamina.applications.Xception(weights=None, include_top=False, input_shape=(71, 71, 3))
"""

from __future__ import annotations

from lamina import config, layers
from lamina.applications import imagenet_utils
from lamina.applications._weights import check_weights_argument, load_application_weights, model_inputs
from lamina.applications._top import classifier_or_pooling
from lamina.models.functional import Functional

__all__ = ["Xception", "preprocess_input", "decode_predictions"]

_TOP_FILE = "xception_weights_tf_dim_ordering_tf_kernels.h5"
_NOTOP_FILE = "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"


def _sep_bn(x, filters: int, name: str, axis: int):
    """SeparableConv2D 3x3 'same' without bias, then BatchNormalization named ``<name>_bn``."""
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=axis, name=f"{name}_bn")(x)


def _shortcut(x, filters: int, axis: int):
    """The strided 1x1 projection (auto-named, as in Keras) added after a pooled block."""
    r = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return layers.BatchNormalization(axis=axis)(r)


def Xception(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
             name: str = "xception"):
    """Instantiate the Xception architecture (default input 299x299x3, smallest 71x71).

    Args follow ``keras.applications.Xception``: ``weights`` is None, ``"imagenet"`` (read from
    the local cache, never downloaded) or a path to a weights file.

    Example:
        >>> model = Xception(weights=None, classes=10)
    """
    check_weights_argument(weights, include_top, classes, "Xception")
    data_format = config.image_data_format()
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=71, data_format=data_format,
        require_flatten=include_top, weights=weights,
    )
    img_input, inputs = model_inputs(input_tensor, input_shape)
    axis = 1 if data_format == "channels_first" else -1

    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    # Entry flow: blocks 2-4, each two separable convs, a strided max-pool and a projected shortcut.
    for block, filters in ((2, 128), (3, 256), (4, 728)):
        residual = _shortcut(x, filters, axis)
        if block > 2:
            x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
        x = _sep_bn(x, filters, f"block{block}_sepconv1", axis)
        x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
        x = _sep_bn(x, filters, f"block{block}_sepconv2", axis)
        x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
        x = layers.add([x, residual])

    # Middle flow: eight identity-shortcut blocks of three separable convs.
    for block in range(5, 13):
        residual = x
        for k in (1, 2, 3):
            x = layers.Activation("relu", name=f"block{block}_sepconv{k}_act")(x)
            x = _sep_bn(x, 728, f"block{block}_sepconv{k}", axis)
        x = layers.add([x, residual])

    # Exit flow.
    residual = _shortcut(x, 1024, axis)
    x = layers.Activation("relu", name="block13_sepconv1_act")(x)
    x = _sep_bn(x, 728, "block13_sepconv1", axis)
    x = layers.Activation("relu", name="block13_sepconv2_act")(x)
    x = _sep_bn(x, 1024, "block13_sepconv2", axis)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block13_pool")(x)
    x = layers.add([x, residual])
    for k, filters in ((1, 1536), (2, 2048)):
        x = _sep_bn(x, filters, f"block14_sepconv{k}", axis)
        x = layers.Activation("relu", name=f"block14_sepconv{k}_act")(x)

    x = classifier_or_pooling(x, include_top=include_top, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation, weights=weights)

    model = Functional(inputs, x, name=name)
    load_application_weights(model, weights, _TOP_FILE if include_top else _NOTOP_FILE)
    return model


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (``mode="tf"``), as Xception was trained.

    Example:
        >>> preprocess_input(np.array([[[0.0, 127.5, 255.0]]]))  # -> [[[-1., 0., 1.]]]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
