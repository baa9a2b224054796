"""The end every classification family shares: a pooled classifier (``include_top``) or optional global
pooling of the features, with Keras's layer names.

Example:
    >>> x = classifier_or_pooling(x, include_top=False, pooling="avg", classes=1000,
    ...                           classifier_activation="softmax", weights=None)
"""

from __future__ import annotations

from lamina import layers
from lamina.applications import imagenet_utils


def classifier_or_pooling(x, *, include_top: bool, pooling, classes: int, classifier_activation, weights,
                          top_pool_name: str | None = "avg_pool", avg_pool_name: str | None = None,
                          max_pool_name: str | None = None):
    """``include_top``: global average pooling (named ``top_pool_name``) and the ``predictions`` Dense layer;
    otherwise ``pooling`` ``"avg"``/``"max"`` (named as given) or the feature map unchanged."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name=top_pool_name)(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_pool_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_pool_name)(x)
    return x
