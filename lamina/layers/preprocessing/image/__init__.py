"""Image preprocessing and augmentation layers, plus Rescaling and Normalization.

Example:
    >>> model = lamina.Sequential([lamina.layers.Rescaling(1 / 255), lamina.layers.RandomFlip(seed=1)])
"""

from lamina.layers.preprocessing.image.color import (AutoContrast, RandomBrightness, RandomContrast, RandomGrayscale,
                                                     RandomHue, RandomSaturation, Solarization)
from lamina.layers.preprocessing.image.geometric import (RandomCrop, RandomFlip, RandomRotation, RandomTranslation,
                                                         RandomZoom)
from lamina.layers.preprocessing.image.mixing import CutMix, MixUp
from lamina.layers.preprocessing.image.normalization import Normalization
from lamina.layers.preprocessing.image.rand_augment import RandAugment
from lamina.layers.preprocessing.image.rescaling import Rescaling
from lamina.layers.preprocessing.image.resizing import CenterCrop, Resizing

__all__ = [
    "Normalization", "Rescaling", "Resizing", "CenterCrop",
    "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomCrop",
    "RandomContrast", "RandomBrightness", "RandomGrayscale", "RandomHue", "RandomSaturation",
    "AutoContrast", "Solarization", "MixUp", "CutMix", "RandAugment",
]
