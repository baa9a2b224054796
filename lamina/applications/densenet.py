"""DenseNet121/169/201 (Huang et al., 2017): densely connected convolutional networks.

Layer names, weight shapes and creation order follow ``keras.applications.densenet``,
so Keras's weight files (``.weights.h5`` and the legacy ImageNet ``.h5``) load.

Example:
    >>> model = lamina.applications.DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3))
"""

from __future__ import annotations

from lamina import config, layers
from lamina.applications import imagenet_utils
from lamina.applications._weights import check_weights_argument, load_application_weights, model_inputs
from lamina.applications._top import classifier_or_pooling
from lamina.models.functional import Functional

__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "preprocess_input", "decode_predictions"]

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
_EPS = 1.001e-5
_AXIS = 3  # DenseNet is channels_last only, as in Keras.


def conv_block(x, growth_rate: int, name: str):
    """BN-relu-1x1 conv (4x growth) - BN-relu-3x3 conv (growth), concatenated to the block's input."""
    y = layers.BatchNormalization(axis=_AXIS, epsilon=_EPS, name=f"{name}_0_bn")(x)
    y = layers.Activation("relu", name=f"{name}_0_relu")(y)
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
    y = layers.BatchNormalization(axis=_AXIS, epsilon=_EPS, name=f"{name}_1_bn")(y)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    return layers.Concatenate(axis=_AXIS, name=f"{name}_concat")([x, y])


def dense_block(x, blocks: int, name: str):
    """``blocks`` conv blocks with growth rate 32."""
    for i in range(1, blocks + 1):
        x = conv_block(x, 32, name=f"{name}_block{i}")
    return x


def transition_block(x, reduction: float, name: str):
    """BN-relu, a 1x1 conv keeping ``reduction`` of the channels, then 2x2 average pooling."""
    x = layers.BatchNormalization(axis=_AXIS, epsilon=_EPS, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[_AXIS] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def DenseNet(blocks, include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
             name: str = "densenet", weights_name: str | None = None):
    """A DenseNet with ``blocks[i]`` conv blocks in dense block ``i`` (channels_last only)."""
    if config.image_data_format() == "channels_first":
        raise ValueError("DenseNet: the 'channels_first' image data format is not supported; "
                         "set lamina.config.set_image_data_format('channels_last').")
    check_weights_argument(weights, include_top, classes, name)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights,
    )
    img_input, inputs = model_inputs(input_tensor, input_shape)

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=_AXIS, epsilon=_EPS, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, n in enumerate(blocks, start=2):
        x = dense_block(x, n, name=f"conv{stage}")
        if stage < 5:
            x = transition_block(x, 0.5, name=f"pool{stage}")
    x = layers.BatchNormalization(axis=_AXIS, epsilon=_EPS, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)

    x = classifier_or_pooling(x, include_top=include_top, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation, weights=weights, avg_pool_name="avg_pool", max_pool_name="max_pool")

    model = Functional(inputs, x, name=name)
    file_name = None
    if weights_name is not None:
        file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    load_application_weights(model, weights, file_name, url=_URL + (file_name or ""))
    return model


def DenseNet121(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
                name: str = "densenet121"):
    """Instantiate DenseNet121 (default input 224x224x3, smallest 32x32); arguments as Keras's.

    Example:
        >>> model = DenseNet121(weights=None, include_top=False, pooling="avg", input_shape=(64, 64, 3))
    """
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name, weights_name="densenet121")


def DenseNet169(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
                name: str = "densenet169"):
    """Instantiate DenseNet169 (default input 224x224x3, smallest 32x32); arguments as Keras's."""
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name, weights_name="densenet169")


def DenseNet201(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
                name: str = "densenet201"):
    """Instantiate DenseNet201 (default input 224x224x3, smallest 32x32); arguments as Keras's."""
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name, weights_name="densenet201")


def preprocess_input(x, data_format=None):
    """Scale pixels to [0, 1] and normalize each channel with ImageNet's mean and std (``mode="torch"``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
