"""Sequential: a plain stack of layers, each with one input and one output.

Example:
    >>> model = lamina.Sequential([lamina.Input((20,)), lamina.layers.Dense(8, activation="relu"),
    ...                            lamina.layers.Dense(1)])
    >>> model.add(lamina.layers.Activation("sigmoid"))
"""

from __future__ import annotations

from lamina.core.keras_tensor import KerasTensor
from lamina.layers.core.input_layer import InputLayer
from lamina.layers.layer import Layer
from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.saving.serialization import builtin, serialize_keras_object


@builtin("keras")
@builtin("keras.models", "Sequential")
class Sequential(Model):
    """A model of layers applied one after another.

    When the input shape is known (an ``Input`` first, or ``input_shape=`` on
    the first layer) the model is built at once; otherwise it is built on its
    first call, from the shape of the data.
    """

    def __new__(cls, *args, **kwargs):
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None):
        super().__init__(trainable=trainable, name=name)
        self._functional = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild: bool = True) -> None:
        """Append a layer (or an ``Input``) to the stack."""
        if isinstance(layer, KerasTensor) and isinstance(getattr(layer._keras_history, "operation", None), InputLayer):
            layer = layer._keras_history.operation
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Sequential.add expects a lamina Layer instance, received {layer!r} of type {type(layer).__name__}."
            )
        if isinstance(layer, InputLayer):
            if self._layers and isinstance(self._layers[0], InputLayer):
                raise ValueError(f'Sequential model "{self.name}" already has an input; received another one: {layer.name}.')
            if self._layers:
                raise ValueError(f'Sequential model "{self.name}": an Input must come first, before {self._layers[0].name}.')
        elif not self._layers and layer._input_shape_arg is not None:
            self._layers.append(InputLayer(batch_shape=layer._input_shape_arg))
        if any(layer is l for l in self._layers):
            raise ValueError(f'Layer "{layer.name}" is already in Sequential model "{self.name}".')
        self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False
            self._functional = None

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise IndexError(f'Sequential model "{self.name}" has no layers to pop.')
        layer = self._layers.pop()
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self) -> None:
        self.built = False
        self._functional = None
        if self._layers and isinstance(self._layers[0], InputLayer) and len(self._layers) > 1:
            self.build(self._layers[0].batch_shape)

    def build(self, input_shape=None) -> None:
        if not self.layers:
            raise ValueError(f'Sequential model "{self.name}" has no layers; add some before building or calling it.')
        if isinstance(self._layers[0], InputLayer):
            inputs = self._layers[0]._input_tensor
        else:
            if input_shape is None:
                raise ValueError(f'Sequential model "{self.name}" cannot be built without an input shape.')
            shape = (None,) + tuple(input_shape)[1:]
            self._layers.insert(0, InputLayer(batch_shape=shape))
            inputs = self._layers[0]._input_tensor
        x = inputs
        for layer in self._layers[1:]:
            x = layer(x)
            if isinstance(x, (list, tuple)) and len(x) != 1:
                raise ValueError(
                    f'Layer "{layer.name}" returns {len(x)} outputs; every layer in a Sequential model '
                    "must have exactly one output. Use the Functional API for multi-output layers."
                )
        functional = Functional(inputs, x, name=self.name)
        object.__setattr__(self, "_functional", functional)  # an implementation detail, not a sub-layer
        self._build_shapes = {"input_shape": inputs.shape}
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if self._functional is None:
            self.build(getattr(inputs, "shape", None))
        return self._functional.call(inputs, training=training, mask=mask)

    def compute_mask(self, inputs, mask=None):
        return None if self._functional is None else self._functional.compute_mask(inputs, mask)

    def compute_output_spec(self, inputs, training=None, mask=None):
        if self._functional is None:
            self.build(inputs.shape)
        return self._functional.compute_output_spec(inputs)

    @property
    def layers(self) -> list:
        if self._layers and isinstance(self._layers[0], InputLayer):
            return list(self._layers[1:])
        return list(self._layers)

    @property
    def inputs(self) -> list:
        return self._functional.inputs if self._functional else []

    @property
    def outputs(self) -> list:
        return self._functional.outputs if self._functional else []

    @property
    def input_shape(self):
        return self._functional.input_shape if self._functional else None

    @property
    def output_shape(self):
        return self._functional.output_shape if self._functional else None

    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": serialize_keras_object(self.dtype_policy)}
        config["layers"] = [serialize_keras_object(l) for l in self._layers]
        if self._build_shapes:
            config["build_input_shape"] = list(self._build_shapes["input_shape"])
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.saving.serialization import deserialize_keras_object

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config.get("layers", []):
            model.add(deserialize_keras_object(layer_config, custom_objects=custom_objects), rebuild=False)
        model._maybe_rebuild()
        if not model.built and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model
