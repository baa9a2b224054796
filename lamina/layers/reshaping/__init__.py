"""Reshaping layers: Permute, RepeatVector, UpSampling1D/2D/3D, ZeroPadding1D/2D/3D, Cropping1D/2D/3D."""

from lamina.layers.reshaping.padding_cropping import (  # noqa: F401
    Cropping1D,
    Cropping2D,
    Cropping3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from lamina.layers.reshaping.permute_repeat import Permute, RepeatVector  # noqa: F401
from lamina.layers.reshaping.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D  # noqa: F401

__all__ = [
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Permute",
    "RepeatVector",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
]
