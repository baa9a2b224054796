"""Lambda: wrap a Python function as a layer.

Its function is stored in configs as marshalled bytecode, exactly as Keras does,
so a Lambda from a file is code: loading one is refused unless the caller opts
in with ``safe_mode=False`` or ``lamina.config.enable_unsafe_deserialization()``.
"""

from __future__ import annotations

import base64
import marshal
import types

from lamina import config as lamina_config
from lamina.core.keras_tensor import KerasTensor
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin, get_registered_name
from lamina.utils import tree


class UnsafeDeserializationError(ValueError):
    """A file asked to run code (a Lambda's bytecode) while safe mode is on."""


def _safe_mode_active() -> bool:
    from lamina.saving import serialization

    mode = getattr(serialization, "_safe_mode", None)
    if mode is not None:
        return mode
    return not lamina_config.unsafe_deserialization_enabled()


@builtin("keras.layers")
class Lambda(Layer):
    """Example:
        >>> double = lamina.layers.Lambda(lambda x: x * 2)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, received {function!r}.")
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = arguments or {}
        self.supports_masking = mask is not None

    def call(self, inputs, mask=None, training=None):
        return self.function(inputs, **self.arguments)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_spec(self, inputs, mask=None, training=None):
        if self._output_shape is None:
            return super().compute_output_spec(inputs)
        shape = self._output_shape(inputs.shape) if callable(self._output_shape) else self._output_shape
        first = tree.flatten(inputs)[0]
        batch = (first.shape[0],) if first.shape else ()
        if isinstance(shape, (tuple, list)) and all(d is None or isinstance(d, int) for d in shape):
            full = tuple(shape) if callable(self._output_shape) else batch + tuple(shape)
            return KerasTensor(full, dtype=first.dtype)
        return tree.map_structure(lambda s: KerasTensor(batch + tuple(s), dtype=first.dtype), shape)

    def get_config(self):
        config = super().get_config()
        config["function"] = _serialize_function(self.function)
        if self._output_shape is not None:
            config["output_shape"] = (_serialize_function(self._output_shape)
                                      if callable(self._output_shape) else list(self._output_shape))
        if self.mask is not None:
            config["mask"] = _serialize_function(self.mask) if callable(self.mask) else self.mask
        config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        config = dict(config)
        for key in ("function", "output_shape", "mask"):
            if isinstance(config.get(key), dict) and config[key].get("class_name") == "__lambda__":
                config[key] = _load_lambda(config[key], safe_mode)
            elif isinstance(config.get(key), (dict, str)) and key == "function":
                from lamina.saving.serialization import deserialize_keras_object

                config[key] = deserialize_keras_object(config[key], custom_objects=custom_objects)
        return super().from_config(config)


def _serialize_function(fn):
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>" or not hasattr(fn, "__name__"):
        code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
        return {"class_name": "__lambda__", "config": {"code": code, "defaults": fn.__defaults__, "closure": None}}
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": fn.__name__, "registered_name": get_registered_name(fn)}


def _load_lambda(config, safe_mode=None):
    if safe_mode is None:
        safe_mode = _safe_mode_active()
    if safe_mode:
        raise UnsafeDeserializationError(
            "Refusing to load a Lambda layer: its function is stored as Python bytecode, and running it "
            "could execute arbitrary code. If you trust this file, load it with safe_mode=False "
            "(or call lamina.config.enable_unsafe_deserialization())."
        )
    inner = config["config"]
    code = marshal.loads(base64.b64decode(inner["code"]))
    defaults = tuple(inner["defaults"]) if inner.get("defaults") else None
    return types.FunctionType(code, {"__builtins__": __builtins__}, "<lambda>", defaults)
