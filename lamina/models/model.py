"""Model: a Layer with training, evaluation, saving and summary.

``Model(inputs, outputs)`` builds a Functional model; subclassing ``Model``
and writing ``call`` gives a subclassed model.

Example:
    >>> inputs = lamina.Input((4,))
    >>> model = lamina.Model(inputs, lamina.layers.Dense(2)(inputs))
"""

from __future__ import annotations

from lamina.layers.layer import Layer
from lamina.trainers.trainer import Trainer
from lamina.saving.serialization import builtin


@builtin("keras")
@builtin("keras.models", "Model")
class Model(Trainer, Layer):
    """A layer with the training and saving API (``compile``, ``fit``, ``summary`` ...)."""

    def __new__(cls, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            from lamina.models.functional import Functional

            if cls is Model:
                return Functional.__new__(Functional, *args, **kwargs)
            if not issubclass(cls, Functional):
                # A Model subclass built from inputs/outputs (Keras's custom train_step guides do this):
                # the instance's class puts Functional under the user's class.
                return Layer.__new__(_functional_subclass(cls), *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise TypeError(
                f"{type(self).__name__}: inputs/outputs are only accepted by Functional models; "
                "a subclassed Model defines call() instead."
            )
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._init_trainer_state()

    @property
    def layers(self) -> list:
        """The model's direct sub-layers."""
        return list(self._layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A sub-layer by name or by index in :attr:`layers`."""
        if index is not None and name is not None:
            raise ValueError("get_layer: provide either `name` or `index`, not both.")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer: index {index} is out of range; model {self.name} has {len(layers)} layers.")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: {[l.name for l in layers]}.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None) -> None:
        """Print each layer with its output shape and parameter count, then the totals."""
        from lamina.models.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable, layer_range=layer_range)

    def build_from_config(self, config) -> None:
        if config and not self.built:
            super().build_from_config(config)


_FUNCTIONAL_SUBCLASSES: dict = {}


def _functional_subclass(cls):
    """``cls`` with Functional mixed in below it, created once per class (same name and module)."""
    sub = _FUNCTIONAL_SUBCLASSES.get(cls)
    if sub is None:
        from lamina.models.functional import Functional

        sub = type(cls.__name__, (cls, Functional), {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
        _FUNCTIONAL_SUBCLASSES[cls] = sub
    return sub
