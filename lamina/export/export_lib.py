"""``model.export(...)``: serving artifacts without TensorFlow (ONNX files and torch ``.pt2`` programs).

Both formats are produced by torch's exporters. On the torch backend the
model's inference call is exported directly. On the jax and numpy backends
the model is saved to a private ``.keras`` file and rebuilt on the torch
backend in a subprocess (``python -m lamina.export._torch_bridge``), which
writes the artifact: the layers are backend-independent, so the exported
graph computes what the model computes here. That needs torch installed, and
custom classes must be importable in a fresh process (registered with
``register_keras_serializable`` in an importable module).

Example:
    >>> model.export("model.onnx", format="onnx")
    >>> import onnxruntime
    >>> session = onnxruntime.InferenceSession("model.onnx")
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import warnings

from lamina import config

KERAS_FORMATS = ("tf_saved_model", "onnx", "openvino", "litert", "torch")
SUPPORTED_FORMATS = ("onnx", "torch")
WARNING_PREFIX = "lamina-export-warning: "


# --------------------------------------------------------------------------- input signatures
def _spec_of(item, index: int, where: str):
    """(shape, dtype, name) for an InputSpec, KerasTensor, tensor or array describing one input."""
    from lamina.core.keras_tensor import KerasTensor
    from lamina.layers.input_spec import InputSpec

    if isinstance(item, KerasTensor):
        history = getattr(item, "_keras_history", None)
        name = history.operation.name if history is not None else item.name
        return tuple(item.shape), str(item.dtype), name
    if isinstance(item, InputSpec):
        if item.shape is None:
            raise ValueError(f"{where}: InputSpec {item!r} (input {index}) has no shape; pass "
                             "InputSpec(shape=(None, ...), dtype=...).")
        return tuple(item.shape), str(item.dtype or config.floatx()), item.name
    shape, dtype = getattr(item, "shape", None), getattr(item, "dtype", None)
    if shape is not None and dtype is not None and not isinstance(item, (list, tuple, dict)):
        from lamina.backend import standardize_dtype

        return tuple(int(d) for d in shape), standardize_dtype(dtype), None
    raise TypeError(f"{where}: input_signature entries must be lamina.InputSpec, KerasTensor (lamina.Input) or "
                    f"tensors/arrays; received {type(item).__name__} for input {index}.")


def _model_signature(model, where: str):
    """The model's own inputs as a signature structure (a Functional/Sequential model's Input tensors)."""
    inputs = []
    try:
        inputs = list(getattr(model, "inputs", None) or [])
    except (AttributeError, TypeError, ValueError):
        inputs = []
    if not inputs:
        raise ValueError(
            f"{where}: model {getattr(model, 'name', '?')!r} has no known inputs (a subclassed model, or one never "
            "built); pass input_signature, e.g. input_signature=[lamina.InputSpec(shape=(None, 4), "
            "dtype='float32')].")
    struct = getattr(model, "_inputs_struct", None)
    if isinstance(struct, dict):
        return dict(struct)
    if len(inputs) == 1:
        return inputs[0]
    return inputs


def normalize_signature(signature, where: str):
    """``(specs, structure)``: the flat [(shape, dtype, name)] list and how to pack it for the call.

    ``structure`` is ``"single"`` (one tensor), ``"list"`` or ``{"keys": [...]}`` (a dict of inputs).
    """
    if isinstance(signature, dict):
        keys = list(signature)
        items = [signature[k] for k in keys]
        structure = {"keys": keys}
    elif isinstance(signature, (list, tuple)):
        items = list(signature)
        if len(items) == 1 and isinstance(items[0], (list, tuple)):
            items = list(items[0])  # Keras's [[spec1, spec2]] form for several inputs
            structure = "list"
        elif len(items) == 1 and isinstance(items[0], dict):
            return normalize_signature(items[0], where)
        else:
            structure = "single" if len(items) == 1 else "list"
        keys = None
    else:
        items, structure, keys = [signature], "single", None
    if not items:
        raise ValueError(f"{where}: input_signature is empty.")
    specs = []
    for i, item in enumerate(items):
        shape, dtype, name = _spec_of(item, i, where)
        if keys is not None:
            name = str(keys[i])
        specs.append((shape, dtype, name))
    names = [s[2] for s in specs]
    if any(not isinstance(n, str) or not n for n in names) or len(set(names)) != len(names):
        specs = [(shape, dtype, name if isinstance(name, str) and name and names.count(name) == 1 else f"input_{i}")
                 for i, (shape, dtype, name) in enumerate(specs)]
    return specs, structure


def _output_names(model):
    try:
        names = list(model._output_names())
    except Exception:
        return None
    return names if names and len(set(names)) == len(names) else None


# --------------------------------------------------------------------------- export
def check_format(format, where: str = "model.export") -> str:
    if format not in KERAS_FORMATS:
        raise ValueError(f"{where}: unrecognized format={format!r}. Supported formats are: {list(SUPPORTED_FORMATS)} "
                         f"(Keras also names {[f for f in KERAS_FORMATS if f not in SUPPORTED_FORMATS]}, which "
                         "need TensorFlow or OpenVINO).")
    if format not in SUPPORTED_FORMATS:
        raise ValueError(f"{where}: format={format!r} needs TensorFlow/OpenVINO, which lamina does not use. "
                         f"lamina exports {list(SUPPORTED_FORMATS)}: use format='onnx' (runs in onnxruntime) or "
                         "format='torch' (a torch.export .pt2 program).")
    return format


def export_model(model, filepath, format: str = "tf_saved_model", verbose=None, input_signature=None,
                 **kwargs) -> None:
    """Export ``model``'s inference call as an ONNX file (``format="onnx"``) or a ``.pt2`` program (``"torch"``).

    Example:
        >>> export_model(model, "model.onnx", format="onnx")
    """
    where = f"model.export(format={format!r})"
    check_format(format)
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"{where}: filepath must be a str or os.PathLike, received {type(filepath).__name__}.")
    filepath = os.fspath(filepath)
    verbose = True if verbose is None else bool(verbose)
    if format == "onnx":
        unknown = set(kwargs) - {"opset_version"}
    else:
        unknown = set(kwargs) - {"strict", "dynamic_shapes", "prefer_deferred_runtime_asserts_over_guards",
                                 "preserve_module_call_signature"}
    if unknown:
        raise ValueError(f"{where}: unrecognized arguments {sorted(unknown)}.")
    if not getattr(model, "built", False):
        raise ValueError(f"{where}: model {model.name!r} has never been built or called; call it on data (or "
                         "build it) before exporting.")
    signature = input_signature if input_signature is not None else _model_signature(model, where)
    specs, structure = normalize_signature(signature, where)
    if format == "torch" and not filepath.endswith(".pt2"):
        raise ValueError(f"{where}: the torch export writes a .pt2 file; the filepath must end with '.pt2', "
                         f"received {filepath!r}.")
    directory = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(directory):
        raise ValueError(f"{where}: the directory {directory!r} does not exist.")
    output_names = _output_names(model)
    if config.backend() != "torch" and format == "torch" and "dynamic_shapes" in kwargs:
        raise ValueError(f"{where}: dynamic_shapes can only be passed on the torch backend.")
    from lamina.saving.file_safety import atomic_write

    # Written next to the target and renamed over it: an export that fails leaves any previous file intact.
    with atomic_write(filepath) as tmp_path:
        if config.backend() == "torch":
            from lamina.backend.torch import export as torch_export

            fn = _inference_fn(model)
            if format == "onnx":
                torch_export.export_onnx(fn, model.variables, specs, tmp_path, structure,
                                         output_names=output_names, opset_version=kwargs.get("opset_version"))
            else:
                torch_export.export_torch(fn, model.variables, specs, tmp_path, structure, **kwargs)
        else:
            _export_in_torch_process(model, tmp_path, format, specs, structure, output_names, kwargs, where)
    if verbose:
        print(f"Saved artifact at '{filepath}'.")


def _inference_fn(model):
    def call(inputs):
        return model(inputs, training=False)

    return call


# --------------------------------------------------------------------------- other backends: via torch
def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def _export_in_torch_process(model, filepath, format, specs, structure, output_names, kwargs, where) -> None:
    """Rebuild ``model`` on the torch backend in a subprocess (from a private .keras file) and export there."""
    if not torch_available():
        raise RuntimeError(
            f"{where}: on the {config.backend()} backend, lamina exports by rebuilding the model on the torch "
            "backend in a subprocess, and torch is not installed. Install it (`pip install torch onnx onnxscript`) "
            "or run with LAMINA_BACKEND=torch.")
    from lamina.saving import keras_archive

    with tempfile.TemporaryDirectory(prefix="lamina-export-") as tmp:
        archive = os.path.join(tmp, "model.keras")
        keras_archive.save_model(model, archive)
        job = {"archive": archive, "output": os.path.abspath(filepath), "format": format,
               "specs": [[list(s), d, n] for s, d, n in specs], "structure": structure,
               "output_names": output_names, "kwargs": kwargs,
               "floatx": config.floatx(), "image_data_format": config.image_data_format()}
        job_path = os.path.join(tmp, "job.json")
        with open(job_path, "w", encoding="utf-8") as f:
            json.dump(job, f)
        run_bridge(job_path, where)


def run_bridge(job_path: str, where: str) -> None:
    """Run ``lamina.export._torch_bridge`` on a job file; a failure raises with the subprocess's message."""
    env = dict(os.environ)
    env["LAMINA_BACKEND"] = "torch"
    env["KERAS_BACKEND"] = "torch"
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = package_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run([sys.executable, "-m", "lamina.export._torch_bridge", job_path], env=env,
                          capture_output=True, text=True)
    for line in (proc.stdout or "").splitlines():  # warnings raised in the subprocess, passed on here
        if line.startswith(WARNING_PREFIX):
            warnings.warn(line[len(WARNING_PREFIX):], UserWarning, stacklevel=4)
    if proc.returncode != 0:
        lines = [l for l in (proc.stderr or proc.stdout).strip().splitlines() if l.strip()]
        message = lines[-1] if lines else f"exit status {proc.returncode}"
        raise RuntimeError(
            f"{where}: exporting through the torch backend (in a subprocess, since this process runs the "
            f"{config.backend()} backend) failed: {message}. If the model uses custom classes, they must be "
            "registered in an importable module; or run the export with LAMINA_BACKEND=torch.")
