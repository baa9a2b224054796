"""Inception V3 (Szegedy et al., 2016): factorized multi-branch Inception modules.

Layer names, weight shapes and creation order follow ``keras.applications.inception_v3``
(auto-named ``conv2d_N``/``batch_normalization_N`` layers in Keras's order), so Keras's
weight files load.

Example:
    >>> model = lamina.applications.InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3))
"""

from __future__ import annotations

from lamina import config, layers
from lamina.applications import imagenet_utils
from lamina.applications._weights import check_weights_argument, load_application_weights, model_inputs
from lamina.applications._top import classifier_or_pooling
from lamina.models.functional import Functional

__all__ = ["InceptionV3", "preprocess_input", "decode_predictions"]

_TOP_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
_NOTOP_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"


def conv2d_bn(x, filters: int, num_row: int, num_col: int, padding: str = "same", strides=(1, 1),
              name: str | None = None):
    """Conv2D (no bias) -> BatchNormalization (no scale) -> ReLU; named ``<name>_conv``/``_bn``/``<name>``."""
    axis = 1 if config.image_data_format() == "channels_first" else 3
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False,
                      name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=axis, scale=False, name=None if name is None else f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _chain(x, convs):
    """Apply ``conv2d_bn`` for each ``(filters, rows, cols[, strides, padding])`` in turn."""
    for spec in convs:
        filters, rows, cols = spec[:3]
        strides, padding = (spec[3], spec[4]) if len(spec) > 3 else ((1, 1), "same")
        x = conv2d_bn(x, filters, rows, cols, padding=padding, strides=strides)
    return x


def _avg_branch(x, filters: int):
    x = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(x, filters, 1, 1)


def InceptionV3(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
                name: str = "inception_v3"):
    """Instantiate Inception V3 (default input 299x299x3, smallest 75x75).

    Arguments follow ``keras.applications.InceptionV3``; ``weights="imagenet"`` reads Keras's file
    from the local cache (never downloads).

    Example:
        >>> model = InceptionV3(weights=None, classes=10)
    """
    check_weights_argument(weights, include_top, classes, "InceptionV3")
    data_format = config.image_data_format()
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=75, data_format=data_format,
        require_flatten=include_top, weights=weights,
    )
    img_input, inputs = model_inputs(input_tensor, input_shape)
    axis = 1 if data_format == "channels_first" else 3
    valid2 = ((2, 2), "valid")

    x = _chain(img_input, [(32, 3, 3) + valid2, (32, 3, 3, (1, 1), "valid"), (64, 3, 3)])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _chain(x, [(80, 1, 1, (1, 1), "valid"), (192, 3, 3, (1, 1), "valid")])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)

    # mixed0-2: 35x35 modules (1x1, 5x5, double 3x3, pooled 1x1).
    for i, pool_filters in enumerate((32, 64, 64)):
        branches = [_chain(x, [(64, 1, 1)]), _chain(x, [(48, 1, 1), (64, 5, 5)]),
                    _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3)]), _avg_branch(x, pool_filters)]
        x = layers.concatenate(branches, axis=axis, name=f"mixed{i}")

    # mixed3: grid reduction to 17x17.
    branches = [_chain(x, [(384, 3, 3) + valid2]), _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3) + valid2]),
                layers.MaxPooling2D((3, 3), strides=(2, 2))(x)]
    x = layers.concatenate(branches, axis=axis, name="mixed3")

    # mixed4-7: 17x17 modules with factorized 7x7 convolutions.
    for i, width in enumerate((128, 160, 160, 192)):
        branches = [
            _chain(x, [(192, 1, 1)]),
            _chain(x, [(width, 1, 1), (width, 1, 7), (192, 7, 1)]),
            _chain(x, [(width, 1, 1), (width, 7, 1), (width, 1, 7), (width, 7, 1), (192, 1, 7)]),
            _avg_branch(x, 192),
        ]
        x = layers.concatenate(branches, axis=axis, name=f"mixed{4 + i}")

    # mixed8: grid reduction to 8x8.
    branches = [_chain(x, [(192, 1, 1), (320, 3, 3) + valid2]),
                _chain(x, [(192, 1, 1), (192, 1, 7), (192, 7, 1), (192, 3, 3) + valid2]),
                layers.MaxPooling2D((3, 3), strides=(2, 2))(x)]
    x = layers.concatenate(branches, axis=axis, name="mixed8")

    # mixed9-10: 8x8 modules with expanded filter banks.
    for i in range(2):
        b1 = conv2d_bn(x, 320, 1, 1)
        b3 = conv2d_bn(x, 384, 1, 1)
        b3 = layers.concatenate([conv2d_bn(b3, 384, 1, 3), conv2d_bn(b3, 384, 3, 1)], axis=axis,
                                name=f"mixed9_{i}")
        bd = _chain(x, [(448, 1, 1), (384, 3, 3)])
        bd = layers.concatenate([conv2d_bn(bd, 384, 1, 3), conv2d_bn(bd, 384, 3, 1)], axis=axis)
        x = layers.concatenate([b1, b3, bd, _avg_branch(x, 192)], axis=axis, name=f"mixed{9 + i}")

    x = classifier_or_pooling(x, include_top=include_top, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation, weights=weights)

    model = Functional(inputs, x, name=name)
    load_application_weights(model, weights, _TOP_FILE if include_top else _NOTOP_FILE)
    return model


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (``mode="tf"``), as Inception V3 was trained.

    Example:
        >>> preprocess_input(np.array([[[0.0, 127.5, 255.0]]]))  # -> [[[-1., 0., 1.]]]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
