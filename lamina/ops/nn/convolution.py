"""Convolutions: conv, conv_transpose, depthwise_conv, separable_conv (part of ``lamina.ops.nn``).

Layouts follow Keras 3: inputs are ``(batch, *spatial, channels)`` for
``"channels_last"`` (the default, from ``lamina.config.image_data_format()``)
or ``(batch, channels, *spatial)`` for ``"channels_first"``; kernels are
``(*window, in_channels // groups, out_channels)`` for :func:`conv`,
``(*window, in_channels, depth_multiplier)`` for :func:`depthwise_conv` and
``(*window, out_channels, in_channels)`` for :func:`conv_transpose`.
``"same"`` padding is TensorFlow's: the total padding is split evenly, the odd
pixel going at the end.

The argument checks and output-size arithmetic live here, cached per shape,
so the backend kernels receive normalized arguments (tuples of ints, explicit
``(before, after)`` padding pairs) and do only the arithmetic.
"""

from __future__ import annotations

import functools
import operator

from lamina import config
from lamina.backend import impl as B
from lamina.backend.common.dtypes import result_type
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec

_PADDINGS = ("valid", "same")


# ---------------------------------------------------------------------------
# Argument normalization shared with pooling (private; imported by pooling.py)
# ---------------------------------------------------------------------------

def _hashable(value):
    """Lists (and nested lists) as tuples, so arguments can key the plan caches."""
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _plan_cache(fn):
    """Memoize a plan function on its (hashable) arguments; unhashable ones skip the cache.

    Without the cache the plan reruns (and raises its own clear error for a
    bad argument) instead of failing with "unhashable type".
    """
    cached = functools.lru_cache(maxsize=512)(fn)

    @functools.wraps(fn)
    def plan(*args):
        try:
            return cached(*args)
        except TypeError:
            return fn(*args)

    return plan


def _int_tuple(value, n: int, name: str, op: str, minimum: int = 1) -> tuple:
    """``value`` (an int or a sequence of ``n`` ints) as a tuple of ``n`` ints >= ``minimum``."""
    try:
        out = (operator.index(value),) * n
    except TypeError:
        try:
            out = tuple(operator.index(v) for v in value)
        except TypeError:
            raise ValueError(
                f"{op}: `{name}` must be an int or a tuple of {n} ints, received {value!r}."
            ) from None
    if len(out) != n:
        raise ValueError(
            f"{op}: `{name}` must be an int or a tuple of {n} ints (one per spatial dimension "
            f"of a {n}D input), received {value!r}."
        )
    if any(v < minimum for v in out):
        raise ValueError(f"{op}: every value of `{name}` must be >= {minimum}, received {value!r}.")
    return out


def _data_format(data_format, op: str) -> str:
    if data_format is None:
        return config.image_data_format()
    value = str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{op}: `data_format` must be 'channels_last' or 'channels_first', received {data_format!r}."
        )
    return value


def _padding(padding, op: str) -> str:
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in _PADDINGS:
        raise ValueError(f"{op}: `padding` must be 'valid' or 'same', received {padding!r}.")
    return value


def _split(x_shape: tuple, data_format: str, op: str, what: str = "inputs"):
    """(batch, spatial dims, channels) of an input shape of rank 3, 4 or 5."""
    if len(x_shape) not in (3, 4, 5):
        raise ValueError(
            f"{op}: `{what}` must have rank 3, 4 or 5 (batch, 1 to 3 spatial dimensions, channels), "
            f"received shape {x_shape}."
        )
    if data_format == "channels_last":
        return x_shape[0], x_shape[1:-1], x_shape[-1]
    return x_shape[0], x_shape[2:], x_shape[1]


def _join(batch, spatial, channels, data_format: str) -> tuple:
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def _same_pads(size: int, window: int, stride: int):
    """TensorFlow "same" padding of one dimension: (output size, (before, after))."""
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return out, (total // 2, total - total // 2)


def _window_out(size, window, stride, padding, describe, op):
    """Output size and padding pair of one dimension for a sliding window (conv or pooling)."""
    if size is None or window is None:
        return None, None
    if padding == "same":
        return _same_pads(size, window, stride)
    out = (size - window) // stride + 1 if size >= window else 0
    if out <= 0:
        raise ValueError(
            f"{op}: the output would be empty: a window of {window} does not fit in an input "
            f"dimension of {size} with padding='valid'. {describe()}"
        )
    return out, (0, 0)


# ---------------------------------------------------------------------------
# Convolution plans
# ---------------------------------------------------------------------------

@_plan_cache
def _conv_plan(op, kind, x_shape, k_shape, strides, padding, data_format, dilation_rate, pw_shape=None):
    """Check a convolution's arguments; return (strides, pads, data_format, dilation, out_shape).

    ``kind`` is "conv" or "depthwise" (``separable_conv`` passes "depthwise" and the
    pointwise kernel's shape). ``pads`` is None when a spatial size is unknown.
    """
    data_format = _data_format(data_format, op)
    padding = _padding(padding, op)
    batch, spatial, channels = _split(x_shape, data_format, op)
    n = len(spatial)
    if len(k_shape) != n + 2:
        raise ValueError(
            f"{op}: the kernel must have rank {n + 2} ({n} window dimensions, in and out channels) "
            f"for inputs of shape {x_shape}; received a kernel of shape {k_shape}."
        )
    strides = _int_tuple(strides, n, "strides", op)
    dilation_rate = _int_tuple(dilation_rate, n, "dilation_rate", op)
    k_in, k_out = k_shape[-2], k_shape[-1]
    if kind == "conv":
        if channels is not None and k_in is not None:
            if k_in < 1 or channels % k_in:
                raise ValueError(
                    f"{op}: the input has {channels} channels (shape {x_shape}, data_format="
                    f"'{data_format}'), which is not a multiple of the kernel's input-channel "
                    f"dimension {k_in} (kernel shape {k_shape}, layout (*window, in_channels // "
                    "groups, out_channels))."
                )
            groups = channels // k_in
            if k_out is not None and k_out % groups:
                raise ValueError(
                    f"{op}: a grouped convolution with {groups} groups (input channels {channels} / "
                    f"kernel in-channels {k_in}) needs out_channels divisible by {groups}; the kernel "
                    f"of shape {k_shape} has {k_out}."
                )
        out_channels = k_out
    else:
        if channels is not None and k_in is not None and channels != k_in:
            raise ValueError(
                f"{op}: the input has {channels} channels (shape {x_shape}, data_format="
                f"'{data_format}') but the depthwise kernel of shape {k_shape} expects {k_in} "
                "(layout (*window, in_channels, depth_multiplier))."
            )
        out_channels = None if k_in is None or k_out is None else k_in * k_out
        if pw_shape is not None:
            if len(pw_shape) != n + 2 or any(d not in (1, None) for d in pw_shape[:-2]):
                raise ValueError(
                    f"{op}: the pointwise kernel must have shape ({'1, ' * n}in_channels * "
                    f"depth_multiplier, out_channels); received {pw_shape}."
                )
            if out_channels is not None and pw_shape[-2] is not None and pw_shape[-2] != out_channels:
                raise ValueError(
                    f"{op}: the pointwise kernel of shape {pw_shape} expects {pw_shape[-2]} input "
                    f"channels, but the depthwise kernel of shape {k_shape} produces {out_channels}."
                )
            out_channels = pw_shape[-1]

    def describe():
        return (f"Received inputs of shape {x_shape}, kernel of shape {k_shape}, strides={strides}, "
                f"dilation_rate={dilation_rate}, data_format='{data_format}'.")

    out_spatial, pads = [], []
    for i in range(n):
        k = k_shape[i]
        eff = None if k is None else (k - 1) * dilation_rate[i] + 1
        o, p = _window_out(spatial[i], eff, strides[i], padding, describe, op)
        out_spatial.append(o)
        pads.append(p)
    pads = None if any(p is None for p in pads) else tuple(pads)
    out_shape = _join(batch, out_spatial, out_channels, data_format)
    return strides, pads, data_format, dilation_rate, out_shape


def _transpose_pads(k, stride, dilation, padding, output_padding):
    """Padding (before, after) of the stride-dilated input in a transposed convolution, as Keras."""
    eff = (k - 1) * dilation + 1
    if padding == "valid":
        extra = max(eff, stride) - eff if output_padding is None else output_padding
        return eff - 1, eff - 1 + extra
    if output_padding is None:
        total = stride + eff - 2
    else:
        total = eff + eff % 2 - 2 + output_padding
    before = min(total // 2 + total % 2, eff - 1)
    return before, total - before


@_plan_cache
def _conv_transpose_plan(op, x_shape, k_shape, strides, padding, output_padding, data_format, dilation_rate):
    """Check conv_transpose's arguments; return (strides, pads, data_format, dilation, out_shape)."""
    data_format = _data_format(data_format, op)
    padding = _padding(padding, op)
    batch, spatial, channels = _split(x_shape, data_format, op)
    n = len(spatial)
    if len(k_shape) != n + 2:
        raise ValueError(
            f"{op}: the kernel must have rank {n + 2} ({n} window dimensions, out and in channels) "
            f"for inputs of shape {x_shape}; received a kernel of shape {k_shape}."
        )
    strides = _int_tuple(strides, n, "strides", op)
    dilation_rate = _int_tuple(dilation_rate, n, "dilation_rate", op)
    if output_padding is not None:
        output_padding = _int_tuple(output_padding, n, "output_padding", op, minimum=0)
    if channels is not None and k_shape[-1] is not None and channels != k_shape[-1]:
        raise ValueError(
            f"{op}: the input has {channels} channels (shape {x_shape}, data_format='{data_format}') "
            f"but the kernel of shape {k_shape} expects {k_shape[-1]} (layout (*window, "
            "out_channels, in_channels))."
        )
    out_spatial, pads = [], []
    for i in range(n):
        size, k = spatial[i], k_shape[i]
        if k is None:
            out_spatial.append(None)
            pads.append(None)
            continue
        before, after = _transpose_pads(k, strides[i], dilation_rate[i], padding,
                                        None if output_padding is None else output_padding[i])
        pads.append((before, after))
        if size is None:
            out_spatial.append(None)
            continue
        eff = (k - 1) * dilation_rate[i] + 1
        o = (size - 1) * strides[i] + 1 + before + after - eff + 1
        if o <= 0:
            raise ValueError(
                f"{op}: the output would be empty. Received inputs of shape {x_shape}, kernel of "
                f"shape {k_shape}, strides={strides}, padding='{padding}', output_padding="
                f"{output_padding}, dilation_rate={dilation_rate}."
            )
        out_spatial.append(o)
    pads = None if any(p is None for p in pads) else tuple(pads)
    out_shape = _join(batch, out_spatial, k_shape[-2], data_format)
    return strides, pads, data_format, dilation_rate, out_shape


# ---------------------------------------------------------------------------
# Spec functions
# ---------------------------------------------------------------------------

def _conv_spec(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    plan = _conv_plan("conv", "conv", _spec.shape_of(inputs), _spec.shape_of(kernel), _hashable(strides),
                      padding, data_format, _hashable(dilation_rate))
    return KerasTensor(plan[-1], dtype=result_type(_spec.dtype_of(inputs), _spec.dtype_of(kernel)))


def _depthwise_spec(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    plan = _conv_plan("depthwise_conv", "depthwise", _spec.shape_of(inputs), _spec.shape_of(kernel),
                      _hashable(strides), padding, data_format, _hashable(dilation_rate))
    return KerasTensor(plan[-1], dtype=result_type(_spec.dtype_of(inputs), _spec.dtype_of(kernel)))


def _separable_spec(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                    data_format=None, dilation_rate=1):
    plan = _conv_plan("separable_conv", "depthwise", _spec.shape_of(inputs), _spec.shape_of(depthwise_kernel),
                      _hashable(strides), padding, data_format, _hashable(dilation_rate),
                      _spec.shape_of(pointwise_kernel))
    dtype = result_type(_spec.dtype_of(inputs), _spec.dtype_of(depthwise_kernel),
                        _spec.dtype_of(pointwise_kernel))
    return KerasTensor(plan[-1], dtype=dtype)


def _conv_transpose_spec(inputs, kernel, strides=1, padding="valid", output_padding=None,
                         data_format=None, dilation_rate=1):
    plan = _conv_transpose_plan("conv_transpose", _spec.shape_of(inputs), _spec.shape_of(kernel),
                                _hashable(strides), padding, _hashable(output_padding), data_format,
                                _hashable(dilation_rate))
    return KerasTensor(plan[-1], dtype=result_type(_spec.dtype_of(inputs), _spec.dtype_of(kernel)))


# ---------------------------------------------------------------------------
# Public ops
# ---------------------------------------------------------------------------

@symbolic_op(_conv_spec)
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1D, 2D or 3D) with a kernel of shape ``(*window, in_channels // groups, out_channels)``.

    The number of groups is ``in_channels // kernel.shape[-2]``.

    Example:
        >>> x = lamina.ops.ones((2, 8, 8, 3))
        >>> lamina.ops.conv(x, lamina.ops.ones((3, 3, 3, 4)), padding="same").shape
        (2, 8, 8, 4)
    """
    strides, pads, data_format, dilation_rate, _ = _conv_plan(
        "conv", "conv", _spec.shape_of(inputs), _spec.shape_of(kernel), _hashable(strides), padding,
        data_format, _hashable(dilation_rate))
    return B.nn.conv(inputs, kernel, strides, pads, data_format, dilation_rate)


@symbolic_op(_depthwise_spec)
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution: each input channel convolved with its own ``depth_multiplier`` filters.

    ``kernel`` has shape ``(*window, in_channels, depth_multiplier)``; output
    channel ``c * depth_multiplier + m`` comes from input channel ``c``.

    Example:
        >>> x = lamina.ops.ones((2, 8, 8, 3))
        >>> lamina.ops.depthwise_conv(x, lamina.ops.ones((3, 3, 3, 2))).shape
        (2, 6, 6, 6)
    """
    strides, pads, data_format, dilation_rate, _ = _conv_plan(
        "depthwise_conv", "depthwise", _spec.shape_of(inputs), _spec.shape_of(kernel), _hashable(strides),
        padding, data_format, _hashable(dilation_rate))
    return B.nn.depthwise_conv(inputs, kernel, strides, pads, data_format, dilation_rate)


@symbolic_op(_separable_spec)
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Depthwise convolution followed by a pointwise (1x1) convolution.

    ``depthwise_kernel``: ``(*window, in_channels, depth_multiplier)``;
    ``pointwise_kernel``: ``(1, ..., 1, in_channels * depth_multiplier, out_channels)``.
    ``strides``, ``padding`` and ``dilation_rate`` apply to the depthwise step.

    Example:
        >>> x = lamina.ops.ones((2, 8, 8, 3))
        >>> lamina.ops.separable_conv(x, lamina.ops.ones((3, 3, 3, 2)), lamina.ops.ones((1, 1, 6, 5))).shape
        (2, 6, 6, 5)
    """
    strides, pads, data_format, dilation_rate, _ = _conv_plan(
        "separable_conv", "depthwise", _spec.shape_of(inputs), _spec.shape_of(depthwise_kernel),
        _hashable(strides), padding, data_format, _hashable(dilation_rate), _spec.shape_of(pointwise_kernel))
    return B.nn.separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides, pads, data_format,
                               dilation_rate)


@symbolic_op(_conv_transpose_spec)
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Transposed convolution (the gradient of :func:`conv`), kernel ``(*window, out_channels, in_channels)``.

    Output size per dimension, as Keras: ``padding="valid"``:
    ``(in - 1) * stride + max(window, stride)``; ``"same"``: ``in * stride``;
    with ``output_padding`` given: ``(in - 1) * stride + window + output_padding``
    (``valid``) or ``(in - 1) * stride + window % 2 + output_padding`` (``same``),
    where ``window`` is the dilated kernel size.

    Example:
        >>> x = lamina.ops.ones((2, 4, 4, 3))
        >>> lamina.ops.conv_transpose(x, lamina.ops.ones((3, 3, 5, 3)), strides=2, padding="same").shape
        (2, 8, 8, 5)
    """
    strides, pads, data_format, dilation_rate, _ = _conv_transpose_plan(
        "conv_transpose", _spec.shape_of(inputs), _spec.shape_of(kernel), _hashable(strides), padding,
        _hashable(output_padding), data_format, _hashable(dilation_rate))
    return B.nn.conv_transpose(inputs, kernel, strides, pads, data_format, dilation_rate)
