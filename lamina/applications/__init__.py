"""lamina.applications: Keras 3's pretrained-architecture model functions.

Each family module (``lamina.applications.resnet``, ``.mobilenet_v2`` ...) has
its model functions plus ``preprocess_input`` and ``decode_predictions``.
``weights="imagenet"`` never downloads: it loads Keras's weights file from
``~/.keras/models/`` or ``~/.lamina/models/`` (see ``_weights.py``).

Example:
    >>> model = lamina.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3), classes=10)
"""

from lamina.applications import imagenet_utils  # noqa: F401
from lamina.applications import (convnext, densenet, mobilenet, mobilenet_v2, mobilenet_v3,  # noqa: F401
                                 resnet, resnet_v2, vgg16, vgg19)
from lamina.applications import resnet as resnet50  # noqa: F401  (Keras has both module names)
from lamina.applications import _more_families
from lamina.applications._more_families import *  # noqa: F401,F403
from lamina.applications.convnext import (ConvNeXtBase, ConvNeXtLarge, ConvNeXtSmall, ConvNeXtTiny,  # noqa: F401
                                          ConvNeXtXLarge)
from lamina.applications.densenet import DenseNet121, DenseNet169, DenseNet201  # noqa: F401
from lamina.applications.mobilenet import MobileNet  # noqa: F401
from lamina.applications.mobilenet_v2 import MobileNetV2  # noqa: F401
from lamina.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small  # noqa: F401
from lamina.applications.resnet import ResNet50, ResNet101, ResNet152  # noqa: F401
from lamina.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2  # noqa: F401
from lamina.applications.vgg16 import VGG16  # noqa: F401
from lamina.applications.vgg19 import VGG19  # noqa: F401

__all__ = [
    "imagenet_utils", "convnext", "densenet", "mobilenet", "mobilenet_v2", "mobilenet_v3", "resnet", "resnet50",
    "resnet_v2", "vgg16", "vgg19",
    "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
    "DenseNet121", "DenseNet169", "DenseNet201", "MobileNet", "MobileNetV2", "MobileNetV3Small", "MobileNetV3Large",
    "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2", "VGG16", "VGG19",
] + list(_more_families.__all__)
