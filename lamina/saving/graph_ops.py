"""Ops called directly in a Functional graph (``inputs + x``, ``ops.sum(x, axis=1)``), in Keras 3's config form.

Keras records such a call as an entry like a layer's: ``{"module": "keras.src.ops.numpy", "class_name":
"Sum", "config": {"name": "sum", "axis": 1}, "inbound_nodes": [{"args": [<tensor>], ...}]}`` — the op's
non-tensor parameters in ``config``, its tensor parameters in the node's arguments. Loading resolves
``class_name`` only to a ``lamina.ops`` function of the same name in the same family (numpy, core, nn,
math, linalg, image) that is a symbolic op (a pure computation): nothing else can be named, so a file
cannot reach any other code this way.

Example:
    >>> entry = op_entry(operation, node)            # what a config holds for one op node
    >>> graph_op = graph_op_from_entry(entry)        # callable on KerasTensors while rebuilding
"""

from __future__ import annotations

import importlib
import inspect
import re

from lamina.core.keras_tensor import KerasTensor
from lamina.saving.file_safety import LaminaFileError
from lamina.utils import tree

_FAMILIES = ("numpy", "core", "nn", "math", "linalg", "image")
_KERAS_PREFIX = "keras.src.ops."
# Parameters Keras's op classes take at call time (the rest are constructor arguments, kept in the config).
_TENSOR_PARAMS = frozenset({
    "x", "x1", "x2", "x3", "xs", "inputs", "a", "b", "y", "key", "condition", "indices", "updates",
    "values", "target", "output", "query", "value", "bias", "mask", "kernel", "start_indices", "lhs", "rhs",
    "images", "sequences", "elements", "test_elements", "weights", "scale", "offset", "mean", "variance",
})


def is_op_entry(layer_data: dict) -> bool:
    module = layer_data.get("module")
    return isinstance(module, str) and module.startswith(_KERAS_PREFIX)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _resolve(module: str, class_name) -> object:
    family = module[len(_KERAS_PREFIX):]
    if family not in _FAMILIES or not isinstance(class_name, str) or not class_name.isidentifier():
        raise LaminaFileError(f"Functional config: unknown op {class_name!r} of module {module!r}.")
    fn = getattr(importlib.import_module(f"lamina.ops.{family}"), _snake(class_name), None)
    if fn is None or not callable(fn) or not hasattr(fn, "compute_output_spec"):
        raise LaminaFileError(
            f"Functional config: the graph calls the op {class_name!r} ({module}), which lamina does not have."
        )
    return fn


class GraphOp:
    """Stands in for a layer while a graph is rebuilt: calling it records the op's node under the entry's name."""

    def __init__(self, name: str, fn, static: dict, module: str, class_name: str):
        self.name = name
        self._fn = fn
        self._static = static
        self._entry = (module, class_name, static)
        self._inbound_nodes: list = []

    def __call__(self, *args, **kwargs):
        if self._entry[1] == "GetItem" and len(args) > 1 and isinstance(args[1], list):
            args = (args[0], tuple(args[1])) + args[2:]  # Keras writes an index tuple as a list
        outputs = self._fn(*args, **self._static, **kwargs)
        history = getattr(tree.flatten(outputs)[0], "_keras_history", None)
        if history is None:
            raise LaminaFileError(f"Functional config: the op {self.name!r} was called on no symbolic input.")
        operation = history.operation
        operation.name = self.name
        operation._keras_op_entry = self._entry
        self._inbound_nodes.append(operation._inbound_nodes[history.node_index])
        return outputs


def graph_op_from_entry(name: str, layer_data: dict) -> GraphOp:
    module, class_name = layer_data["module"], layer_data.get("class_name")
    fn = _resolve(module, class_name)
    config = layer_data.get("config") or {}
    if not isinstance(config, dict):
        raise LaminaFileError(f"Functional config: the config of op {name!r} must be a dict.")
    static = {k: v for k, v in config.items() if k != "name"}
    return GraphOp(name, fn, static, module, class_name)


def _has_tensor(value) -> bool:
    return any(isinstance(v, KerasTensor) for v in tree.flatten(value))


def op_entry(operation, nodes, arg) -> dict:
    """The Keras config entry of a recorded op; ``arg`` serializes call arguments (tensors as references)."""
    entry = getattr(operation, "_keras_op_entry", None)
    if entry is not None:
        module, class_name, static = entry
    else:
        fn = operation._fn
        family = fn.__module__.split(".")[2] if fn.__module__.startswith("lamina.ops.") else "numpy"
        module, class_name, static = _KERAS_PREFIX + family, _camel(getattr(fn, "__name__", operation.op_name)), None
    inbound = []
    for node in nodes:
        args, kwargs = list(node.call_args), dict(node.call_kwargs)
        if static is None:
            static, args, kwargs = _split_static(operation._fn, args, kwargs)
        else:
            kwargs = {k: v for k, v in kwargs.items() if k not in static}
        inbound.append({"args": arg(args), "kwargs": arg(kwargs)})
    config = {"name": operation.name, **(static or {})}
    return {"module": module, "class_name": class_name, "config": config, "registered_name": class_name,
            "name": operation.name, "inbound_nodes": inbound}


def _split_static(fn, args, kwargs):
    """Keras's split of an op call: tensor parameters stay call arguments, the others go to the config."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return {}, args, kwargs
    static, call_args = {}, []
    positional = True
    for name, value in bound.arguments.items():
        tensor_like = name in _TENSOR_PARAMS or _has_tensor(value)
        if tensor_like and positional:
            call_args.append(value)
        else:
            positional = False
            if tensor_like:
                raise ValueError(f"Cannot serialize the op call {fn.__name__}: its argument {name!r} holds a "
                                 "symbolic tensor after a constant argument.")
            static[name] = list(value) if isinstance(value, tuple) else value
    return static, call_args, {}
