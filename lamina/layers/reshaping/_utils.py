"""Argument checks and a dtype-preserving output spec shared by the reshaping layers."""

from __future__ import annotations

from lamina import config
from lamina.backend.common.dtypes import FLOAT_TYPES
from lamina.core.keras_tensor import KerasTensor
from lamina.layers.layer import Layer


def describe(layer) -> str:
    """``Cropping2D layer "cropping2d"``: how errors name a layer."""
    name = getattr(layer, "name", None)
    return f'{type(layer).__name__} layer "{name}"' if name else type(layer).__name__


def _is_int(v) -> bool:
    return hasattr(v, "__index__") and not isinstance(v, bool)


def int_tuple(value, n: int, arg: str, layer, allow_zero: bool = False) -> tuple:
    """``value`` (an int or ``n`` ints) as a tuple of ``n`` ints, each > 0 (>= 0 with ``allow_zero``)."""
    if _is_int(value):
        out = (int(value),) * n
    else:
        try:
            items = tuple(value)
        except TypeError:
            items = None
        if items is None or len(items) != n or not all(_is_int(v) for v in items):
            raise ValueError(
                f"{describe(layer)}: `{arg}` must be an int or a tuple of {n} ints. Received {arg}={value!r}."
            )
        out = tuple(int(v) for v in items)
    if any(v < 0 or (v == 0 and not allow_zero) for v in out):
        need = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{describe(layer)}: every value of `{arg}` must be {need}. Received {arg}={value!r}.")
    return out


def pairs(value, n: int, arg: str, layer) -> tuple:
    """A per-axis ``(before, after)`` spec: an int, ``n`` ints (symmetric), or ``n`` pairs of ints."""
    if _is_int(value):
        v = int(value)
        if v < 0:
            raise ValueError(f"{describe(layer)}: `{arg}` cannot be negative. Received {arg}={value!r}.")
        return ((v, v),) * n
    if not hasattr(value, "__len__") or len(value) != n:
        raise ValueError(
            f"{describe(layer)}: `{arg}` should be an int, a tuple of {n} ints (symmetric per axis), or a "
            f"tuple of {n} tuples of 2 ints ((before, after) per axis). Received {arg}={value!r}."
        )
    ordinals = ("1st", "2nd", "3rd")
    return tuple(int_tuple(v, 2, f"{ordinals[i]} entry of {arg}", layer, allow_zero=True)
                 for i, v in enumerate(value))


def data_format_of(value, layer) -> str:
    """``channels_last`` / ``channels_first`` (None: the global default), or a clear error."""
    try:
        return config.standardize_data_format(value)
    except ValueError:
        raise ValueError(
            f"{describe(layer)}: `data_format` must be 'channels_last' or 'channels_first'. "
            f"Received data_format={value!r}."
        ) from None


class ShapeOnlyLayer(Layer):
    """A layer that moves values around: its symbolic output keeps the (autocast) input dtype."""

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = inputs.dtype
        if self.autocast and dtype in FLOAT_TYPES:
            dtype = self.compute_dtype
        return KerasTensor(self.compute_output_shape(tuple(inputs.shape)), dtype=dtype)
