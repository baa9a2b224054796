"""Application families of issue 8, part two: Xception, Inception, NASNet, EfficientNet (V1 and V2).

``lamina/applications/__init__.py`` re-exports everything listed in ``__all__``: the model
functions and the family modules (``lamina.applications.xception`` ...).
"""

from lamina.applications import (efficientnet, efficientnet_v2, inception_resnet_v2, inception_v3, nasnet,
                                 xception)
from lamina.applications.efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3,
                                              EfficientNetB4, EfficientNetB5, EfficientNetB6, EfficientNetB7)
from lamina.applications.efficientnet_v2 import (EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2,
                                                 EfficientNetV2B3, EfficientNetV2L, EfficientNetV2M,
                                                 EfficientNetV2S)
from lamina.applications.inception_resnet_v2 import InceptionResNetV2
from lamina.applications.inception_v3 import InceptionV3
from lamina.applications.nasnet import NASNetLarge, NASNetMobile
from lamina.applications.xception import Xception

__all__ = [
    "xception", "inception_v3", "inception_resnet_v2", "nasnet", "efficientnet", "efficientnet_v2",
    "Xception", "InceptionV3", "InceptionResNetV2", "NASNetMobile", "NASNetLarge",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3",
    "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
    "EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L",
]
