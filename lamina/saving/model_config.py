"""Model configs in Keras 3's structure: Functional graphs, whole-model configs and compile configs.

A Functional config lists its layers in ``model.layers`` order, each with its
``name`` and ``inbound_nodes`` (the call arguments, with every symbolic tensor
written as ``{"class_name": "__keras_tensor__", "config": {"shape", "dtype",
"keras_history": [layer_name, node_index, tensor_index]}}``), plus
``input_layers`` and ``output_layers`` as such triples. Rebuilding replays the
calls in an order where every input already exists; a config whose graph is
inconsistent (a missing layer, a node that never becomes computable, an object
that is not a layer) is refused with a clear error.

Example:
    >>> config = serialize_model(model)          # what config.json holds
    >>> clone = deserialize_model(config)
"""

from __future__ import annotations

import inspect
import json

from lamina.saving import graph_ops
from lamina.saving import serialization as ser
from lamina.saving.file_safety import LaminaFileError


def _functional_cls():
    from lamina.models.functional import Functional

    return Functional


def _has_own_functional_config(method: str) -> bool:
    """Whether a Functional config path other than this module's should be used.

    Functional.get_config/from_config delegate here, so saving always takes this module's path
    (Keras's module and registered names for the Functional class)."""
    return False


# --------------------------------------------------------------------------- Functional -> config
def functional_get_config(model) -> dict:
    """The Keras 3 config dict of a Functional model (``layers``, ``input_layers``, ``output_layers``)."""
    from lamina.core.keras_tensor import KerasTensor
    from lamina.layers.layer import Layer

    model_nodes = {id(n) for n in model._nodes}
    for t in model.inputs:
        model_nodes.add(id(t._keras_history.operation._inbound_nodes[t._keras_history.node_index]))
    reindex = {}  # (id(op), old node index) -> new node index
    for op in model.operations:
        kept = 0
        for i, node in enumerate(op._inbound_nodes):
            if id(node) in model_nodes:
                reindex[(id(op), i)] = kept
                kept += 1

    def tensor_ref(t):
        h = t._keras_history
        return [h.operation.name, reindex.get((id(h.operation), h.node_index), h.node_index), h.tensor_index]

    def arg(v):
        if isinstance(v, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(v.shape), "dtype": v.dtype, "keras_history": tensor_ref(v)}}
        if isinstance(v, slice):
            return {"class_name": "__slice__", "config": {"start": v.start, "stop": v.stop, "step": v.step}}
        if v is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        if isinstance(v, (list, tuple)):
            return [arg(x) for x in v]
        if isinstance(v, dict):
            return {k: arg(x) for k, x in v.items()}
        return ser.serialize_keras_object(v)

    layers = []
    for op in model.operations:
        if not isinstance(op, Layer):
            nodes = [node for node in op._inbound_nodes if id(node) in model_nodes and not node.is_input]
            layers.append(graph_ops.op_entry(op, nodes, arg))
            continue
        entry = serialize_layer(op)
        entry["name"] = op.name
        entry["inbound_nodes"] = [
            {"args": arg(list(node.call_args)), "kwargs": arg(dict(node.call_kwargs))}
            for node in op._inbound_nodes if id(node) in model_nodes and not node.is_input
        ]
        layers.append(entry)

    def struct(s):
        if isinstance(s, KerasTensor):
            return tensor_ref(s)
        if isinstance(s, dict):
            return {k: struct(v) for k, v in s.items()}
        return [struct(v) for v in s]

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": struct(model._inputs_struct), "output_layers": struct(model._outputs_struct)}


def serialize_layer(layer) -> dict:
    """``serialize_keras_object`` for a layer, using the Functional config for Functional models."""
    Functional = _functional_cls()
    if isinstance(layer, Functional) and not _has_own_functional_config("get_config") \
            and type(layer).get_config is Functional.get_config:
        config = {"module": "keras.src.models.functional", "class_name": "Functional",
                  "config": functional_get_config(layer), "registered_name": "Functional",
                  "build_config": {"input_shape": None}}
        compile_config = layer.get_compile_config() if hasattr(layer, "get_compile_config") else None
        if compile_config:
            config["compile_config"] = compile_config
        if type(layer) is not Functional:
            config["class_name"] = type(layer).__name__
            config["registered_name"] = ser.get_registered_name(type(layer))
            config["module"] = None
        return config
    return ser.serialize_keras_object(layer)


def _rewrite_build_configs(config, to_keras: bool):
    """Keras wraps multi-argument build shapes as ``{"shapes_dict": {...}}``; lamina's Layer takes them flat.

    Applied to a whole serialized model on write (to_keras=True) and on read, so
    either side's files build the other's multi-input layers (e.g. MultiHeadAttention).
    """
    stack = [config]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            bc = v.get("build_config")
            if isinstance(bc, dict):
                if to_keras and bc and "input_shape" not in bc and "shapes_dict" not in bc:
                    v["build_config"] = {"shapes_dict": bc}
                elif not to_keras and set(bc) == {"shapes_dict"} and isinstance(bc["shapes_dict"], dict):
                    v["build_config"] = dict(bc["shapes_dict"])
            stack.extend(x for k, x in v.items() if k != "build_config")
    return config


def serialize_model(model) -> dict:
    """The Keras 3 config of a whole model (what ``config.json`` and ``to_json`` hold)."""
    return _rewrite_build_configs(serialize_layer(model), to_keras=True)


# --------------------------------------------------------------------------- config -> Functional
def _is_triple(v) -> bool:
    return (isinstance(v, list) and len(v) == 3 and isinstance(v[0], str)
            and isinstance(v[1], int) and isinstance(v[2], int) and not isinstance(v[1], bool))


def functional_from_config(config: dict, custom_objects=None, cls=None):
    """Rebuild a Functional model from its Keras 3 config, creating only registered layer classes."""
    from lamina.layers.layer import Layer

    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise LaminaFileError("Functional config: expected a dict with a 'layers' list.")
    created: dict = {}
    pending: list = []  # [layer, [node_data, ...]] in config order
    for layer_data in config["layers"]:
        if not isinstance(layer_data, dict):
            raise LaminaFileError(f"Functional config: a layer entry must be a dict, received {type(layer_data).__name__}.")
        name = layer_data.get("name") or (layer_data.get("config") or {}).get("name")
        if not isinstance(name, str):
            raise LaminaFileError("Functional config: a layer entry has no name.")
        if name in created:
            raise LaminaFileError(f"Functional config: two layers are named {name!r}.")
        entry = {k: v for k, v in layer_data.items() if k not in ("name", "inbound_nodes")}
        if graph_ops.is_op_entry(layer_data):  # an op called directly in the graph (``inputs + x``)
            layer = graph_ops.graph_op_from_entry(name, layer_data)
        else:
            layer = ser.deserialize_keras_object(entry, custom_objects=custom_objects)
        if not isinstance(layer, (Layer, graph_ops.GraphOp)):
            raise LaminaFileError(
                f"Functional config: entry {name!r} ({layer_data.get('class_name')!r}) is not a layer "
                f"(it deserialized to {type(layer).__name__}).")
        created[name] = layer
        nodes = layer_data.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise LaminaFileError(f"Functional config: inbound_nodes of {name!r} must be a list.")
        pending.append([layer, list(nodes)])

    def lookup(ref):
        if not _is_triple(ref):
            raise LaminaFileError(f"Functional config: bad tensor reference {ref!r}; expected [layer_name, node, index].")
        name, node_index, tensor_index = ref
        layer = created.get(name)
        if layer is None:
            raise LaminaFileError(f"Functional config: a tensor refers to an unknown layer {name!r}.")
        if node_index < 0 or node_index >= len(layer._inbound_nodes):
            return None
        outs = layer._inbound_nodes[node_index].outputs
        if tensor_index < 0 or tensor_index >= len(outs):
            raise LaminaFileError(f"Functional config: layer {name!r} node {node_index} has no output {tensor_index}.")
        return outs[tensor_index]

    class _NotReady(Exception):
        pass

    def fill(v):
        if isinstance(v, dict):
            if v.get("class_name") == "__keras_tensor__":
                inner = v.get("config")
                t = lookup(inner.get("keras_history") if isinstance(inner, dict) else None)
                if t is None:
                    raise _NotReady
                return t
            if v.get("class_name") == "__slice__":
                c = v.get("config") if isinstance(v.get("config"), dict) else {}
                bounds = [c.get(k) for k in ("start", "stop", "step")]
                if not all(b is None or (isinstance(b, int) and not isinstance(b, bool)) for b in bounds):
                    raise LaminaFileError(f"Functional config: bad slice {v!r}.")
                return slice(*bounds)
            if v.get("class_name") == "__ellipsis__":
                return Ellipsis
            if "class_name" in v:
                return ser.deserialize_keras_object(v, custom_objects=custom_objects)
            return {k: fill(x) for k, x in v.items()}
        if isinstance(v, list):
            return [fill(x) for x in v]
        return v

    def run_node(layer, node_data):
        if isinstance(node_data, list):  # the older [[name, node, tensor, kwargs], ...] style
            tensors = []
            kwargs = {}
            for item in node_data:
                if not (isinstance(item, list) and len(item) >= 3):
                    raise LaminaFileError(f"Functional config: bad inbound node {node_data!r} for {layer.name!r}.")
                t = lookup(item[:3])
                if t is None:
                    raise _NotReady
                tensors.append(t)
                if len(item) > 3 and isinstance(item[3], dict):
                    kwargs = fill(item[3])
            layer(tensors[0] if len(tensors) == 1 else tensors, **kwargs)
            return
        if not isinstance(node_data, dict):
            raise LaminaFileError(f"Functional config: bad inbound node {node_data!r} for {layer.name!r}.")
        args = fill(node_data.get("args", []))
        kwargs = fill(node_data.get("kwargs", {}))
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise LaminaFileError(f"Functional config: bad inbound node args/kwargs for {layer.name!r}.")
        layer(*args, **kwargs)

    while pending:
        progressed = False
        for item in pending:
            layer, nodes = item
            while nodes:
                try:
                    run_node(layer, nodes[0])
                except _NotReady:
                    break
                nodes.pop(0)
                progressed = True
        pending = [item for item in pending if item[1]]
        if pending and not progressed:
            names = [item[0].name for item in pending]
            raise LaminaFileError(f"Functional config: the graph cannot be rebuilt; layers {names} wait for "
                                  "inputs that no layer produces.")

    def struct(s, what):
        if _is_triple(s):
            t = lookup(s)
            if t is None:
                raise LaminaFileError(f"Functional config: {what} refers to a node that does not exist: {s!r}.")
            return t
        if isinstance(s, dict):
            return {k: struct(v, what) for k, v in s.items()}
        if isinstance(s, list):
            return [struct(v, what) for v in s]
        raise LaminaFileError(f"Functional config: bad {what} {s!r}.")

    inputs = struct(config.get("input_layers"), "input_layers")
    outputs = struct(config.get("output_layers"), "output_layers")
    target = cls if cls is not None else _functional_cls()
    kwargs = {"name": config.get("name"), "trainable": config.get("trainable", True)}
    model = target(inputs, outputs, **kwargs) if target is _functional_cls() else target(
        inputs=inputs, outputs=outputs, **kwargs)
    return model


class _FunctionalLoader:
    """Stands in for Functional in the registry lookups of a load, until Functional has its own from_config."""

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return functional_from_config(config, custom_objects)


def loader_objects(custom_objects=None) -> dict:
    """custom_objects for a load: the caller's, plus the Functional loader where lamina lacks one."""
    objects = dict(custom_objects or {})
    if not _has_own_functional_config("from_config"):
        objects.setdefault("Functional", _FunctionalLoader)
    return objects


# --------------------------------------------------------------------------- whole models
def deserialize_model(config, custom_objects=None, compile: bool = True, filepath="config"):
    """Build a model from its serialized config (``config.json``'s content); compile it if asked and possible."""
    from lamina.layers.layer import Layer

    if not isinstance(config, dict) or "class_name" not in config:
        raise LaminaFileError(f"{filepath}: the model config must be a dict with a 'class_name'.")
    objects = loader_objects(custom_objects)
    config = _rewrite_build_configs(json.loads(json.dumps(config)), to_keras=False)
    with ser.custom_object_scope(objects):
        entry = {k: v for k, v in config.items() if k != "compile_config"}
        model = ser.deserialize_keras_object(entry, custom_objects=objects)
        if not isinstance(model, Layer) or not hasattr(model, "compile"):
            raise LaminaFileError(f"{filepath}: the config describes a {type(model).__name__}, not a model.")
        _build_by_run(model, config.get("build_config"))
        compile_config = config.get("compile_config")
        if compile and compile_config:
            compile_from_config(model, compile_config, objects)
    return model


def _build_by_run(model, build_config) -> None:
    """A subclassed model whose sub-layers are still unbuilt is run once on symbolic inputs of its build shape."""
    from lamina.core.keras_tensor import KerasTensor
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    if isinstance(model, (Functional, Sequential)) or not isinstance(build_config, dict):
        return
    shape = build_config.get("input_shape")
    if not isinstance(shape, list) or not all(d is None or isinstance(d, int) for d in shape):
        return
    if all(layer.built for layer in model._flatten_layers(include_self=False)):
        return
    model(KerasTensor(tuple(shape), dtype=model.compute_dtype))


def _deserialize_nested(value, custom_objects, module_objects=None):
    if isinstance(value, dict):
        if "class_name" in value:
            return ser.deserialize_keras_object(value, custom_objects=custom_objects, module_objects=module_objects)
        return {k: _deserialize_nested(v, custom_objects, module_objects) for k, v in value.items()}
    if isinstance(value, list):
        return [_deserialize_nested(v, custom_objects, module_objects) for v in value]
    return value


def compile_from_config(model, config: dict, custom_objects=None) -> None:
    """Compile ``model`` from a Keras compile config and build its optimizer (so its state can load)."""
    from lamina import losses, metrics, optimizers

    if not isinstance(config, dict):
        raise LaminaFileError("compile_config must be a dict.")
    optimizer = config.get("optimizer", "rmsprop")
    if isinstance(optimizer, dict):
        optimizer = optimizers.deserialize(optimizer, custom_objects=custom_objects)
    kwargs = {"optimizer": optimizer}
    loss_objects = getattr(losses, "ALL_OBJECTS_DICT", None)
    if config.get("loss") is not None:
        kwargs["loss"] = _deserialize_nested(config["loss"], custom_objects, loss_objects)
    for key in ("metrics", "weighted_metrics"):
        if config.get(key) is not None:
            kwargs[key] = _deserialize_nested(config[key], custom_objects, _metric_objects(metrics))
    accepted = inspect.signature(model.compile).parameters
    for key in ("loss_weights", "run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss"):
        if key in config and key in accepted:
            kwargs[key] = config[key]
    model.compile(**kwargs)
    if model.built and model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


def _metric_objects(metrics_module):
    table = getattr(metrics_module, "ALL_OBJECTS_DICT", None)
    if table is None and hasattr(metrics_module, "_module_objects"):
        try:
            table = metrics_module._module_objects()
        except Exception:
            table = None
    return table
