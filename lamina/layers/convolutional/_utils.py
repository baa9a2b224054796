"""Argument checks and output-shape arithmetic shared by the convolution and pooling layers.

Every error names the layer (its class and name), what was expected and what was received.
"""

from __future__ import annotations

import operator

from lamina import config

_FORMATS = ("channels_last", "channels_first")


def describe(layer) -> str:
    """``Conv2D layer "conv2d"`` (or the class name alone before ``__init__`` has set a name)."""
    name = getattr(layer, "name", None)
    cls = type(layer).__name__
    return f'{cls} layer "{name}"' if name else cls


def standardize_tuple(value, n: int, arg: str, layer, allow_zero: bool = False) -> tuple:
    """``value`` (an int or ``n`` ints) as a tuple of ``n`` ints, each >= 1 (>= 0 with ``allow_zero``)."""
    try:
        out = (operator.index(value),) * n
    except TypeError:
        try:
            out = tuple(operator.index(v) for v in value)
        except TypeError:
            raise ValueError(
                f"{describe(layer)}: `{arg}` must be an int or a tuple of {n} ints, received {arg}={value!r}."
            ) from None
        if len(out) != n:
            raise ValueError(
                f"{describe(layer)}: `{arg}` must be an int or a tuple of {n} ints (one per spatial "
                f"dimension), received {arg}={value!r}."
            )
    low = 0 if allow_zero else 1
    if any(v < low for v in out):
        raise ValueError(
            f"{describe(layer)}: every value of `{arg}` must be {'>= 0' if allow_zero else 'a positive integer'}, "
            f"received {arg}={value!r}."
        )
    return out


def standardize_padding(value, layer, allow_causal: bool = False) -> str:
    """``"valid"``, ``"same"`` (or ``"causal"`` where allowed), lower-cased."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(
            f"{describe(layer)}: `padding` must be one of {list(allowed)}, received padding={value!r}."
        )
    return padding


def standardize_data_format(value, layer) -> str:
    """``"channels_last"`` or ``"channels_first"``; None means ``lamina.config.image_data_format()``."""
    if value is None:
        return config.image_data_format()
    data_format = str(value).lower()
    if data_format not in _FORMATS:
        raise ValueError(
            f"{describe(layer)}: `data_format` must be 'channels_last' or 'channels_first', "
            f"received data_format={value!r}."
        )
    return data_format


def positive_int(value, arg: str, layer) -> int:
    """``value`` as a positive int, or a clear error."""
    if isinstance(value, bool):
        value = None
    try:
        out = operator.index(value)
    except TypeError:
        out = 0
    if out <= 0:
        raise ValueError(
            f"{describe(layer)}: `{arg}` must be a strictly positive integer, received {arg}={value!r}."
        )
    return out


def check_rank(input_shape, rank: int, layer, data_format: str) -> tuple:
    """``input_shape`` as a tuple, after checking it is (batch, ``rank`` spatial dims, channels)."""
    input_shape = tuple(input_shape)
    if len(input_shape) != rank + 2:
        dims = {1: "steps", 2: "height, width", 3: "depth, height, width"}[rank]
        layout = f"(batch, {dims}, channels)" if data_format == "channels_last" else f"(batch, channels, {dims})"
        raise ValueError(
            f"{describe(layer)} expects inputs of rank {rank + 2} {layout} with data_format='{data_format}', "
            f"but received an input of rank {len(input_shape)} with shape {input_shape}."
        )
    return input_shape


def split_shape(input_shape: tuple, data_format: str):
    """(batch, spatial dims, channels) of an input shape."""
    if data_format == "channels_last":
        return input_shape[0], tuple(input_shape[1:-1]), input_shape[-1]
    return input_shape[0], tuple(input_shape[2:]), input_shape[1]


def join_shape(batch, spatial, channels, data_format: str) -> tuple:
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def window_output_shape(layer, input_shape, out_channels, window, strides, padding, data_format,
                        dilation_rate=None, what: str = "kernel") -> tuple:
    """Output shape of a sliding-window layer (convolution or pooling); None dims stay None.

    ``"valid"`` padding that would leave a spatial dimension empty is an error naming the layer.
    ``"causal"`` gives the same sizes as ``"same"``.
    """
    batch, spatial, _ = split_shape(input_shape, data_format)
    dilation_rate = dilation_rate or (1,) * len(spatial)
    out = []
    for i, size in enumerate(spatial):
        if size is None:
            out.append(None)
            continue
        eff = (window[i] - 1) * dilation_rate[i] + 1
        if padding == "valid":
            o = (size - eff) // strides[i] + 1 if size >= eff else 0
            if o <= 0:
                dil = f" (dilated to {eff})" if eff != window[i] else ""
                raise ValueError(
                    f"{describe(layer)}: the output would be empty: a {what} window of {window[i]}{dil} does "
                    f"not fit in spatial dimension {i} of size {size} with padding='valid'. Received input "
                    f"shape {tuple(input_shape)}, {what}_size={tuple(window)}, strides={tuple(strides)}"
                    + (f", dilation_rate={tuple(dilation_rate)}" if what == "kernel" else "")
                    + f", data_format='{data_format}'. Use padding='same' or a larger input."
                )
        else:
            o = -(-size // strides[i])
        out.append(o)
    return join_shape(batch, out, out_channels, data_format)


def transpose_output_size(size, window, stride, padding, output_padding, dilation):
    """One spatial dimension of a transposed convolution's output, as Keras computes it."""
    if size is None:
        return None
    eff = (window - 1) * dilation + 1
    if padding == "valid":
        extra = max(eff, stride) - eff if output_padding is None else output_padding
        return (size - 1) * stride + eff + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + eff % 2 + output_padding
