"""InputSpec: what a layer accepts (rank, dimension sizes), checked with clear messages on every call."""

from __future__ import annotations

from lamina.saving.serialization import builtin
from lamina.utils import tree


@builtin("keras.layers")
class InputSpec:
    """Constraints on one input of a layer.

    Example:
        >>> InputSpec(min_ndim=2, axes={-1: 16})   # Dense after it is built
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze: bool = False, name: str | None = None, optional: bool = False):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in self.get_config().items() if v]
        return f"InputSpec({', '.join(parts)})"


def assert_input_compatibility(input_spec, inputs, layer_name: str) -> None:
    """Raise ValueError naming the layer, the expectation and the received shape on a mismatch."""
    if input_spec is None:
        return
    specs = input_spec if isinstance(input_spec, (list, tuple)) else [input_spec]
    flat = inputs if not tree.is_nested(inputs) else tree.flatten(inputs)
    flat = flat if isinstance(flat, list) else [flat]
    if len(specs) != len(flat) and not all(s is None for s in specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received {len(flat)} input tensors.'
        )
    for i, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None or x is None:
            continue
        shape = getattr(x, "shape", None)
        if shape is None:
            continue
        shape = tuple(shape)
        ndim = len(shape)
        where = f'Input {i} of layer "{layer_name}" is incompatible with the layer:'
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(f"{where} expected ndim={spec.ndim}, found ndim={ndim}. Full shape received: {shape}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(f"{where} expected max_ndim={spec.max_ndim}, found ndim={ndim}. Full shape received: {shape}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(f"{where} expected min_ndim={spec.min_ndim}, found ndim={ndim}. Full shape received: {shape}")
        for axis, value in spec.axes.items():
            if value is None:
                continue
            if not -ndim <= axis < ndim:
                raise ValueError(f"{where} expected axis {axis} to exist, but the input has rank {ndim}. Full shape received: {shape}")
            got = shape[axis]
            if got is not None and int(got) != int(value):
                raise ValueError(
                    f"{where} expected axis {axis} of input shape to have value {value}, "
                    f"but received input with shape {shape}"
                )
        if spec.shape is not None:
            for d, (want, got) in enumerate(zip(spec.shape, shape)):
                if want is not None and got is not None and int(want) != int(got):
                    raise ValueError(f"{where} expected shape={spec.shape}, found shape={shape}")
