"""EfficientNetV2 B0-B3, S, M, L (Tan & Le, 2021): Fused-MBConv early stages, MBConv later ones.

With ``include_preprocessing=True`` (the default) the model takes raw pixels in [0, 255]
(B variants: rescale and ImageNet-normalize; S/M/L: rescale to [-1, 1]). Layer names, weight
shapes and creation order follow ``keras.applications.efficientnet_v2``, so Keras's weight files
load.

Example:
    >>> model = lamina.applications.EfficientNetV2B0(weights=None, include_top=False, input_shape=(32, 32, 3))
"""

from __future__ import annotations

import math

from lamina import config, initializers, layers
from lamina.applications import imagenet_utils
from lamina.applications._weights import check_weights_argument, load_application_weights, model_inputs
from lamina.models.functional import Functional

__all__ = ["EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2S",
           "EfficientNetV2M", "EfficientNetV2L", "preprocess_input", "decode_predictions"]

CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}

_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio", "se_ratio", "strides",
         "conv_type")
# Per stage: kernel, repeats, filters in, filters out, expand ratio, SE ratio, strides, conv type (1: fused).
_B_STAGES = ((3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
             (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0))
_STAGES = {
    "s": ((3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1), (3, 4, 48, 64, 4, 0, 2, 1),
          (3, 6, 64, 128, 4, 0.25, 2, 0), (3, 9, 128, 160, 6, 0.25, 1, 0), (3, 15, 160, 256, 6, 0.25, 2, 0)),
    "m": ((3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
          (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0), (3, 18, 176, 304, 6, 0.25, 2, 0),
          (3, 5, 304, 512, 6, 0.25, 1, 0)),
    "l": ((3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
          (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0), (3, 25, 224, 384, 6, 0.25, 2, 0),
          (3, 7, 384, 640, 6, 0.25, 1, 0)),
    "b0": _B_STAGES, "b1": _B_STAGES, "b2": _B_STAGES, "b3": _B_STAGES,
}
DEFAULT_BLOCKS_ARGS = {f"efficientnetv2-{k}": [dict(zip(_KEYS, stage)) for stage in v] for k, v in _STAGES.items()}

# variant -> (width coefficient, depth coefficient, default size, Keras's weights key)
_VARIANTS = {"b0": (1.0, 1.0, 224, "b0"), "b1": (1.0, 1.1, 240, "b1"), "b2": (1.1, 1.2, 260, "b2"),
             "b3": (1.2, 1.4, 300, "b3"), "s": (1.0, 1.0, 384, "-s"), "m": (1.0, 1.0, 480, "-m"),
             "l": (1.0, 1.0, 480, "-l")}


def round_filters(filters, width_coefficient, min_depth, depth_divisor) -> int:
    """Scale ``filters`` by the width coefficient, rounded to a multiple of ``depth_divisor``."""
    filters *= width_coefficient
    minimum = min_depth or depth_divisor
    return int(max(minimum, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient) -> int:
    """Scale a stage's block count by the depth coefficient (rounded up)."""
    return int(math.ceil(depth_coefficient * repeats))


def _conv(filters, kernel_size, name, strides=1, **kwargs):
    return layers.Conv2D(filters, kernel_size=kernel_size, strides=strides, kernel_initializer=CONV_KERNEL_INITIALIZER,
                         padding="same", name=name, **kwargs)


def _bn(name, momentum):
    return layers.BatchNormalization(axis=3 if config.image_data_format() == "channels_last" else 1,
                                     momentum=momentum, name=name)


def _squeeze_excite(x, input_filters, filters, se_ratio, activation, name):
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    shape = (1, 1, filters) if config.image_data_format() == "channels_last" else (filters, 1, 1)
    se = layers.Reshape(shape, name=f"{name}se_reshape")(se)
    se = _conv(max(1, int(input_filters * se_ratio)), 1, f"{name}se_reduce", activation=activation)(se)
    se = _conv(filters, 1, f"{name}se_expand", activation="sigmoid")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _residual(x, inputs, input_filters, output_filters, strides, survival_probability, name):
    if strides == 1 and input_filters == output_filters:
        if survival_probability:
            # As in Keras, the stochastic-depth value is used as the dropout rate.
            x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def MBConvBlock(input_filters: int, output_filters: int, expand_ratio: int = 1, kernel_size: int = 3,
                strides: int = 1, se_ratio: float = 0.0, bn_momentum: float = 0.9, activation="swish",
                survival_probability: float = 0.8, name: str | None = None):
    """Inverted-residual block (1x1 expand, depthwise conv, squeeze-excite, 1x1 project); returns ``apply``."""
    name = name or "block0_"

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv(filters, 1, f"{name}expand_conv", use_bias=False)(x)
            x = _bn(f"{name}expand_bn", bn_momentum)(x)
            x = layers.Activation(activation, name=f"{name}expand_activation")(x)
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides,
                                   depthwise_initializer=CONV_KERNEL_INITIALIZER, padding="same", use_bias=False,
                                   name=f"{name}dwconv2")(x)
        x = _bn(f"{name}bn", bn_momentum)(x)
        x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, name)
        x = _conv(output_filters, 1, f"{name}project_conv", use_bias=False)(x)
        x = _bn(f"{name}project_bn", bn_momentum)(x)
        return _residual(x, inputs, input_filters, output_filters, strides, survival_probability, name)

    return apply


def FusedMBConvBlock(input_filters: int, output_filters: int, expand_ratio: int = 1, kernel_size: int = 3,
                     strides: int = 1, se_ratio: float = 0.0, bn_momentum: float = 0.9, activation="swish",
                     survival_probability: float = 0.8, name: str | None = None):
    """Fused block (full expand conv instead of 1x1 + depthwise, then project); returns ``apply``."""
    name = name or "block0_"

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv(filters, kernel_size, f"{name}expand_conv", strides=strides, use_bias=False)(x)
            x = _bn(f"{name}expand_bn", bn_momentum)(x)
            x = layers.Activation(activation, name=f"{name}expand_activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, name)
        fused = expand_ratio == 1
        x = _conv(output_filters, kernel_size if fused else 1, f"{name}project_conv",
                  strides=strides if fused else 1, use_bias=False)(x)
        x = _bn(f"{name}project_bn", bn_momentum)(x)
        if fused:
            x = layers.Activation(activation, name=f"{name}project_activation")(x)
        return _residual(x, inputs, input_filters, output_filters, strides, survival_probability, name)

    return apply


def EfficientNetV2(width_coefficient: float, depth_coefficient: float, default_size: int,
                   dropout_rate: float = 0.2, drop_connect_rate: float = 0.2, depth_divisor: int = 8,
                   min_depth: int = 8, bn_momentum: float = 0.9, activation="swish", blocks_args="default",
                   name: str = "efficientnetv2", include_top: bool = True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling: str | None = None, classes: int = 1000,
                   classifier_activation="softmax", include_preprocessing: bool = True,
                   weights_name: str | None = None):
    """The generic EfficientNetV2 builder behind the variant functions (Keras's arguments).

    ``blocks_args="default"`` takes the stage table of the model ``name`` (e.g. ``"efficientnetv2-s"``).
    """
    if blocks_args == "default":
        if name not in DEFAULT_BLOCKS_ARGS:
            raise ValueError(f"EfficientNetV2: blocks_args='default' needs a known model name, one of "
                             f"{sorted(DEFAULT_BLOCKS_ARGS)}; received name={name!r}. Pass `blocks_args`.")
        blocks_args = DEFAULT_BLOCKS_ARGS[name]
    check_weights_argument(weights, include_top, classes, name)
    data_format = config.image_data_format()
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=data_format,
        require_flatten=include_top, weights=weights,
    )
    img_input, inputs = model_inputs(input_tensor, input_shape)
    bn_axis = 3 if data_format == "channels_last" else 1

    x = img_input
    if include_preprocessing:
        variant = weights_name if weights_name is not None else name.split("-")[-1]
        if variant.startswith("b") and input_shape[bn_axis - 1] == 3:
            # B variants: the EfficientNet (V1) preprocessing, ImageNet mean and variance.
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229 ** 2, 0.224 ** 2, 0.225 ** 2],
                                     axis=bn_axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    def rf(filters):
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = _conv(rf(blocks_args[0]["input_filters"]), 3, "stem_conv", strides=2, use_bias=False)(x)
    x = _bn("stem_bn", bn_momentum)(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    total = float(sum(args["num_repeat"] for args in blocks_args))
    b = 0
    for i, stage in enumerate(blocks_args):
        if stage["num_repeat"] <= 0:
            raise ValueError(f"{name}: the number of repeats of every EfficientNetV2 stage must be > 0; "
                             f"received num_repeat={stage['num_repeat']} for stage {i + 1}.")
        args = {k: v for k, v in stage.items() if k not in ("num_repeat", "conv_type")}
        args["input_filters"] = rf(args["input_filters"])
        args["output_filters"] = rf(args["output_filters"])
        block = FusedMBConvBlock if stage["conv_type"] == 1 else MBConvBlock
        for j in range(round_repeats(stage["num_repeat"], depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / total, name=f"block{i + 1}{chr(j + 97)}_",
                      **args)(x)
            b += 1

    x = _conv(rf(1280), 1, "top_conv", use_bias=False)(x)
    x = _bn("top_bn", bn_momentum)(x)
    x = layers.Activation(activation=activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, kernel_initializer=DENSE_KERNEL_INITIALIZER,
                         bias_initializer=initializers.Constant(0.0), name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    model = Functional(inputs, x, name=name)
    file_name = None if weights_name is None else name + (".h5" if include_top else "_notop.h5")
    load_application_weights(model, weights, file_name)
    return model


def _variant(key: str):
    width, depth, size, weights_key = _VARIANTS[key]
    public = f"EfficientNetV2{key.upper()}"

    def build(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
              include_preprocessing: bool = True, name: str = f"efficientnetv2-{key}"):
        return EfficientNetV2(width_coefficient=width, depth_coefficient=depth, default_size=size, name=name,
                              blocks_args=DEFAULT_BLOCKS_ARGS[f"efficientnetv2-{key}"], include_top=include_top,
                              weights=weights, input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                              classes=classes, classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing, weights_name=weights_key)

    build.__name__ = build.__qualname__ = public
    build.__doc__ = (
        f"Instantiate {public} (default input {size}x{size}x3, smallest 32x32).\n\n"
        f"    Arguments follow ``keras.applications.{public}``; with ``include_preprocessing`` the model takes\n"
        "    raw [0, 255] pixels. ``weights=\"imagenet\"`` reads Keras's file from the local cache.\n\n"
        "    Example:\n"
        f"        >>> model = {public}(weights=None, include_top=False, input_shape=(64, 64, 3))\n"
    )
    return build


EfficientNetV2B0 = _variant("b0")
EfficientNetV2B1 = _variant("b1")
EfficientNetV2B2 = _variant("b2")
EfficientNetV2B3 = _variant("b3")
EfficientNetV2S = _variant("s")
EfficientNetV2M = _variant("m")
EfficientNetV2L = _variant("l")


def preprocess_input(x, data_format=None):
    """The identity: EfficientNetV2 models preprocess raw pixels themselves (``include_preprocessing``).

    ``data_format`` is accepted for API compatibility and ignored.
    """
    return x


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
