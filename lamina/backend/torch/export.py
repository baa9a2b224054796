"""Serving exports on the torch backend: an ONNX file (torch.onnx, dynamo exporter) or a ``.pt2`` program.

The lamina function to export (usually a model's inference call) is wrapped
in a ``torch.nn.Module`` whose parameters are the lamina variables' own
storage, so both exporters see real weights (named after the variables'
paths) instead of anonymous constants. Input dimensions given as ``None`` are
exported as dynamic dimensions (the first one is named ``batch``); when the
traced code fixes such a dimension, it is exported with torch's automatic
dynamic shapes, which keeps every dimension dynamic that can be.

Example:
    >>> export_onnx(lambda x: model(x, training=False), model.variables,
    ...             [((None, 4), "float32", "x")], "model.onnx")
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings

import torch

from lamina.backend.torch.core import default_device, to_native_dtype

# The size used for a dynamic dimension in the example inputs torch traces with (not 0 or 1,
# which torch specializes, and unlikely to coincide with a static size the model relates it to).
_SAMPLE_DIM = {0: 3}
_SAMPLE_OTHER = 7


class _ExportModule(torch.nn.Module):
    """A torch module running ``fn`` over flat tensors, holding the variables as its parameters."""

    def __init__(self, fn, variables, structure):
        super().__init__()
        self._lamina_fn = fn
        self._lamina_structure = structure
        used = set()
        for variable in variables:
            storage = variable._value
            base = re.sub(r"\W", "_", str(getattr(variable, "path", None) or variable.name)) or "var"
            name, i = base, 1
            while name in used or hasattr(self, name):
                name, i = f"{base}_{i}", i + 1
            used.add(name)
            if isinstance(storage, torch.nn.Parameter):
                self.register_parameter(name, storage)
            else:
                self.register_buffer(name, storage)

    def forward(self, *flat_args):
        structure = self._lamina_structure
        if structure == "single":
            args = flat_args[0]
        elif isinstance(structure, dict):
            args = dict(zip(structure["keys"], flat_args))
        else:
            args = list(flat_args)
        outputs = self._lamina_fn(args)
        return tuple(_flatten(outputs))


def _flatten(outputs):
    if isinstance(outputs, dict):
        return [t for k in outputs for t in _flatten(outputs[k])]
    if isinstance(outputs, (list, tuple)):
        return [t for o in outputs for t in _flatten(o)]
    return [outputs]


def _sample_inputs(specs):
    tensors = []
    for i, (shape, dtype, _name) in enumerate(specs):
        dims = [(_SAMPLE_DIM.get(j, _SAMPLE_OTHER) if d is None else int(d)) for j, d in enumerate(shape)]
        native = to_native_dtype(dtype)
        gen = torch.Generator().manual_seed(i)
        if native.is_floating_point:
            t = torch.rand(dims, generator=gen, dtype=torch.float32).to(native)
        elif native == torch.bool:
            t = torch.rand(dims, generator=gen) > 0.5
        else:
            t = torch.randint(0, 2, dims, generator=gen).to(native)
        tensors.append(t.to(default_device()))
    return tuple(tensors)


def _dynamic_shapes(specs, auto: bool):
    """torch.export's dynamic_shapes for ``forward(*flat_args)``: every ``None`` dim dynamic.

    The leading dimension of every input is one shared ``batch`` dimension (a
    model's inputs always share their batch); other ``None`` dims are independent.
    """
    batch = torch.export.Dim("batch")
    shapes = []
    for i, (shape, _dtype, _name) in enumerate(specs):
        dims = {}
        for j, d in enumerate(shape):
            if d is None:
                dims[j] = torch.export.Dim.AUTO if auto else (batch if j == 0 else torch.export.Dim(f"dim_{i}_{j}"))
        shapes.append(dims or None)
    return (tuple(shapes),)  # forward(*flat_args): one entry for the varargs tuple


def _fixed_dims(program, specs):
    """[(input index, axis, size)] of the ``None`` dims that the exported program fixed to a constant."""
    placeholders = [n for n in program.graph.nodes if n.op == "placeholder"]
    user_inputs = [s.arg.name for s in program.graph_signature.input_specs if s.kind.name == "USER_INPUT"]
    by_name = {n.name: n for n in placeholders}
    fixed = []
    for i, ((shape, _dtype, _name), arg) in enumerate(zip(specs, user_inputs)):
        value = by_name[arg].meta.get("val")
        if value is None:
            continue
        for j, d in enumerate(shape):
            if d is None and isinstance(value.shape[j], int):
                fixed.append((i, j, value.shape[j]))
    return fixed


def _specialized(error: Exception) -> bool:
    text = f"{type(error).__name__}: {error}"
    return any(s in text for s in ("Constraints violated", "ConstraintViolation", "specialized", "dynamic_shapes",
                                   "Not all values of", "guard"))


@contextlib.contextmanager
def _quiet(verbose: bool):
    """Silence torch's progress prints, log lines and warnings unless ``verbose``."""
    if verbose:
        yield
        return
    out = io.StringIO()
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch.export", "torch._export", "onnxscript")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(out):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def export_program(fn, variables, specs, structure="list", strict: bool = False, verbose: bool = False, **kwargs):
    """A ``torch.export.ExportedProgram`` of ``fn`` over inputs described by ``specs`` [(shape, dtype, name)].

    ``None`` dims are exported dynamic. If the traced code fixes one of them,
    the program is exported with torch's automatic dynamic shapes instead and a
    warning names the dims that became fixed.
    """
    module = _ExportModule(fn, variables, structure).eval()
    args = _sample_inputs(specs)
    user_shapes = kwargs.pop("dynamic_shapes", None)
    reason = ""
    with torch.no_grad(), _quiet(verbose):
        if user_shapes is not None:
            return torch.export.export(module, args, dynamic_shapes=user_shapes, strict=strict, **kwargs)
        try:
            program = torch.export.export(module, args, dynamic_shapes=_dynamic_shapes(specs, auto=False),
                                          strict=strict, **kwargs)
        except Exception as e:  # a dimension the code fixes: let torch keep what it can dynamic
            if not _specialized(e):
                raise
            lines = [l.strip() for l in str(e).strip().splitlines() if l.strip()]
            reason = lines[1] if len(lines) > 1 else (lines[0] if lines else "")
            program = torch.export.export(module, args, dynamic_shapes=_dynamic_shapes(specs, auto=True),
                                          strict=strict, **kwargs)
    fixed = _fixed_dims(program, specs)
    if fixed:
        where = ", ".join(f"input {i} axis {j} fixed to {n}" for i, j, n in fixed)
        warnings.warn(
            f"export: the model's code fixes dimensions given as None ({where}), so the exported program accepts "
            f"only those sizes. torch said: {reason} Pass an input_signature with the sizes you need "
            "(e.g. InputSpec(shape=(8, ...))) to choose them.", UserWarning, stacklevel=3)
    return program


def export_torch(fn, variables, specs, filepath, structure="list", verbose: bool = False, **kwargs) -> None:
    """Write ``fn`` as a torch ExportedProgram (``torch.export.save``) to ``filepath`` (a ``.pt2`` file)."""
    program = export_program(fn, variables, specs, structure, verbose=verbose, **kwargs)
    with _quiet(verbose):
        torch.export.save(program, filepath)


def export_onnx(fn, variables, specs, filepath, structure="list", output_names=None, opset_version=None,
                verbose: bool = False) -> None:
    """Write ``fn`` as a self-contained ONNX model to ``filepath`` (weights embedded, dynamic ``None`` dims)."""
    input_names = [name for _shape, _dtype, name in specs]
    program = export_program(fn, variables, specs, structure, verbose=verbose)
    with _quiet(verbose):
        onnx_program = torch.onnx.export(program, (), None, dynamo=True, input_names=input_names,
                                         output_names=output_names, opset_version=opset_version,
                                         verbose=verbose, optimize=True)
        onnx_program.save(filepath, external_data=False)
    _name_batch_dim(filepath, specs)


def _name_batch_dim(filepath, specs) -> None:
    """Rename the symbol torch gave the shared leading ``None`` dimension (``s0``, ``s6``...) to ``batch``."""
    import onnx

    if not specs or specs[0][0][:1] != (None,):
        return
    model = onnx.load(filepath)
    first = model.graph.input[0].type.tensor_type.shape.dim if model.graph.input else []
    symbol = first[0].dim_param if len(first) else ""
    if not symbol or symbol == "batch":
        return
    for info in list(model.graph.input) + list(model.graph.output) + list(model.graph.value_info):
        for dim in info.type.tensor_type.shape.dim:
            if dim.dim_param == symbol:
                dim.dim_param = "batch"
    onnx.save(model, filepath)
