"""ConvNeXtTiny/Small/Base/Large/XLarge (Liu et al., 2022), with built-in input normalization.

Layer names, weight shapes and creation order follow ``keras.applications.convnext``
(the stem and downsampling blocks are nested ``Sequential`` models, as there), so
Keras's weight files load. ``LayerScale`` and ``StochasticDepth`` are registered under
Keras's module name so that Keras's ``.keras`` files of these models deserialize.

Example:
    >>> model = lamina.applications.ConvNeXtTiny(weights=None, include_top=False, input_shape=(32, 32, 3))
"""

from __future__ import annotations

import numpy as np

from lamina import config, initializers, layers, ops, random
from lamina.applications import imagenet_utils
from lamina.applications._weights import check_weights_argument, load_application_weights, model_inputs
from lamina.layers.layer import Layer
from lamina.models.functional import Functional
from lamina.models.sequential import Sequential
from lamina.saving.serialization import builtin

__all__ = ["ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
           "LayerScale", "StochasticDepth", "preprocess_input", "decode_predictions"]

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
_KERAS_MODULE = "keras.src.applications.convnext"
MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024], "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536], "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048], "default_size": 224},
}


@builtin(_KERAS_MODULE)
class StochasticDepth(Layer):
    """Drop the whole residual branch of a sample with probability ``drop_path_rate`` while training.

    Example:
        >>> StochasticDepth(0.1)(np.ones((2, 3)), training=False)  # identity at inference
    """

    def __init__(self, drop_path_rate: float, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x, training=None):
        if not training or not self.drop_path_rate:
            return x
        keep_prob = 1.0 - self.drop_path_rate
        shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
        mask = ops.floor(keep_prob + random.uniform(shape, 0.0, 1.0, dtype=x.dtype))
        return (x / keep_prob) * mask

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["drop_path_rate"] = self.drop_path_rate
        return config


@builtin(_KERAS_MODULE)
class LayerScale(Layer):
    """Multiply the last axis by a learned per-channel scale ``gamma`` (initialized to ``init_values``).

    Example:
        >>> LayerScale(1e-6, projection_dim=4)(np.ones((1, 4)))  # -> 1e-6 everywhere
    """

    def __init__(self, init_values: float, projection_dim: int, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape):
        last = tuple(input_shape)[-1]
        if last is not None and last != self.projection_dim:
            raise ValueError(f"LayerScale '{self.name}': expected inputs whose last axis has "
                             f"projection_dim={self.projection_dim} channels; received input shape "
                             f"{tuple(input_shape)}.")
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values), trainable=True)
        self.built = True

    def call(self, x):
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"init_values": self.init_values, "projection_dim": self.projection_dim})
        return config


def ConvNeXtBlock(projection_dim: int, drop_path_rate: float = 0.0, layer_scale_init_value=1e-6,
                  name: str | None = None):
    """One ConvNeXt block: 7x7 depthwise conv, LayerNorm, MLP (4x, gelu), layer scale, residual add."""
    if name is None:
        name = "convnext_block"

    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same", groups=projection_dim,
                          name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            branch = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            branch = layers.Activation("linear", name=f"{name}_identity")
        return inputs + branch(x)

    return apply


def PreStem(name: str):
    """Normalize [0, 255] RGB inputs with ImageNet's per-channel mean and variance."""
    def apply(x):
        return layers.Normalization(
            mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
            name=f"{name}_prestem_normalization",
        )(x)
    return apply


def Head(num_classes: int = 1000, classifier_activation=None, name: str = "head"):
    """Global average pooling, LayerNorm and the classifier Dense layer."""
    def apply(x):
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        return layers.Dense(num_classes, activation=classifier_activation, name=f"{name}_head_dense")(x)
    return apply


def ConvNeXt(depths, projection_dims, drop_path_rate: float = 0.0, layer_scale_init_value=1e-6,
             default_size: int = 224, name: str = "convnext", include_preprocessing: bool = True,
             include_top: bool = True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes: int = 1000, classifier_activation="softmax", weights_name: str | None = None):
    """A ConvNeXt with the given stage ``depths`` and ``projection_dims`` (channels_last only)."""
    if config.image_data_format() == "channels_first":
        raise ValueError(f"{name}: ConvNeXt does not support the 'channels_first' image data format; "
                         "set lamina.config.set_image_data_format('channels_last').")
    check_weights_argument(weights, include_top, classes, name)
    if weights == "imagenet":  # checked before building (Keras checks after): the same errors, sooner
        variant = (weights_name or "").split("convnext_")[-1]
        expected = MODEL_CONFIGS.get(variant)
        if expected is None or list(depths) != expected["depths"] or list(projection_dims) != expected["projection_dims"]:
            raise ValueError(f"{name}: the architecture does not match the {weights_name!r} ImageNet weights.")
        if weights_name not in name:
            raise ValueError(f"ConvNeXt: with weights='imagenet' the model name must contain {weights_name!r} "
                             f"(Keras's file name is derived from it); received name={name!r}.")
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights,
    )
    img_input, inputs = model_inputs(input_tensor, input_shape)
    if isinstance(inputs, list):
        inputs = inputs[0]
    x = img_input
    if include_preprocessing and input_shape[-1] == 3:
        x = PreStem(name=name)(x)

    stem = Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
    ], name=f"{name}_stem")
    downsample = [stem]
    for i in range(3):
        downsample.append(Sequential([
            layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2, name=f"{name}_downsampling_conv_{i}"),
        ], name=f"{name}_downsampling_block_{i}"))

    drop_rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = downsample[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dim=projection_dims[i], drop_path_rate=drop_rates[cur + j],
                              layer_scale_init_value=layer_scale_init_value, name=f"{name}_stage_{i}_block_{j}")(x)
        cur += depths[i]

    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = Head(num_classes=classes, classifier_activation=classifier_activation, name=name)(x)
    else:
        if pooling == "avg":
            x = layers.GlobalAveragePooling2D()(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D()(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)

    model = Functional(inputs=inputs, outputs=x, name=name)
    file_name = name + (".h5" if include_top else "_notop.h5") if weights == "imagenet" else None
    load_application_weights(model, weights, file_name, url=_URL + (file_name or ""))
    return model


def _variant(size: str, title: str):
    cfg = MODEL_CONFIGS[size]

    def model_fn(include_top: bool = True, include_preprocessing: bool = True, weights="imagenet",
                 input_tensor=None, input_shape=None, pooling: str | None = None, classes: int = 1000,
                 classifier_activation="softmax", name: str = f"convnext_{size}"):
        return ConvNeXt(depths=cfg["depths"], projection_dims=cfg["projection_dims"], drop_path_rate=0.0,
                        layer_scale_init_value=1e-6, default_size=cfg["default_size"], name=name,
                        include_preprocessing=include_preprocessing, include_top=include_top, weights=weights,
                        input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation, weights_name=f"convnext_{size}")

    model_fn.__name__ = model_fn.__qualname__ = title
    model_fn.__doc__ = (
        f"Instantiate {title} (default input 224x224x3, smallest 32x32); arguments as Keras's.\n\n"
        "    Inputs are pixels in [0, 255]: with ``include_preprocessing=True`` the model normalizes\n"
        "    them itself, and ``preprocess_input`` is the identity.\n\n"
        "    Example:\n"
        f"        >>> model = {title}(weights=None, include_top=False, pooling='avg', input_shape=(64, 64, 3))\n"
    )
    return model_fn


ConvNeXtTiny = _variant("tiny", "ConvNeXtTiny")
ConvNeXtSmall = _variant("small", "ConvNeXtSmall")
ConvNeXtBase = _variant("base", "ConvNeXtBase")
ConvNeXtLarge = _variant("large", "ConvNeXtLarge")
ConvNeXtXLarge = _variant("xlarge", "ConvNeXtXLarge")


def preprocess_input(x, data_format=None):
    """The identity: ConvNeXt models normalize their [0, 255] inputs themselves."""
    return x


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
