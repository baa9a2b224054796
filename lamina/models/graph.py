"""Walking a graph of Nodes: which operations a Functional model runs, in what order.

The order of ``operations`` (and so of ``model.layers``, which decides the keys
in weight files) matches Keras: by depth from the outputs, deepest first; ties
in the order a depth-first walk from the outputs first meets them.
"""

from __future__ import annotations

from lamina.core.keras_tensor import KerasTensor


def map_graph(inputs: list, outputs: list):
    """Return ``(nodes_by_depth, operations)`` for the graph from ``inputs`` to ``outputs``."""
    input_ids = {id(t) for t in inputs}
    ordered_nodes: list = []  # inputs before outputs
    first_seen: dict = {}  # id(operation) -> discovery index
    finished, in_progress = set(), set()

    def visit(tensor):
        history = tensor._keras_history
        if history is None:
            raise ValueError(
                f"The tensor {tensor.name} was not produced by a lamina layer or op, so the Functional "
                "model cannot trace it back to its inputs. Only use lamina.Input and lamina layers/ops."
            )
        op = history.operation
        node = op._inbound_nodes[history.node_index]
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"The graph contains a cycle at {op.name}.")
        first_seen.setdefault(id(op), len(first_seen))
        in_progress.add(id(node))
        if not node.is_input and id(tensor) not in input_ids:
            for t in node.input_tensors:
                visit(t)
        in_progress.discard(id(node))
        finished.add(id(node))
        ordered_nodes.append(node)

    for t in outputs:
        visit(t)

    node_depth: dict = {}
    op_depth: dict = {}
    ops_by_id: dict = {}
    for node in reversed(ordered_nodes):
        depth = max(node_depth.setdefault(id(node), 0), op_depth.get(id(node.operation), 0))
        op_depth[id(node.operation)] = depth
        ops_by_id[id(node.operation)] = node.operation
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))

    for t in inputs:
        op = t._keras_history.operation
        if id(op) not in op_depth:
            op_depth[id(op)] = 0
            ops_by_id[id(op)] = op
            first_seen[id(op)] = -1
            node_depth[id(op._inbound_nodes[0])] = 0
            ordered_nodes.append(op._inbound_nodes[0])

    nodes_by_id = {id(n): n for n in ordered_nodes}
    nodes_by_depth: dict = {}
    for nid, depth in node_depth.items():
        if nid in nodes_by_id:
            nodes_by_depth.setdefault(depth, []).append(nodes_by_id[nid])

    operations = []
    for depth in sorted(set(op_depth.values()), reverse=True):
        same = [ops_by_id[i] for i, d in op_depth.items() if d == depth]
        same.sort(key=lambda op: first_seen[id(op)])
        operations.extend(same)

    for t in inputs:
        if not isinstance(t, KerasTensor):
            raise TypeError(f"Functional model inputs must be symbolic tensors from lamina.Input, received {t!r}.")
    _check_reachable(inputs, ordered_nodes)
    return nodes_by_depth, operations


def _check_reachable(inputs, nodes):
    input_ids = {id(t) for t in inputs}
    for node in nodes:
        if node.is_input:
            for t in node.outputs:
                if id(t) not in input_ids:
                    raise ValueError(
                        f"The model's outputs depend on the input {t.name}, which is not among the model's "
                        f"inputs {[x.name for x in inputs]}. Pass it in `inputs`."
                    )
