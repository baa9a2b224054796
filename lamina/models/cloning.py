"""clone_model: a copy of a model's architecture with new layers and fresh (not copied) weights.

Sequential and Functional models are rebuilt layer by layer: each layer goes
through ``clone_function`` (by default a round trip through its config) and the
graph is replayed on new inputs. Any other model is rebuilt from its config.

A layer config that carries code (a Lambda's bytecode) is treated as a loaded
file would be: it is refused unless unsafe deserialization is enabled
(``lamina.config.enable_unsafe_deserialization()``). To keep a Lambda without
going through its config, pass a ``clone_function`` that returns it as is.

Example:
    >>> clone = lamina.models.clone_model(model)
    >>> clone.set_weights(model.get_weights())
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from lamina.core.keras_tensor import KerasTensor
from lamina.layers.core.input_layer import Input, InputLayer
from lamina.layers.layer import Layer
from lamina.models.functional import Functional
from lamina.models.sequential import Sequential
from lamina.saving import file_safety as fs
from lamina.saving import serialization as ser
from lamina.utils import tree

__all__ = ["clone_model"]


def clone_model(model, input_tensors=None, clone_function: Callable | None = None,
                call_function: Callable | None = None, recursive: bool = False, **kwargs):
    """Clone a Sequential or Functional model: new layers with the same configs and new weights.

    Args:
        model: the model to clone.
        input_tensors: symbolic tensors (same structure as ``model.input``) to build the clone on;
            new ``Input``s by default.
        clone_function: ``fn(layer) -> layer`` applied to every layer except inputs; by default
            ``layer.__class__.from_config(layer.get_config())``. Return the layer itself to share it.
        call_function: ``fn(layer, *args, **kwargs) -> outputs`` used to call each cloned layer
            (Functional models only); by default ``layer(*args, **kwargs)``.
        recursive: clone nested Sequential/Functional models with ``clone_model`` (same arguments)
            instead of passing them to ``clone_function``.

    Other models (subclassed) are rebuilt from ``get_config()``; ``input_tensors``,
    ``clone_function`` and ``call_function`` are refused for them. Weights are not copied.

    Example:
        >>> def no_relu(layer):
        ...     config = layer.get_config()
        ...     if config.get("activation") == "relu":
        ...         config["activation"] = "tanh"
        ...     return layer.__class__.from_config(config)
        >>> clone = lamina.models.clone_model(model, clone_function=no_relu)
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"clone_model: unexpected keyword argument(s) {tuple(kwargs)}.")
    if not isinstance(model, Layer):
        raise ValueError(f"clone_model: expected a lamina Model, received {type(model).__name__}.")
    if clone_function is not None and not callable(clone_function):
        raise ValueError(f"clone_model: `clone_function` must be callable, received {clone_function!r}.")
    if call_function is not None and not callable(call_function):
        raise ValueError(f"clone_model: `call_function` must be callable, received {call_function!r}.")

    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                f"clone_model: `call_function` is not supported for Sequential model {model.name!r}: its "
                "layers are only listed, never called while the model is built. Use a Functional model.")
        fn = _wrap_clone_function(clone_function, None, recursive, cache)
        return _clone_sequential(model, fn, input_tensors)
    if isinstance(model, Functional):
        fn = _wrap_clone_function(clone_function, call_function, recursive, cache)
        return _clone_functional(model, fn, input_tensors, call_function)

    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            "clone_model: `clone_function` and `input_tensors` are only supported for Sequential and "
            f"Functional models; received a {type(model).__name__} (clone_function={clone_function!r}, "
            f"input_tensors={input_tensors!r}).")
    if call_function is not None:
        raise ValueError("clone_model: `call_function` is only supported for Functional models; received a "
                         f"{type(model).__name__}.")
    return _clone_from_config(model)


# --------------------------------------------------------------------------- layer cloning
def _safe_mode() -> bool:
    scoped = getattr(ser, "_safe_mode", None)
    return fs.resolve_safe_mode(None) if scoped is None else bool(scoped)


def _has_lambda_code(config) -> bool:
    stack = [config]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if v.get("class_name") == "__lambda__":
                return True
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return False


def _check_config(layer, config, safe_mode: bool) -> None:
    """The loading rules, applied to a layer's config before it is rebuilt."""
    if safe_mode and _has_lambda_code(config):
        raise fs.UnsafeFileError(
            f"clone_model: refusing to rebuild layer {layer.name!r} ({type(layer).__name__}) from its config: "
            "it holds a Lambda function stored as Python bytecode, which is only run when unsafe "
            "deserialization is enabled (lamina.config.enable_unsafe_deserialization()). To keep the "
            "Lambda as it is, pass a clone_function that returns it unchanged.")
    fs.scan_config(config, f"clone_model (layer {layer.name!r})", safe_mode)


def _known_classes(layer) -> dict:
    """The classes of ``layer`` and its sub-layers: a nested model's config may name them."""
    objects = {}
    for sub in layer._flatten_layers(include_self=True):
        cls = type(sub)
        objects.setdefault(ser.get_registered_name(cls), cls)
        objects.setdefault(cls.__name__, cls)
    return objects


def _default_clone(layer):
    """``layer.__class__.from_config(layer.get_config())`` under the loading safety rules."""
    config = layer.get_config()
    safe_mode = _safe_mode()
    _check_config(layer, ser._to_json_ready(config), safe_mode)
    objects = _known_classes(layer)
    with fs.safe_mode_scope(safe_mode), ser.custom_object_scope(objects):
        return layer.__class__.from_config(config)


def _wrap_clone_function(clone_function, call_function, recursive: bool, cache):
    """Apply ``clone_function`` once per layer (shared layers stay shared) and recurse into models."""
    base = clone_function if clone_function is not None else _default_clone
    cache = {} if cache is None else cache

    def wrapped(layer):
        key = id(layer)
        if key in cache:
            return cache[key]
        if recursive and isinstance(layer, Sequential):
            clone = clone_model(layer, clone_function=clone_function, recursive=True, cache=cache)
        elif recursive and isinstance(layer, Functional):
            clone = clone_model(layer, clone_function=clone_function, call_function=call_function,
                                recursive=True, cache=cache)
        else:
            clone = base(layer)
            if not isinstance(clone, Layer):
                raise ValueError(f"clone_model: clone_function must return a Layer; for layer {layer.name!r} "
                                 f"it returned {type(clone).__name__}.")
        cache[key] = clone
        return clone

    return wrapped


def _compile_like(new_model, model) -> None:
    if getattr(model, "compiled", False):
        config = model.get_compile_config()
        if config:
            from lamina.saving.model_config import compile_from_config

            compile_from_config(new_model, config)


# --------------------------------------------------------------------------- Sequential
def _clone_sequential(model, clone_function, input_tensors):
    new_layers = [clone_function(layer) for layer in model.layers]
    ref = model._layers[0] if model._layers and isinstance(model._layers[0], InputLayer) else None
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError(f"clone_model: a Sequential model takes a single input tensor; received "
                                 f"{len(input_tensors)} in `input_tensors`.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError("clone_model: `input_tensors` must be a symbolic tensor (lamina.Input or a layer "
                             f"output); received {type(input_tensors).__name__}.")
        source = getattr(input_tensors._keras_history, "operation", None)
        if isinstance(source, InputLayer) and source._input_tensor is input_tensors:
            first = source  # an Input: the clone starts from it directly
        else:
            try:
                first = InputLayer(input_tensor=input_tensors, name=ref.name if ref is not None else None,
                                   optional=ref.optional if ref is not None else False)
            except TypeError as e:
                raise ValueError("clone_model: a Sequential model can only be rebuilt on an Input tensor here; "
                                 f"`input_tensors` ({input_tensors.name}) is the output of "
                                 f"{getattr(source, 'name', None)!r} ({e}).") from None
        new_layers = [first] + new_layers
    elif ref is not None:
        first = InputLayer(batch_shape=ref.batch_shape, dtype=ref.dtype, name=ref.name, optional=ref.optional)
        new_layers = [first] + new_layers
    clone = Sequential(new_layers, name=model.name, trainable=model.trainable)
    _compile_like(clone, model)
    return clone


# --------------------------------------------------------------------------- Functional
def _functional_like_constructor(cls) -> bool:
    """Whether ``cls(inputs, outputs, name=...)`` builds a graph model (Keras's rule)."""
    spec = inspect.getfullargspec(cls.__init__)
    if spec.args[1:] == inspect.getfullargspec(Functional.__init__).args[1:]:
        return True
    return spec.varargs is not None and spec.varkw is not None


def _clone_functional(model, clone_function, input_tensors, call_function):
    if input_tensors is not None:
        flat = tree.flatten(input_tensors)
        bad = [type(x).__name__ for x in flat if not isinstance(x, KerasTensor)]
        if bad:
            raise ValueError(f"clone_model: every entry of `input_tensors` must be a symbolic tensor; "
                             f"received {bad}.")
        if len(flat) != len(model.inputs) or not _same_structure(input_tensors, model.input):
            raise ValueError(f"clone_model: `input_tensors` must have the structure of model.input "
                             f"({_describe(model.input)}); received {_describe(input_tensors)}.")
    else:
        input_tensors = tree.map_structure(
            lambda t: Input(batch_shape=t.shape, dtype=t.dtype, name=t.name), model.input)

    values = {id(old): new for old, new in zip(model.inputs, tree.flatten(input_tensors))}

    def fill(v):
        return values[id(v)] if isinstance(v, KerasTensor) else v

    for node in model._nodes:
        if any(id(t) not in values for t in node.input_tensors):
            continue  # not reachable from the inputs
        op = node.operation
        new_op = clone_function(op) if isinstance(op, Layer) else op  # plain ops hold no state
        args = tree.map_structure(fill, list(node.call_args))
        kwargs = tree.map_structure(fill, dict(node.call_kwargs))
        outputs = call_function(new_op, *args, **kwargs) if call_function is not None else new_op(*args, **kwargs)
        for old, new in zip(node.outputs, tree.flatten(outputs)):
            values[id(old)] = new

    missing = [t.name for t in model.outputs if id(t) not in values]
    if missing:
        raise ValueError(f"clone_model: outputs {missing} of model {model.name!r} are not connected to the inputs.")
    outputs = tree.map_structure(fill, model.output)
    cls = type(model)
    if cls is not Functional and _functional_like_constructor(cls):
        clone = cls(input_tensors, outputs, name=model.name)
    else:
        clone = Functional(input_tensors, outputs, name=model.name)
    _compile_like(clone, model)
    return clone


def _same_structure(a, b) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b) and all(
            _same_structure(a[k], b[k]) for k in a)
    a_seq, b_seq = isinstance(a, (list, tuple)), isinstance(b, (list, tuple))
    if a_seq and b_seq:
        return len(a) == len(b) and all(_same_structure(x, y) for x, y in zip(a, b))
    if a_seq and len(a) == 1:  # [x] for a single input, as Keras accepts
        return _same_structure(a[0], b)
    return not a_seq and not b_seq


def _describe(s) -> Any:
    return tree.map_structure(lambda t: getattr(t, "shape", type(t).__name__), s)


# --------------------------------------------------------------------------- other models
def _clone_from_config(model):
    from lamina.saving.model_config import deserialize_model, serialize_model

    cls = type(model)
    if cls.get_config is Layer.get_config and _has_required_init_args(cls):
        raise NotImplementedError(
            f"clone_model: cannot clone the subclassed model {cls.__name__!r}: it does not implement "
            "get_config(), so its constructor arguments are unknown. Implement get_config() (and from_config() "
            "if needed).")
    config = serialize_model(model)
    safe_mode = _safe_mode()
    _check_config(model, config, safe_mode)
    objects = _known_classes(model)
    objects[cls.__name__] = cls
    with fs.safe_mode_scope(safe_mode):
        try:
            return deserialize_model(config, custom_objects=objects, compile=True, filepath="clone_model")
        except TypeError as e:
            raise TypeError(f"clone_model: cannot rebuild {cls.__name__!r} from its get_config(): {e}. "
                            "Its get_config() must return the constructor's arguments.") from e


def _has_required_init_args(cls) -> bool:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in params)
