"""model.summary(): a table of layers, output shapes and parameter counts, like Keras's."""

from __future__ import annotations

import io

import numpy as np


def _format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} GB"


def _dtype_bytes(dtype: str) -> int:
    return {"float64": 8, "int64": 8, "float16": 2, "bfloat16": 2, "int16": 2, "int8": 1, "uint8": 1, "bool": 1}.get(dtype, 4)


def _count(variables) -> tuple[int, int]:
    n = sum(int(np.prod(v.shape)) for v in variables)
    b = sum(int(np.prod(v.shape)) * _dtype_bytes(v._dtype) for v in variables)
    return n, b


def _output_shape(layer) -> str:
    nodes = layer._inbound_nodes
    if not nodes:
        return "?"
    outs = nodes[-1].outputs
    shapes = [o.shape for o in outs]
    return str(shapes[0]) if len(shapes) == 1 else str(shapes)


def _connections(layer, model_layers) -> str:
    names = []
    for node in layer._inbound_nodes[-1:] if layer._inbound_nodes else []:
        for t in node.input_tensors:
            h = t._keras_history
            if h is not None:
                names.append(f"{h.operation.name}[{h.node_index}][{h.tensor_index}]")
    return ", ".join(names) if names else "-"


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None) -> None:
    from rich.console import Console
    from rich.table import Table

    from lamina.layers.core.input_layer import InputLayer
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    layers = model._layers if isinstance(model, Functional) else model.layers
    if isinstance(model, Sequential):
        layers = model.layers
    functional_multi = isinstance(model, Functional) and not isinstance(model, Sequential) and (
        len(model.inputs) > 1 or any(len(l._inbound_nodes[-1].input_tensors) > 1
                                      for l in layers if l._inbound_nodes and not isinstance(l, InputLayer))
    )
    table = Table(title=None, show_lines=False)
    table.add_column("Layer (type)", no_wrap=True)
    table.add_column("Output Shape")
    table.add_column("Param #", justify="right")
    if functional_multi:
        table.add_column("Connected to")
    if show_trainable:
        table.add_column("Trainable")
    for layer in layers:
        params = layer.count_params() if layer.built else 0
        row = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer), f"{params:,}"]
        if functional_multi:
            row.append(_connections(layer, layers))
        if show_trainable:
            row.append("Y" if layer.trainable else "N")
        table.add_row(*row)
    trainable_n, trainable_b = _count(model.trainable_weights)
    non_trainable_n, non_trainable_b = _count(model.non_trainable_weights)
    buffer = io.StringIO()
    console = Console(file=buffer, width=line_length or 100, force_terminal=False, color_system=None)
    console.print(f'Model: "{model.name}"')
    console.print(table)
    console.print(f" Total params: {trainable_n + non_trainable_n:,} ({_format_bytes(trainable_b + non_trainable_b)})")
    console.print(f" Trainable params: {trainable_n:,} ({_format_bytes(trainable_b)})")
    console.print(f" Non-trainable params: {non_trainable_n:,} ({_format_bytes(non_trainable_b)})")
    text = buffer.getvalue()
    if print_fn is None:
        print(text, end="")
    else:
        for line in text.rstrip("\n").split("\n"):
            print_fn(line)
