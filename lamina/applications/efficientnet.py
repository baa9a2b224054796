"""EfficientNet B0-B7 (Tan & Le, 2019): compound-scaled MBConv networks with squeeze-excitation.

The models take raw pixels in [0, 255]: rescaling and normalization are layers of the model
(``preprocess_input`` is the identity, as in Keras). Layer names, weight shapes and creation
order follow ``keras.applications.efficientnet``, so Keras's weight files load.

Example:
    >>> model = lamina.applications.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3))
"""

from __future__ import annotations

import math

from lamina import config, layers
from lamina.applications import imagenet_utils
from lamina.applications._weights import check_weights_argument, load_application_weights, model_inputs
from lamina.models.functional import Functional

__all__ = ["EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4",
           "EfficientNetB5", "EfficientNetB6", "EfficientNetB7", "preprocess_input", "decode_predictions"]

# (kernel_size, repeats, filters_in, filters_out, expand_ratio, strides) per stage; all with
# id_skip=True and se_ratio=0.25 (the B0 baseline of the paper).
_STAGES = ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
           (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1))
DEFAULT_BLOCKS_ARGS = [
    dict(kernel_size=k, repeats=r, filters_in=i, filters_out=o, expand_ratio=e, id_skip=True, strides=s,
         se_ratio=0.25)
    for k, r, i, o, e, s in _STAGES
]

CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)

# name -> (width coefficient, depth coefficient, default size, dropout rate)
_VARIANTS = {
    "b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2), "b2": (1.1, 1.2, 260, 0.3),
    "b3": (1.2, 1.4, 300, 0.3), "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4),
    "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5),
}


def _conv(filters: int, kernel_size, name: str, **kwargs):
    return layers.Conv2D(filters, kernel_size, kernel_initializer=CONV_KERNEL_INITIALIZER, name=name, **kwargs)


def block(inputs, activation="swish", drop_rate: float = 0.0, name: str = "", filters_in: int = 32,
          filters_out: int = 16, kernel_size: int = 3, strides: int = 1, expand_ratio: int = 1,
          se_ratio: float = 0.0, id_skip: bool = True):
    """One inverted-residual (MBConv) block: expand, depthwise conv, squeeze-excite, project, skip."""
    bn_axis = 3 if config.image_data_format() == "channels_last" else 1
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv(filters, 1, f"{name}expand_conv", padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(axis=bn_axis, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="valid" if strides == 2 else "same",
                               use_bias=False, depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
        se = layers.Reshape((filters, 1, 1) if bn_axis == 1 else (1, 1, filters), name=f"{name}se_reshape")(se)
        se = _conv(max(1, int(filters_in * se_ratio)), 1, f"{name}se_reduce", padding="same",
                   activation=activation)(se)
        se = _conv(filters, 1, f"{name}se_expand", padding="same", activation="sigmoid")(se)
        x = layers.multiply([x, se], name=f"{name}se_excite")
    x = _conv(filters_out, 1, f"{name}project_conv", padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def EfficientNet(width_coefficient: float, depth_coefficient: float, default_size: int,
                 dropout_rate: float = 0.2, drop_connect_rate: float = 0.2, depth_divisor: int = 8,
                 activation="swish", blocks_args="default", name: str = "efficientnet", include_top: bool = True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling: str | None = None,
                 classes: int = 1000, classifier_activation="softmax", weights_name: str | None = None):
    """The generic EfficientNet builder behind ``EfficientNetB0``-``B7`` (Keras's arguments)."""
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    check_weights_argument(weights, include_top, classes, name)
    data_format = config.image_data_format()
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=data_format,
        require_flatten=include_top, weights=weights,
    )
    img_input, inputs = model_inputs(input_tensor, input_shape)
    bn_axis = 3 if data_format == "channels_last" else 1

    def round_filters(filters, divisor=depth_divisor):
        filters *= width_coefficient
        rounded = max(divisor, int(filters + divisor / 2) // divisor * divisor)
        return int(rounded + divisor if rounded < 0.9 * filters else rounded)

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=bn_axis)(x)
    if weights == "imagenet":
        # Keras's ImageNet weights expect this (square-root) rescaling of the normalized input.
        x = layers.Rescaling([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = _conv(round_filters(32), 3, "stem_conv", strides=2, padding="valid", use_bias=False)(x)
    x = layers.BatchNormalization(axis=bn_axis, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    total = float(sum(round_repeats(args["repeats"]) for args in blocks_args))
    b = 0
    for i, stage in enumerate(blocks_args):
        if stage["repeats"] <= 0:
            raise ValueError(f"{name}: the number of repeats of every EfficientNet stage must be > 0; "
                             f"received repeats={stage['repeats']} for stage {i + 1}.")
        args = {k: v for k, v in stage.items() if k != "repeats"}
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(round_repeats(stage["repeats"])):
            if j > 0:
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            x = block(x, activation, drop_connect_rate * b / total, name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1

    x = _conv(round_filters(1280), 1, "top_conv", padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(axis=bn_axis, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, kernel_initializer=DENSE_KERNEL_INITIALIZER,
                         name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    model = Functional(inputs, x, name=name)
    file_name = None if weights_name is None else name + (".h5" if include_top else "_notop.h5")
    load_application_weights(model, weights, file_name)
    return model


def _variant(key: str):
    width, depth, size, dropout = _VARIANTS[key]

    def build(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
              name: str = f"efficientnet{key}"):
        return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top, weights=weights,
                            input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation, weights_name=key)

    build.__name__ = build.__qualname__ = f"EfficientNet{key.upper()}"
    build.__doc__ = (
        f"Instantiate EfficientNet-{key.upper()} (default input {size}x{size}x3, smallest 32x32).\n\n"
        "    Arguments follow ``keras.applications.EfficientNet" + key.upper() + "``; inputs are raw pixels in\n"
        "    [0, 255]. ``weights=\"imagenet\"`` reads Keras's file from the local cache (never downloads).\n\n"
        "    Example:\n"
        f"        >>> model = EfficientNet{key.upper()}(weights=None, include_top=False, input_shape=(64, 64, 3))\n"
    )
    return build


EfficientNetB0 = _variant("b0")
EfficientNetB1 = _variant("b1")
EfficientNetB2 = _variant("b2")
EfficientNetB3 = _variant("b3")
EfficientNetB4 = _variant("b4")
EfficientNetB5 = _variant("b5")
EfficientNetB6 = _variant("b6")
EfficientNetB7 = _variant("b7")


def preprocess_input(x, data_format=None):
    """The identity: EfficientNet models rescale and normalize raw [0, 255] pixels themselves.

    ``data_format`` is accepted for API compatibility and ignored.
    """
    return x


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
