"""Wrapper: the base class of layers that wrap another layer (TimeDistributed, Bidirectional, ...)."""

from __future__ import annotations

from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin, builtins_of, deserialize_keras_object, serialize_keras_object


def deserialize_layer(config, custom_objects=None):
    """A layer from its serialized config (lamina's built-ins and registered classes only)."""
    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=builtins_of("keras.layers", "keras"))


@builtin("keras.layers")
class Wrapper(Layer):
    """Abstract base class of layers that wrap one other layer, held as ``self.layer``.

    Args:
        layer: the wrapped layer.

    Example:
        >>> class Twice(lamina.layers.Wrapper):
        ...     def call(self, x):
        ...         return self.layer(self.layer(x))
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__}: `layer` must be a lamina Layer instance; received {layer!r} "
                             f"of type {type(layer).__name__}.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def get_config(self) -> dict:
        config = super().get_config()
        config["layer"] = serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)
