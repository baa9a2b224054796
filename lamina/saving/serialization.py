"""Turning objects into Keras 3 config dicts and back, without ever importing what a config names.

A serialized object looks exactly as Keras 3 writes it, so either library
reads the other's configs::

    {"module": "keras.layers", "class_name": "Dense", "config": {...},
     "registered_name": None}

Deserialization resolves ``class_name`` only from (in order) the caller's
``custom_objects``, the active :func:`custom_object_scope`, classes registered
with :func:`register_keras_serializable`, and lamina's own registry of
built-in objects. A module path in a config is used to pick among lamina's own
namespaces and is never imported.

Example:
    >>> cfg = serialize_keras_object(lamina.layers.Dense(2))
    >>> layer = deserialize_keras_object(cfg)
"""

from __future__ import annotations

import inspect
import types
from typing import Any

# (public module, name) -> object, for lamina's built-ins; name -> object for user registrations.
_BUILTINS: dict[tuple[str, str], Any] = {}
_BUILTIN_BY_NAME: dict[str, list] = {}
_CUSTOM: dict[str, Any] = {}
_CUSTOM_NAMES: dict[Any, str] = {}
_scope_stack: list[dict] = []


class DeserializationError(ValueError):
    """A config could not be turned into an object (unknown or refused class, bad structure)."""


def builtin(module: str, name: str | None = None):
    """Register a lamina built-in under its Keras public module, e.g. ``@builtin("keras.layers")``."""

    def decorate(obj):
        key = name or obj.__name__
        _BUILTINS[(module, key)] = obj
        _BUILTIN_BY_NAME.setdefault(key, []).append(obj)
        obj._keras_module = module
        return obj

    return decorate


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Register a user class or function so configs naming ``"package>Name"`` resolve to it.

    Example:
        >>> @lamina.saving.register_keras_serializable(package="my")
        ... class Scale(lamina.layers.Layer): ...
    """

    def decorate(obj):
        key = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(f"register_keras_serializable: {obj.__name__} must implement get_config().")
        _CUSTOM[key] = obj
        _CUSTOM_NAMES[obj] = key
        return obj

    return decorate


def builtins_of(*modules: str) -> dict:
    """lamina's built-ins registered under these Keras modules, by name (for module-less legacy configs)."""
    return {name: obj for (module, name), obj in _BUILTINS.items() if module in modules}


def get_registered_name(obj) -> str:
    return _CUSTOM_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name: str, custom_objects: dict | None = None, module_objects: dict | None = None):
    for table in (custom_objects or {}, *reversed(_scope_stack), _CUSTOM, module_objects or {}):
        if name in table:
            return table[name]
    return None


class custom_object_scope:
    """Make ``custom_objects`` resolvable inside a ``with`` block.

    Example:
        >>> with custom_object_scope({"Scale": Scale}):
        ...     model = lamina.models.load_model("m.keras")
    """

    def __init__(self, custom_objects: dict | None = None):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _scope_stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope_stack.pop()


CustomObjectScope = custom_object_scope


def get_custom_objects() -> dict:
    """The global table of registered custom objects (mutable, as in Keras)."""
    return _CUSTOM


# --------------------------------------------------------------------------- serialize
def serialize_keras_object(obj):
    """A JSON-ready config for ``obj`` (a layer, initializer, loss, ... or a plain value)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(v) for v in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if hasattr(obj, "tolist") and hasattr(obj, "dtype"):
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        registered = _CUSTOM_NAMES.get(obj)
        module = getattr(obj, "_keras_module", None)
        if registered is None and module is not None:
            return obj.__name__
        return {
            "module": module,
            "class_name": "function",
            "config": obj.__name__,
            "registered_name": registered or obj.__name__,
        }
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no get_config().")
    cls = type(obj)
    registered = _CUSTOM_NAMES.get(cls)
    config = {
        "module": getattr(cls, "_keras_module", None) if registered is None else None,
        "class_name": cls.__dict__.get("_keras_class_name", cls.__name__),
        "config": _to_json_ready(obj.get_config()),
        "registered_name": registered,
    }
    if hasattr(obj, "get_build_config"):
        build_config = obj.get_build_config()
        if build_config:
            config["build_config"] = build_config
    if hasattr(obj, "get_compile_config"):
        compile_config = obj.get_compile_config()
        if compile_config:
            config["compile_config"] = compile_config
    return config


def _to_json_ready(value):
    if isinstance(value, dict):
        return {k: _to_json_ready(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_to_json_ready(v) for v in value]
    if isinstance(value, list):
        return [_to_json_ready(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "get_config") or callable(value) or hasattr(value, "dtype"):
        return serialize_keras_object(value)
    return value


# --------------------------------------------------------------------------- deserialize
def _resolve_class(config: dict, custom_objects, module_objects):
    class_name = config.get("class_name")
    registered = config.get("registered_name")
    module = config.get("module")
    for name in (registered, class_name):
        if name:
            found = get_registered_object(name, custom_objects, module_objects)
            if found is not None:
                return found
    if module is not None and (module, class_name) in _BUILTINS:
        return _BUILTINS[(module, class_name)]
    if module is not None and str(module).startswith("keras"):
        # Keras writes module paths such as "keras.src.backend.torch.optimizers.torch_adam" or
        # "keras.src.layers.core.dense": match by class name among lamina's built-ins of that family.
        candidates = _BUILTIN_BY_NAME.get(class_name, [])
        parts = str(module).split(".")
        for c in candidates:
            if c._keras_module == module or c._keras_module.split(".")[-1] in parts[1:]:
                return c
    raise DeserializationError(
        f"Unknown object {class_name!r} (module {module!r}, registered_name {registered!r}). "
        "lamina only creates its own built-in classes and those you register with "
        "@lamina.saving.register_keras_serializable or pass in custom_objects; "
        "it never imports a module named in a file."
    )


def deserialize_keras_object(config, custom_objects: dict | None = None, safe_mode: bool = True,
                             module_objects: dict | None = None, **kwargs):
    """Rebuild an object from a config made by :func:`serialize_keras_object` (or by Keras 3)."""
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects, module_objects)
        if found is None:
            raise DeserializationError(f"Unknown object name {config!r}.")
        return found
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, safe_mode, module_objects) for c in config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise DeserializationError(f"Expected a config dict with a 'class_name', received {type(config).__name__}.")
    class_name = config["class_name"]
    inner = config.get("config")
    if class_name == "__numpy__":
        import numpy as np

        return np.asarray(inner["value"], dtype=inner["dtype"])
    if class_name in ("__tuple__",):
        return tuple(deserialize_keras_object(v, custom_objects, safe_mode, module_objects) for v in inner["value"])
    if class_name == "function":
        name = config.get("registered_name") or inner
        found = get_registered_object(name, custom_objects, module_objects)
        if found is None and isinstance(inner, str):
            found = get_registered_object(inner, custom_objects, module_objects)
        if found is None:
            module = config.get("module")
            key = (module, inner)
            found = _BUILTINS.get(key)
            if found is None and (module is None or str(module).startswith("keras")):
                cands = [c for c in _BUILTIN_BY_NAME.get(inner, []) if callable(c) and not inspect.isclass(c)]
                found = cands[0] if cands else None
        if found is None:
            raise DeserializationError(
                f"Unknown function {inner!r} (module {config.get('module')!r}); register it or pass it "
                "in custom_objects."
            )
        return found
    cls = _resolve_class(config, custom_objects, module_objects)
    if not inspect.isclass(cls):
        return cls
    if not hasattr(cls, "from_config"):
        raise DeserializationError(f"{class_name} cannot be created from a config (no from_config).")
    with custom_object_scope(custom_objects or {}):
        obj = cls.from_config(inner if inner is not None else {})
    build_config = config.get("build_config")
    if build_config and hasattr(obj, "build_from_config") and not getattr(obj, "built", True):
        obj.build_from_config(build_config)
    return obj
