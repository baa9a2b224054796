"""Regularization layers: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout,
ActivityRegularization (Dropout itself lives in lamina.layers.core)."""

from lamina.layers.regularization.activity_regularization import ActivityRegularization  # noqa: F401
from lamina.layers.regularization.noise import AlphaDropout, GaussianDropout, GaussianNoise  # noqa: F401
from lamina.layers.regularization.spatial_dropout import (  # noqa: F401
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)

__all__ = [
    "ActivityRegularization",
    "AlphaDropout",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
]
