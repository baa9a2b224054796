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
        if _functional_arguments(args, kwargs):
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
        if _functional_arguments(args, kwargs):
            raise TypeError(
                f"{type(self).__name__}: inputs/outputs are only accepted by Functional models; "
                "a subclassed Model defines call() instead."
            )
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._init_trainer_state()

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from its config: a graph config (``layers``/``input_layers``/``output_layers``)
        rebuilds a Functional model, anything else goes to the class's constructor."""
        if isinstance(config, dict) and "layers" in config and "input_layers" in config and "output_layers" in config:
            from lamina.saving.model_config import functional_from_config

            target = None if cls is Model else cls
            return functional_from_config(config, custom_objects=custom_objects, cls=target)
        return super().from_config(config)

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

    # ------------------------------------------------------------------ saving
    def save(self, filepath, overwrite: bool = True, **kwargs) -> None:
        """Save the model (architecture, weights, compile config, optimizer state) to a ``.keras`` file,
        or, for a path ending in ``.h5``/``.hdf5``, to Keras's legacy HDF5 format (with a warning, as Keras).

        Example:
            >>> model.save("model.keras")
        """
        from lamina.saving.saving_api import save_model

        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite: bool = True, max_shard_size=None) -> None:
        """Save the weights (and optimizer state) to a ``.weights.h5`` file.

        Example:
            >>> model.save_weights("model.weights.h5")
        """
        from lamina.saving.saving_api import save_weights

        save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch: bool = False, **kwargs) -> None:
        """Load weights from a ``.weights.h5``, ``.keras`` or legacy ``.h5`` file.

        Example:
            >>> model.load_weights("model.weights.h5")
        """
        from lamina.saving.saving_api import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def export(self, filepath, format: str = "tf_saved_model", verbose=None, input_signature=None,
               **kwargs) -> None:
        """Export the inference call for serving: ``format="onnx"`` (an ONNX file) or ``"torch"`` (a ``.pt2``).

        ``None`` dimensions of the inputs (the batch) stay dynamic. Keras's
        TensorFlow-based formats (``"tf_saved_model"``, ``"litert"``,
        ``"openvino"``) are refused with a clear error. On the jax and numpy
        backends the export runs on the torch backend in a subprocess.

        Example:
            >>> model.export("model.onnx", format="onnx")
            >>> model.export("model.pt2", format="torch")
        """
        from lamina.export.export_lib import export_model

        export_model(self, filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The model's config as a JSON string (``lamina.models.model_from_json`` reads it back)."""
        from lamina.saving.saving_api import model_to_json

        return model_to_json(self, **kwargs)

    def build_from_config(self, config) -> None:
        if config and not self.built:
            super().build_from_config(config)


_FUNCTIONAL_SUBCLASSES: dict = {}


def _functional_arguments(args, kwargs) -> bool:
    """Whether a Model(...) call passes inputs and outputs (Keras's rule), not a subclass's own arguments."""
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _functional_subclass(cls):
    """``cls`` with Functional mixed in below it, created once per class (same name and module)."""
    sub = _FUNCTIONAL_SUBCLASSES.get(cls)
    if sub is None:
        from lamina.models.functional import Functional

        sub = type(cls.__name__, (cls, Functional), {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
        _FUNCTIONAL_SUBCLASSES[cls] = sub
    return sub
