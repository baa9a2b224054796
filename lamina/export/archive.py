"""``ExportArchive``: several serving endpoints of tracked models and layers, written as ONNX or ``.pt2`` files.

Keras's ExportArchive writes a TensorFlow SavedModel. lamina has no
TensorFlow, so ``write_out`` writes a directory with one artifact per
endpoint: ``<name>.onnx`` (``format="onnx"``, runs in onnxruntime) or
``<name>.pt2`` (``format="torch"``, loads with ``torch.export.load``). Endpoints
are arbitrary Python functions, so they are traced in this process: the
archive needs the torch backend.

Example:
    >>> archive = ExportArchive()
    >>> archive.track(model)
    >>> archive.add_endpoint("serve", lambda x: model(x, training=False),
    ...                      input_signature=[lamina.InputSpec(shape=(None, 3), dtype="float32")])
    >>> archive.write_out("exported", format="onnx")   # writes exported/serve.onnx
"""

from __future__ import annotations

import os
import re

from lamina import config
from lamina.export.export_lib import check_format, normalize_signature

_ENDPOINT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ExportArchive:
    """Collects endpoints (functions over tracked models/layers) and writes one ONNX or ``.pt2`` file per endpoint.

    Example:
        >>> archive = ExportArchive()
        >>> archive.track_and_add_endpoint("serve", model, [lamina.InputSpec(shape=(None, 3))])
        >>> archive.write_out("exported", format="torch")   # exported/serve.pt2
    """

    def __init__(self) -> None:
        self._tracked: list = []
        self._endpoints: dict = {}

    @property
    def variables(self) -> list:
        """Every variable of the tracked models and layers (no duplicates), in tracking order."""
        seen, out = set(), []
        for resource in self._tracked:
            for v in resource.variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    def track(self, resource) -> None:
        """Track a built layer or model: its variables become named weights of every exported endpoint."""
        from lamina.layers.layer import Layer

        if not isinstance(resource, Layer):
            raise ValueError(f"ExportArchive.track: expected a lamina Layer or Model, received "
                             f"{type(resource).__name__}.")
        if not resource.built:
            raise ValueError(f"ExportArchive.track: {type(resource).__name__} {resource.name!r} is not built; call "
                             "it on data (or build it) before tracking it.")
        if all(resource is not r for r in self._tracked):
            self._tracked.append(resource)

    def add_endpoint(self, name: str, fn, input_signature=None, **kwargs) -> None:
        """Register ``fn`` (a function of tensors described by ``input_signature``) as the endpoint ``name``.

        ``input_signature`` is a list of ``lamina.InputSpec`` / ``lamina.Input``
        tensors (``None`` dims stay dynamic), one per positional argument of
        ``fn``; a single nested list is passed to ``fn`` as one list argument.
        """
        where = f"ExportArchive.add_endpoint({name!r})"
        if not isinstance(name, str) or not _ENDPOINT_NAME.match(name):
            raise ValueError(f"ExportArchive.add_endpoint: the endpoint name must be a Python identifier, "
                             f"received {name!r}.")
        if name in self._endpoints:
            raise ValueError(f"{where}: an endpoint named {name!r} already exists.")
        if not callable(fn):
            raise TypeError(f"{where}: fn must be callable, received {type(fn).__name__}.")
        if input_signature is None:
            raise ValueError(f"{where}: input_signature is required, e.g. "
                             "input_signature=[lamina.InputSpec(shape=(None, 3), dtype='float32')].")
        if kwargs:
            raise ValueError(f"{where}: unrecognized arguments {sorted(kwargs)}.")
        if isinstance(input_signature, (list, tuple)) and len(input_signature) == 1 and \
                isinstance(input_signature[0], (list, tuple)):
            specs, _ = normalize_signature(list(input_signature[0]), where)
            packing = "list"  # one argument: the list of inputs
        else:
            items = list(input_signature) if isinstance(input_signature, (list, tuple)) else [input_signature]
            specs, _ = normalize_signature(items, where)
            packing = "args"  # one positional argument per spec
        self._endpoints[name] = (fn, specs, packing)

    def track_and_add_endpoint(self, name: str, resource, input_signature, **kwargs) -> None:
        """``track(resource)`` and an endpoint calling it in inference mode (``training=False``)."""
        self.track(resource)

        def call(*args):
            inputs = args[0] if len(args) == 1 else list(args)
            return resource(inputs, training=False)

        self.add_endpoint(name, call, input_signature, **kwargs)

    def add_variable_collection(self, name, variables) -> None:
        """Not available: ONNX and ``.pt2`` files hold computations, not free-standing variable collections."""
        raise NotImplementedError(
            "ExportArchive.add_variable_collection: lamina writes ONNX/.pt2 endpoints, which cannot carry "
            "variable collections; save them with model.save('x.keras') or save_weights instead.")

    def write_out(self, filepath, format: str = "onnx", verbose: bool = True) -> list:
        """Write one artifact per endpoint into the directory ``filepath``; return the files written.

        Example:
            >>> archive.write_out("exported", format="onnx")
            ['exported/serve.onnx']
        """
        check_format(format, "ExportArchive.write_out")
        if not self._endpoints:
            raise ValueError("ExportArchive.write_out: no endpoint was added; call add_endpoint() first.")
        if config.backend() != "torch":
            raise RuntimeError(
                f"ExportArchive.write_out: endpoints are traced by torch, and this process runs the "
                f"{config.backend()} backend. Run with LAMINA_BACKEND=torch, or export a whole model with "
                "model.export(path, format=...), which works on every backend.")
        from lamina.backend.torch import export as torch_export
        from lamina.saving.file_safety import atomic_write

        filepath = os.fspath(filepath)
        if os.path.exists(filepath) and not os.path.isdir(filepath):
            raise ValueError(f"ExportArchive.write_out: {filepath!r} exists and is not a directory.")
        os.makedirs(filepath, exist_ok=True)
        variables = self.variables
        written = []
        for name, (fn, specs, packing) in self._endpoints.items():
            if packing == "list":
                call, structure = fn, "list"
            else:
                def call(args, fn=fn):
                    return fn(*args)
                structure = "list"
            suffix = ".onnx" if format == "onnx" else ".pt2"
            target = os.path.join(filepath, name + suffix)
            with atomic_write(target) as tmp:
                if format == "onnx":
                    torch_export.export_onnx(call, variables, specs, tmp, structure)
                else:
                    torch_export.export_torch(call, variables, specs, tmp, structure)
            written.append(target)
        if verbose:
            print(f"Saved {len(written)} endpoint(s) at '{filepath}': {[os.path.basename(w) for w in written]}.")
        return written
