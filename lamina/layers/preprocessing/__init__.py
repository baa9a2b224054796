"""Preprocessing layers: text and categorical features, numeric normalization, images.

Example:
    >>> from lamina import layers
    >>> layers.Rescaling(1 / 255)
"""

from lamina.layers.preprocessing.feature import *  # noqa: F401,F403
from lamina.layers.preprocessing.image import *  # noqa: F401,F403

from lamina.layers.preprocessing import feature as _feature, image as _image

__all__ = list(_feature.__all__) + list(_image.__all__)
