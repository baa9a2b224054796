"""ResNet50/101/152 (He et al., 2015) and the shared ResNet builder used by ``resnet_v2``.

Layer names, weight shapes and creation order follow ``keras.applications.resnet``,
so Keras's weight files (``.weights.h5`` and the legacy ImageNet ``.h5``) load.

Example:
    >>> model = lamina.applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
"""

from __future__ import annotations

from lamina import config, layers
from lamina.applications import imagenet_utils
from lamina.applications._weights import check_weights_argument, load_application_weights, model_inputs
from lamina.applications._top import classifier_or_pooling
from lamina.models.functional import Functional

__all__ = ["ResNet50", "ResNet101", "ResNet152", "preprocess_input", "decode_predictions"]

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
_EPS = 1.001e-5


def _bn_axis() -> int:
    return 3 if config.image_data_format() == "channels_last" else 1


def build_resnet(stack_fn, preact: bool, use_bias: bool, model_title: str, weights_name: str | None,
                 include_top: bool, weights, input_tensor, input_shape, pooling, classes: int,
                 classifier_activation, name: str):
    """The ResNet stem, ``stack_fn`` (the residual stages) and the classifier or pooling head.

    ``preact=True`` builds the V2 variant (batch norm before each convolution, ``post_bn`` at the end).
    """
    check_weights_argument(weights, include_top, classes, model_title)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights,
    )
    img_input, inputs = model_inputs(input_tensor, input_shape)
    axis = _bn_axis()

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)

    x = classifier_or_pooling(x, include_top=include_top, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation, weights=weights, avg_pool_name="avg_pool", max_pool_name="max_pool")

    model = Functional(inputs, x, name=name)
    file_name = None
    if weights_name is not None:
        suffix = "" if include_top else "_notop"
        file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    load_application_weights(model, weights, file_name, url=_URL + (file_name or ""))
    return model


def residual_block_v1(x, filters: int, kernel_size: int = 3, stride: int = 1, conv_shortcut: bool = True,
                      name: str | None = None):
    """A bottleneck block (1x1, kxk, 1x1 with 4x filters) with batch norm after each convolution."""
    axis = _bn_axis()
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters: int, blocks: int, stride1: int = 2, name: str | None = None):
    """``blocks`` V1 blocks; the first projects the shortcut and strides by ``stride1``."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(x, filters: int, kernel_size: int = 3, stride: int = 1, conv_shortcut: bool = False,
                      name: str | None = None):
    """A pre-activation bottleneck block (batch norm and relu before the convolutions)."""
    axis = _bn_axis()
    preact = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    elif stride > 1:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters: int, blocks: int, stride1: int = 2, name: str | None = None):
    """``blocks`` V2 blocks; the first projects the shortcut, the last strides by ``stride1``."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _v1_stages(depths):
    def stack_fn(x):
        x = stack_residual_blocks_v1(x, 64, depths[0], stride1=1, name="conv2")
        x = stack_residual_blocks_v1(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v1(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v1(x, 512, depths[3], name="conv5")
    return stack_fn


def ResNet50(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
             name: str = "resnet50"):
    """Instantiate ResNet50 (default input 224x224x3, smallest 32x32); arguments as ``keras.applications.ResNet50``.

    Example:
        >>> model = ResNet50(weights=None, include_top=False, pooling="avg", input_shape=(64, 64, 3))
    """
    return build_resnet(_v1_stages((3, 4, 6, 3)), False, True, "ResNet50", "resnet50", include_top, weights,
                        input_tensor, input_shape, pooling, classes, classifier_activation, name)


def ResNet101(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
              name: str = "resnet101"):
    """Instantiate ResNet101 (default input 224x224x3, smallest 32x32); arguments as ``keras.applications.ResNet101``."""
    return build_resnet(_v1_stages((3, 4, 23, 3)), False, True, "ResNet101", "resnet101", include_top, weights,
                        input_tensor, input_shape, pooling, classes, classifier_activation, name)


def ResNet152(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
              name: str = "resnet152"):
    """Instantiate ResNet152 (default input 224x224x3, smallest 32x32); arguments as ``keras.applications.ResNet152``."""
    return build_resnet(_v1_stages((3, 8, 36, 3)), False, True, "ResNet152", "resnet152", include_top, weights,
                        input_tensor, input_shape, pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """Convert RGB images in [0, 255] to BGR and subtract ImageNet's channel means (``mode="caffe"``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
