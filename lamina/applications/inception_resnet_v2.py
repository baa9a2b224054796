"""Inception-ResNet V2 (Szegedy et al., 2017): Inception modules with scaled residual connections.

Layer names, weight shapes and creation order follow ``keras.applications.inception_resnet_v2``,
so Keras's weight files load; ``CustomScaleLayer`` is registered under Keras's module so saved
models that contain it load too.

Example:
    >>> model = lamina.applications.InceptionResNetV2(weights=None, include_top=False, input_shape=(75, 75, 3))
"""

from __future__ import annotations

from lamina import config, layers
from lamina.applications import imagenet_utils
from lamina.applications._weights import check_weights_argument, load_application_weights, model_inputs
from lamina.applications._top import classifier_or_pooling
from lamina.layers.layer import Layer
from lamina.models.functional import Functional
from lamina.saving.serialization import builtin

__all__ = ["InceptionResNetV2", "preprocess_input", "decode_predictions"]

_TOP_FILE = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5"
_NOTOP_FILE = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"
_BLOCK_TYPES = ("block35", "block17", "block8")


@builtin("keras.src.applications.inception_resnet_v2")
class CustomScaleLayer(Layer):
    """``inputs[0] + scale * inputs[1]``: the scaled residual sum of an Inception-ResNet block.

    Example:
        >>> y = CustomScaleLayer(0.17)([shortcut, residual])
    """

    def __init__(self, scale: float, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"{self.name}: expected a list of two tensors [shortcut, residual]; "
                             f"received {type(inputs).__name__}.")
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["scale"] = self.scale
        return cfg


def conv2d_bn(x, filters: int, kernel_size, strides=1, padding: str = "same", activation="relu",
              use_bias: bool = False, name: str | None = None):
    """Conv2D, then (without bias) BatchNormalization with no scale, then ``activation``.

    Named ``<name>``, ``<name>_bn`` and ``<name>_ac`` when ``name`` is given.
    """
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name)(x)
    if not use_bias:
        axis = 1 if config.image_data_format() == "channels_first" else 3
        x = layers.BatchNormalization(axis=axis, scale=False, name=None if name is None else f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


def _chain(x, convs):
    """``conv2d_bn`` for each ``(filters, kernel[, strides, padding])`` in turn."""
    for spec in convs:
        x = conv2d_bn(x, spec[0], spec[1], *spec[2:])
    return x


def inception_resnet_block(x, scale: float, block_type: str, block_idx: int, activation="relu"):
    """One Inception-ResNet block (``block35``, ``block17`` or ``block8``), layers named ``<type>_<idx>_*``."""
    if block_type == "block35":
        branches = [_chain(x, [(32, 1)]), _chain(x, [(32, 1), (32, 3)]), _chain(x, [(32, 1), (48, 3), (64, 3)])]
    elif block_type == "block17":
        branches = [_chain(x, [(192, 1)]), _chain(x, [(128, 1), (160, (1, 7)), (192, (7, 1))])]
    elif block_type == "block8":
        branches = [_chain(x, [(192, 1)]), _chain(x, [(192, 1), (224, (1, 3)), (256, (3, 1))])]
    else:
        raise ValueError(f"inception_resnet_block: expected block_type to be one of {list(_BLOCK_TYPES)}; "
                         f"received block_type={block_type!r}.")
    block_name = f"{block_type}_{block_idx}"
    axis = 1 if config.image_data_format() == "channels_first" else 3
    mixed = layers.Concatenate(axis=axis, name=f"{block_name}_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True, name=f"{block_name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{block_name}_ac")(x)
    return x


def InceptionResNetV2(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
                      pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
                      name: str = "inception_resnet_v2"):
    """Instantiate Inception-ResNet V2 (default input 299x299x3, smallest 75x75).

    Arguments follow ``keras.applications.InceptionResNetV2``; ``weights="imagenet"`` reads
    Keras's file from the local cache (never downloads).

    Example:
        >>> model = InceptionResNetV2(weights=None, classes=10)
    """
    check_weights_argument(weights, include_top, classes, "InceptionResNetV2")
    data_format = config.image_data_format()
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=75, data_format=data_format,
        require_flatten=include_top, weights=weights,
    )
    img_input, inputs = model_inputs(input_tensor, input_shape)
    axis = 1 if data_format == "channels_first" else 3

    x = _chain(img_input, [(32, 3, 2, "valid"), (32, 3, 1, "valid"), (64, 3)])
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = _chain(x, [(80, 1, 1, "valid"), (192, 3, 1, "valid")])
    x = layers.MaxPooling2D(3, strides=2)(x)

    branches = [_chain(x, [(96, 1)]), _chain(x, [(48, 1), (64, 5)]), _chain(x, [(64, 1), (96, 3), (96, 3)])]
    branches.append(conv2d_bn(layers.AveragePooling2D(3, strides=1, padding="same")(x), 64, 1))
    x = layers.Concatenate(axis=axis, name="mixed_5b")(branches)
    for idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=idx)

    branches = [_chain(x, [(384, 3, 2, "valid")]), _chain(x, [(256, 1), (256, 3), (384, 3, 2, "valid")]),
                layers.MaxPooling2D(3, strides=2, padding="valid")(x)]
    x = layers.Concatenate(axis=axis, name="mixed_6a")(branches)
    for idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=idx)

    branches = [_chain(x, [(256, 1), (384, 3, 2, "valid")]), _chain(x, [(256, 1), (288, 3, 2, "valid")]),
                _chain(x, [(256, 1), (288, 3), (320, 3, 2, "valid")]),
                layers.MaxPooling2D(3, strides=2, padding="valid")(x)]
    x = layers.Concatenate(axis=axis, name="mixed_7a")(branches)
    for idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")

    x = classifier_or_pooling(x, include_top=include_top, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation, weights=weights)

    model = Functional(inputs, x, name=name)
    load_application_weights(model, weights, _TOP_FILE if include_top else _NOTOP_FILE)
    return model


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (``mode="tf"``), as Inception-ResNet V2 was trained.

    Example:
        >>> preprocess_input(np.array([[[0.0, 127.5, 255.0]]]))  # -> [[[-1., 0., 1.]]]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
