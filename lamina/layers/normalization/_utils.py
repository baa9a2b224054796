"""Helpers shared by the normalization layers: axis checks with clear errors."""

from __future__ import annotations


def axis_list(layer, axis, arg: str = "axis") -> list | int:
    """``axis`` as Keras stores it at construction: an int, or a list for a list/tuple."""
    if isinstance(axis, (list, tuple)):
        if not axis or not all(_is_int(a) for a in axis):
            raise TypeError(
                f"{type(layer).__name__}: `{arg}` must be an int or a non-empty list/tuple of ints. "
                f"Received: {arg}={axis!r}"
            )
        return [int(a) for a in axis]
    if _is_int(axis):
        return int(axis)
    raise TypeError(
        f"{type(layer).__name__}: `{arg}` must be an int or a list/tuple of ints. Received: {arg}={axis!r}"
    )


def check_axes(layer, axis, input_shape) -> list:
    """The axes of ``axis`` (int or list) made non-negative; a clear error if one is out of bounds."""
    shape = tuple(input_shape)
    rank = len(shape)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(
                f'{type(layer).__name__} layer "{layer.name}": axis {a} is out of bounds for an input of '
                f"rank {rank}. Received: axis={axis}, input shape={shape}"
            )
        out.append(a % rank)
    if len(set(out)) != len(out):
        raise ValueError(
            f'{type(layer).__name__} layer "{layer.name}": `axis` contains duplicate axes. '
            f"Received: axis={axis}, input shape={shape}"
        )
    return out


def defined_dims(layer, axes, input_shape) -> tuple:
    """The sizes of ``input_shape`` along ``axes``, which must all be known to create weights."""
    dims = tuple(input_shape[a] for a in axes)
    if any(d is None for d in dims):
        raise ValueError(
            f'{type(layer).__name__} layer "{layer.name}": the normalized axes {list(axes)} of the input must '
            f"have defined sizes to create the weights. Received input shape={tuple(input_shape)}"
        )
    return dims


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
