"""ResNet50V2/101V2/152V2 (He et al., 2016): pre-activation residual networks.

Layer names, weight shapes and creation order follow ``keras.applications.resnet_v2``.

Example:
    >>> model = lamina.applications.ResNet50V2(weights=None, include_top=False, input_shape=(32, 32, 3))
"""

from __future__ import annotations

from lamina.applications import imagenet_utils
from lamina.applications.resnet import build_resnet, stack_residual_blocks_v2

__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "preprocess_input", "decode_predictions"]


def _v2_stages(depths):
    def stack_fn(x):
        x = stack_residual_blocks_v2(x, 64, depths[0], name="conv2")
        x = stack_residual_blocks_v2(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v2(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v2(x, 512, depths[3], stride1=1, name="conv5")
    return stack_fn


def ResNet50V2(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
               pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
               name: str = "resnet50v2"):
    """Instantiate ResNet50V2 (default input 224x224x3, smallest 32x32); arguments as Keras's.

    Example:
        >>> model = ResNet50V2(weights=None, classes=10)
    """
    return build_resnet(_v2_stages((3, 4, 6, 3)), True, True, "ResNet50V2", "resnet50v2", include_top, weights,
                        input_tensor, input_shape, pooling, classes, classifier_activation, name)


def ResNet101V2(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
                name: str = "resnet101v2"):
    """Instantiate ResNet101V2 (default input 224x224x3, smallest 32x32); arguments as Keras's."""
    return build_resnet(_v2_stages((3, 4, 23, 3)), True, True, "ResNet101V2", "resnet101v2", include_top, weights,
                        input_tensor, input_shape, pooling, classes, classifier_activation, name)


def ResNet152V2(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
                name: str = "resnet152v2"):
    """Instantiate ResNet152V2 (default input 224x224x3, smallest 32x32); arguments as Keras's."""
    return build_resnet(_v2_stages((3, 8, 36, 3)), True, True, "ResNet152V2", "resnet152v2", include_top, weights,
                        input_tensor, input_shape, pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (``mode="tf"``), as the V2 models were trained."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
