"""VGG19 (Simonyan & Zisserman, 2015): VGG16 with four convolutions in blocks 3-5.

Layer names, weight shapes and creation order follow ``keras.applications.vgg19``.

Example:
    >>> model = lamina.applications.VGG19(weights=None, include_top=False, input_shape=(32, 32, 3))
"""

from __future__ import annotations

from lamina.applications import imagenet_utils
from lamina.applications.vgg16 import build_vgg

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]


def VGG19(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
          name: str = "vgg19"):
    """Instantiate the VGG19 architecture (default input 224x224x3, smallest 32x32).

    Arguments follow ``keras.applications.VGG19``; ``weights`` is None, ``"imagenet"``
    (read from the local cache, never downloaded) or the path to a weights file.

    Example:
        >>> model = VGG19(weights=None, classes=10)
    """
    return build_vgg((2, 2, 4, 4, 4), "vgg19", "VGG19", include_top, weights, input_tensor, input_shape,
                     pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """Convert RGB images in [0, 255] to BGR and subtract ImageNet's channel means (``mode="caffe"``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
