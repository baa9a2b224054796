"""TorchModuleWrapper: use a ``torch.nn.Module`` as a lamina layer (torch backend only).

The module's parameters become the layer's Variables (sharing storage with the module,
trainable when the parameter requires grad), so ``model.fit`` trains them and weight
files save them (Keras's layout: the module's ``state_dict`` keys, buffers included).

Example:
    >>> import torch
    >>> layer = lamina.layers.TorchModuleWrapper(torch.nn.Linear(3, 2))
    >>> layer(np.ones((4, 3), "float32")).shape
    torch.Size([4, 2])
"""

from __future__ import annotations

import importlib

import numpy as np

from lamina import config as lamina_config
from lamina.backend.common import scopes
from lamina.core.keras_tensor import KerasTensor
from lamina.core.variable import Variable
from lamina.layers.core.lambda_layer import UnsafeDeserializationError, _safe_mode_active
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin
from lamina.utils import tree


def _torch_side(layer_name: str):
    backend = lamina_config.backend()
    if backend != "torch":
        raise ValueError(
            f'TorchModuleWrapper "{layer_name}": wrapping a torch.nn.Module needs the torch backend, '
            f"but the current backend is {backend!r}. Set LAMINA_BACKEND=torch (or KERAS_BACKEND=torch)."
        )
    return importlib.import_module("lamina.backend.torch.module_wrapper")


@builtin("keras.layers")
class TorchModuleWrapper(Layer):
    """Wrap a ``torch.nn.Module`` so its parameters are tracked, trained and saved by lamina.

    Args:
        module: a ``torch.nn.Module`` (a LazyModule must be initialized first).
        name: the layer's name.
        output_shape: the output shape (with None for unknown dims), used on symbolic inputs;
            when omitted it is inferred by running the module on zeros.

    The module runs in train mode unless the call's ``training`` is False (as in Keras).

    Example:
        >>> import torch
        >>> inputs = lamina.Input((3,))
        >>> model = lamina.Model(inputs, lamina.layers.TorchModuleWrapper(torch.nn.Linear(3, 2))(inputs))
    """

    def __init__(self, module, name: str | None = None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        side = _torch_side(self.name)
        self.module = side.prepare_module(module, self.name)
        self.output_shape = tuple(output_shape) if isinstance(output_shape, list) else output_shape
        self._param_names = []  # the module's parameter names, in the order of the variables
        self._module_variables = []
        for name, variable in side.adopt_parameters(self.module, self._make_variable):
            self._param_names.append(name)
            self._module_variables.append(variable)
            (self._trainable_variables if variable.trainable else self._non_trainable_variables).append(variable)
        self.built = True

    @staticmethod
    def _make_variable(value, trainable: bool) -> Variable:
        return Variable(value, trainable=trainable)  # unnamed: variable, variable_1, ... as in Keras

    def parameters(self, recurse: bool = True):
        """The wrapped module's parameters (``torch.nn.Module.parameters``)."""
        return self.module.parameters(recurse=recurse)

    def call(self, *args, training=None, **kwargs):
        side = _torch_side(self.name)
        values = None
        if scopes._state["stateless"] is not None:  # stateless_call: run with the given variable values
            values = {name: v.value for name, v in zip(self._param_names, self._module_variables)}
        return side.call_module(self.module, args, kwargs, training, values)

    def compute_output_spec(self, *args, **kwargs):
        if self.output_shape is not None:
            return _to_tensors(self.output_shape, self.compute_dtype)
        specs = [(tuple(a.shape), a.dtype) for a in args if isinstance(a, KerasTensor)]
        shapes = _torch_side(self.name).infer_output_shapes(self.module, specs, self.name)
        return _spec_tree(shapes)

    def compute_output_shape(self, input_shape):
        if self.output_shape is not None:
            return self.output_shape
        return tree.map_structure(lambda t: t.shape, self.compute_output_spec(KerasTensor(input_shape)))

    # --- weights files: the module's state_dict, as Keras writes it ---------------------------
    def save_own_variables(self, store) -> None:
        """Write the module's ``state_dict`` (parameters and buffers) under its own keys."""
        for key, value in _torch_side(self.name).state_dict_arrays(self.module).items():
            store[key] = value

    def load_own_variables(self, store) -> None:
        """Load the module's ``state_dict`` from the keys written by :meth:`save_own_variables`."""
        arrays = {}
        for key in store.keys():
            key = key.decode() if isinstance(key, bytes) else key
            arrays[key] = np.asarray(store[key])
        _torch_side(self.name).load_state_dict_arrays(self.module, arrays, self.name)

    # --- config ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        base = super().get_config()
        return {**base, "module": _torch_side(self.name).serialize_module(self.module),
                "output_shape": self.output_shape}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuild the layer. The module is a pickle (torch.save): refused unless unsafe loading is enabled."""
        config = dict(config)
        if isinstance(config.get("module"), str):
            if safe_mode is None:
                safe_mode = _safe_mode_active()
            if safe_mode:
                raise UnsafeDeserializationError(
                    "Refusing to load a TorchModuleWrapper: its torch.nn.Module is stored as a pickle "
                    "(torch.save), and loading it could execute arbitrary code. If you trust this file, load "
                    "it with safe_mode=False (or call lamina.config.enable_unsafe_deserialization())."
                )
            config["module"] = _torch_side(config.get("name") or "torch_module_wrapper").deserialize_module(
                config["module"])
        return cls(**config)


def _spec_tree(shapes):
    if isinstance(shapes, tuple) and len(shapes) == 2 and isinstance(shapes[1], str) and isinstance(shapes[0], tuple):
        return KerasTensor(shapes[0], dtype=shapes[1])
    if isinstance(shapes, dict):
        return {k: _spec_tree(v) for k, v in shapes.items()}
    return type(shapes)(_spec_tree(s) for s in shapes)


def _to_tensors(shape, dtype):
    if isinstance(shape, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in shape):
        return KerasTensor(tuple(shape), dtype=dtype)
    if isinstance(shape, dict):
        return {k: _to_tensors(v, dtype) for k, v in shape.items()}
    return type(shape)(_to_tensors(s, dtype) for s in shape)
