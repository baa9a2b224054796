"""``plot_model`` and ``model_to_dot``: draw a model's layer graph with pydot and Graphviz.

``model_to_dot`` builds a ``pydot.Dot`` graph (one box per layer, one arrow per
connection) and needs only the ``pydot`` package. ``plot_model`` also renders
it to an image file, which needs the Graphviz ``dot`` program on the PATH; a
clear ImportError/OSError says what is missing.

Example:
    >>> dot = lamina.utils.model_to_dot(model, show_shapes=True)
    >>> print(dot.to_string())          # DOT text, no Graphviz needed
    >>> lamina.utils.plot_model(model, "model.png", show_shapes=True)
"""

from __future__ import annotations

import os


def _pydot(what: str):
    try:
        import pydot
    except ImportError:
        raise ImportError(f"{what} needs the `pydot` package to build the graph (`pip install pydot`) and the "
                          "Graphviz `dot` program to render it (https://graphviz.org/download/).") from None
    return pydot


def _graph_operations(model) -> list:
    graph = getattr(model, "_functional", None) or model
    if hasattr(graph, "operations"):
        return list(graph.operations)
    return list(getattr(model, "layers", []))


def _shape_text(tensors) -> str:
    shapes = [tuple(t.shape) for t in tensors]
    if not shapes:
        return "?"
    text = ", ".join(str(s) for s in shapes)
    return text if len(shapes) == 1 else f"[{text}]"


def _label(op, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable) -> str:
    kind = type(op).__name__
    title = f"{op.name} ({kind})" if show_layer_names else kind
    rows = [title]
    if show_layer_activations and getattr(op, "activation", None) is not None:
        act = op.activation
        rows.append(f"Activation: {getattr(act, '__name__', getattr(act, 'name', str(act)))}")
    nodes = getattr(op, "_inbound_nodes", [])
    if show_shapes and nodes:
        node = nodes[0]
        if not node.is_input:
            rows.append(f"Input shape: {_shape_text(node.input_tensors)}")
        rows.append(f"Output shape: {_shape_text(node.outputs)}")
    if show_dtype and nodes and nodes[0].outputs:
        rows.append(f"Output dtype: {nodes[0].outputs[0].dtype}")
    if show_trainable and hasattr(op, "trainable") and getattr(op, "weights", None):
        rows.append(f"Trainable: {'yes' if op.trainable else 'no'}")
    return "\n".join(rows)


def model_to_dot(model, show_shapes: bool = False, show_dtype: bool = False, show_layer_names: bool = True,
                 rankdir: str = "TB", expand_nested: bool = False, dpi: int = 200, subgraph: bool = False,
                 show_layer_activations: bool = False, show_trainable: bool = False, splines: str = "ortho",
                 **kwargs):
    """Build a ``pydot.Dot`` graph of ``model``'s layers and connections (needs pydot, not Graphviz)."""
    if not getattr(model, "built", False):
        raise ValueError(f"model_to_dot: the model {getattr(model, 'name', model)!r} is not built yet; build it "
                         "(call it on data, or give it an Input) before drawing it.")
    pydot = _pydot("model_to_dot")
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
    dot.set_node_defaults(shape="record")
    operations = _graph_operations(model)
    members = {id(op) for op in operations}
    for op in operations:
        label = _label(op, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)
        dot.add_node(pydot.Node(str(id(op)), label=label))
    for op in operations:
        for node in getattr(op, "_inbound_nodes", []):
            for parent in node.parent_nodes:
                src = parent.operation
                if id(src) in members and not dot.get_edge(str(id(src)), str(id(op))):
                    dot.add_edge(pydot.Edge(str(id(src)), str(id(op))))
    return dot


def plot_model(model, to_file: str = "model.png", show_shapes: bool = False, show_dtype: bool = False,
               show_layer_names: bool = False, rankdir: str = "TB", expand_nested: bool = False, dpi: int = 200,
               show_layer_activations: bool = False, show_trainable: bool = False, splines: str = "ortho", **kwargs):
    """Render ``model``'s layer graph to ``to_file`` (png, svg, pdf, dot... from the extension).

    Needs pydot and the Graphviz ``dot`` program.
    """
    pydot = _pydot("plot_model")
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable,
                       splines=splines)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    if extension == "dot":
        with open(to_file, "w") as f:
            f.write(dot.to_string())
        return None
    try:
        dot.write(to_file, format=extension)
    except (OSError, getattr(pydot, "PydotException", OSError)) as e:
        raise OSError(f"plot_model: could not render {to_file!r} with Graphviz ({e}). Install the Graphviz `dot` "
                      "program (https://graphviz.org/download/) and make sure it is on the PATH; "
                      "`model_to_dot(model).to_string()` gives the DOT text without Graphviz.") from None
    if extension != "pdf":
        try:
            from IPython import display

            return display.Image(filename=to_file)
        except ImportError:
            pass
    return None
