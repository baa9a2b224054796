"""Node: one call of an Operation on symbolic tensors, the edge structure of a Functional graph."""

from __future__ import annotations

from collections import namedtuple

from lamina.core.keras_tensor import KerasTensor
from lamina.utils import tree

KerasHistory = namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])


class Node:
    """Records that ``operation`` was called with ``call_args``/``call_kwargs`` and produced ``outputs``.

    Creating a Node stamps each output with its ``_keras_history`` so that a
    Functional model can walk back from its outputs to its inputs.
    """

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = [t for t in tree.flatten(outputs) if isinstance(t, KerasTensor)]
        self.input_tensors = [
            t for t in tree.flatten((self.call_args, self.call_kwargs)) if isinstance(t, KerasTensor)
        ]
        self.is_input = not self.input_tensors
        operation._inbound_nodes.append(self)
        node_index = len(operation._inbound_nodes) - 1
        for t in self.input_tensors:
            if t._keras_history is not None:
                t._keras_history.operation._outbound_nodes.append(self)
        for i, t in enumerate(self.outputs):
            t._keras_history = KerasHistory(operation, node_index, i)

    @property
    def parent_nodes(self) -> list:
        parents = []
        for t in self.input_tensors:
            h = t._keras_history
            if h is not None:
                parents.append(h.operation._inbound_nodes[h.node_index])
        return parents

    def __repr__(self):
        return f"<Node of {self.operation.name}: {len(self.input_tensors)} inputs -> {len(self.outputs)} outputs>"
