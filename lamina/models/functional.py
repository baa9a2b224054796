"""Functional: a model defined by a graph from symbolic inputs to outputs.

The graph is turned once, at construction, into a flat plan of steps; a
forward pass is a loop over that plan with no graph walking.

Example:
    >>> a, b = lamina.Input((3,)), lamina.Input((5,))
    >>> x = lamina.layers.Concatenate()([a, b])
    >>> model = lamina.Model([a, b], lamina.layers.Dense(1)(x))
"""

from __future__ import annotations

from lamina.core.keras_tensor import KerasTensor
from lamina.layers.layer import Layer
from lamina.models.graph import map_graph
from lamina.models.model import Model
from lamina.saving.serialization import builtin
from lamina.utils import tree


@builtin("keras")
class Functional(Model):
    """A Model whose ``call`` replays a recorded graph of layer and op calls."""

    def __new__(cls, *args, **kwargs):
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool = True, **kwargs):
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._flat_inputs = tree.flatten(inputs)
        self._flat_outputs = tree.flatten(outputs)
        for t in self._flat_inputs + self._flat_outputs:
            if not isinstance(t, KerasTensor):
                raise TypeError(
                    f"Functional model {self.name}: inputs and outputs must be symbolic tensors "
                    f"(from lamina.Input and layer calls), received {type(t).__name__}."
                )
        nodes_by_depth, operations = map_graph(self._flat_inputs, self._flat_outputs)
        self._operations = operations
        self._nodes = [n for d in sorted(nodes_by_depth, reverse=True) for n in nodes_by_depth[d] if not n.is_input]
        self._tracking = False
        self._layers = [op for op in operations if isinstance(op, Layer)]
        self._tracking = True
        self._input_names = [t._keras_history.operation.name for t in self._flat_inputs]
        self._output_masks = None
        self._init_trainer_state()
        self.built = True

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Keras 3's config of the graph: ``layers`` (with their inbound nodes), ``input_layers``,
        ``output_layers``."""
        from lamina.saving.model_config import functional_get_config

        return functional_get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the graph from a config, creating only registered (or passed) layer classes."""
        from lamina.saving.model_config import functional_from_config

        return functional_from_config(config, custom_objects=custom_objects, cls=cls)

    # ------------------------------------------------------------------ structure
    @property
    def layers(self) -> list:
        return list(self._layers)

    @property
    def operations(self) -> list:
        return list(self._operations)

    @property
    def inputs(self) -> list:
        return list(self._flat_inputs)

    @property
    def outputs(self) -> list:
        return list(self._flat_outputs)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = [t.shape for t in self._flat_inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self._flat_outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    # ------------------------------------------------------------------ running
    def _flatten_inputs(self, inputs) -> list:
        n = len(self._flat_inputs)
        if isinstance(inputs, dict):
            if isinstance(self._inputs_struct, dict):
                missing = [k for k in self._inputs_struct if k not in inputs]
                if missing:
                    raise ValueError(f'Model "{self.name}" expects inputs {sorted(self._inputs_struct)}; missing {missing}.')
                return tree.flatten({k: inputs[k] for k in self._inputs_struct})
            missing = [k for k in self._input_names if k not in inputs]
            if missing:
                raise ValueError(
                    f'Model "{self.name}" received a dict of inputs with keys {sorted(inputs)}, '
                    f"but its inputs are named {self._input_names}."
                )
            return [inputs[k] for k in self._input_names]
        flat = tree.flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != n:
            raise ValueError(
                f'Model "{self.name}" expects {n} input(s) ({self._input_names}), but it received '
                f"{len(flat)} input tensor(s)."
            )
        return flat

    def _check_input_shapes(self, flat) -> None:
        for kt, x in zip(self._flat_inputs, flat):
            shape = getattr(x, "shape", None)
            if shape is None:
                continue
            shape = tuple(shape)
            expected = kt.shape
            if len(shape) != len(expected):
                raise ValueError(
                    f'Input "{kt.name}" of model "{self.name}" is incompatible: expected shape={expected}, '
                    f"found shape={shape} (rank {len(shape)} instead of {len(expected)})."
                )
            for want, got in zip(expected[1:], shape[1:]):
                if want is not None and got is not None and int(want) != int(got):
                    raise ValueError(
                        f'Input "{kt.name}" of model "{self.name}" is incompatible: expected shape={expected}, '
                        f"found shape={shape}."
                    )

    def call(self, inputs, training=None, mask=None):
        flat = self._flatten_inputs(inputs)
        self._check_input_shapes(flat)
        masks = tree.flatten(mask) if isinstance(mask, (list, tuple)) else [mask] * len(flat)
        outputs, out_masks = self._run(flat, masks, symbolic=False)
        self.__dict__["_output_masks"] = out_masks  # a plain list of masks: nothing to track
        return tree.pack_sequence_as(self._outputs_struct, outputs)

    def compute_mask(self, inputs, mask=None):
        masks = self._output_masks
        if masks is None or all(m is None for m in masks):
            return None
        return masks[0] if len(masks) == 1 else masks

    def compute_output_spec(self, inputs, training=None, mask=None):
        flat = self._flatten_inputs(inputs)
        outputs, _ = self._run(flat, [None] * len(flat), symbolic=True)
        return tree.pack_sequence_as(self._outputs_struct, outputs)

    def _run(self, flat_inputs, flat_masks, symbolic: bool):
        values = {}
        masks = {}
        for kt, x, m in zip(self._flat_inputs, flat_inputs, flat_masks):
            values[id(kt)] = x
            if m is not None:
                masks[id(kt)] = m
        nodes = self._nodes
        pre = self.__dict__.get("_prefix_values")
        if pre is not None and not symbolic:  # outputs of the eager prefix, computed before jax.jit
            values.update(pre)
            nodes = self._nodes_after_prefix
        for node, dead in zip(nodes, self._release_plan(nodes)):
            _run_node(node, values, masks, symbolic)
            for key in dead:  # intermediates no later node reads: freed now, not at the end
                del values[key]
        return [values[id(t)] for t in self._flat_outputs], [masks.get(id(t)) for t in self._flat_outputs]

    def _release_plan(self, nodes) -> list:
        """Per node, the ids of the tensors whose last reader it is (never the model's outputs), so a
        forward pass holds only live intermediates, as a hand-written one does. Computed once per list."""
        plans = self.__dict__.setdefault("_release_plans", {})
        entry = plans.get(id(nodes))
        if entry is not None and entry[0] is nodes:
            return entry[1]
        keep = {id(t) for t in self._flat_outputs}
        last = {}
        for i, node in enumerate(nodes):
            for t in tree.flatten((node.call_args, node.call_kwargs)):
                if isinstance(t, KerasTensor):
                    last[id(t)] = i
        plan = [[] for _ in nodes]
        for key, i in last.items():
            if key not in keep:
                plan[i].append(key)
        plan = [tuple(p) for p in plan]
        plans[id(nodes)] = (nodes, plan)
        return plan

    # ------------------------------------------------------------------ eager prefix (string layers)
    def _eager_prefix(self):
        """The leading nodes that must run outside jax.jit: layers with ``supports_jit=False`` (string
        lookups, hashing) reading only the model's inputs or each other. None when such a layer sits
        deeper in the graph (or inside a nested model) or has trainable weights. Computed once."""
        if "_eager_prefix_nodes" in self.__dict__:
            return self.__dict__["_eager_prefix_nodes"]
        prefix, known, prefix_layers = [], {id(t) for t in self._flat_inputs}, set()
        for node in self._nodes:
            op = node.operation
            if getattr(op, "supports_jit", True):
                continue
            inputs = [t for t in tree.flatten((node.call_args, node.call_kwargs)) if isinstance(t, KerasTensor)]
            if not all(id(t) in known for t in inputs) or getattr(op, "trainable_weights", None):
                prefix = None
                break
            prefix.append(node)
            prefix_layers.update(id(l) for l in (op._flatten_layers() if isinstance(op, Layer) else [op]))
            known.update(id(t) for t in node.outputs)
        if prefix is not None and any(not getattr(l, "supports_jit", True) and id(l) not in prefix_layers
                                      for l in self._flatten_layers(include_self=False)):
            prefix = None
        object.__setattr__(self, "_eager_prefix_nodes", prefix or None)
        object.__setattr__(self, "_eager_prefix_layers", prefix_layers if prefix else set())
        if prefix:
            ids = {id(n) for n in prefix}
            object.__setattr__(self, "_nodes_after_prefix", [n for n in self._nodes if id(n) not in ids])
        return prefix or None

    def _run_eager_prefix(self, inputs) -> dict:
        """Run the eager prefix on real inputs: ``{id(symbolic tensor): value}`` for its outputs."""
        values = {id(kt): x for kt, x in zip(self._flat_inputs, self._flatten_inputs(inputs))}
        for node in self.__dict__["_eager_prefix_nodes"]:
            _run_node(node, values, {}, False)
        return {id(t): values[id(t)] for node in self.__dict__["_eager_prefix_nodes"] for t in node.outputs}


def _fill_argument_masks(layer, args, recorded_kwargs, call_kwargs, masks):
    """Pass each tensor argument's mask as ``<argument>_mask`` where the layer's ``call`` takes one
    (e.g. MultiHeadAttention's ``value_mask``), as Keras does; explicit masks win."""
    sig = layer._signature
    named = list(zip(sig.positional, args)) + list(recorded_kwargs.items())
    for name, tensor in named:
        if not isinstance(tensor, KerasTensor) or name == sig.first_arg:
            continue
        mask_name = f"{name}_mask"
        if mask_name in sig.parameters and call_kwargs.get(mask_name) is None:
            mask = masks.get(id(tensor))
            if mask is not None:
                call_kwargs[mask_name] = mask


def _run_node(node, values, masks, symbolic):
    op = node.operation
    args = node.call_args
    if len(args) == 1 and not node.call_kwargs and type(args[0]) is KerasTensor:
        key = id(args[0])
        call_args, call_kwargs, input_mask = (values[key],), {}, masks.get(key)
    else:
        def fill(v):
            return values[id(v)] if isinstance(v, KerasTensor) else v

        call_args = tree.map_structure(fill, args)
        call_kwargs = tree.map_structure(fill, node.call_kwargs)
        first = args[0] if args else None
        if isinstance(first, KerasTensor):
            input_mask = masks.get(id(first))
        elif isinstance(first, (list, tuple)):
            ms = [masks.get(id(t)) if isinstance(t, KerasTensor) else None for t in first]
            input_mask = None if all(m is None for m in ms) else ms
        else:
            input_mask = None
        if isinstance(op, Layer) and masks:
            _fill_argument_masks(op, args, node.call_kwargs, call_kwargs, masks)
    if symbolic or not isinstance(op, Layer):
        outputs, out_mask = op(*call_args, **call_kwargs), None
    else:
        outputs, out_mask = op._call_impl(call_args, call_kwargs, input_mask)
    outs = node.outputs
    if len(outs) == 1:
        values[id(outs[0])] = outputs if not isinstance(outputs, (list, tuple)) else tree.flatten(outputs)[0]
        if out_mask is not None:
            masks[id(outs[0])] = out_mask if not isinstance(out_mask, (list, tuple)) else out_mask[0]
    else:
        flat = tree.flatten(outputs)
        for i, t in enumerate(outs):
            values[id(t)] = flat[i]
        if out_mask is not None:
            flat_masks = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask] * len(outs)
            for t, m in zip(outs, flat_masks):
                if m is not None:
                    masks[id(t)] = m
