"""Encodings and layout rearrangements (part of ``lamina.ops.nn``).

one_hot, multi_hot; polar (complex numbers from magnitude and angle);
depth_to_space, space_to_depth (pixel shuffle); unfold, fold (im2col, col2im).

Example:
    >>> from lamina import ops
    >>> ops.one_hot([0, 2], 3)   # [[1., 0., 0.], [0., 0., 1.]]
"""

from __future__ import annotations

from lamina import config
from lamina.backend import impl as B
from lamina.backend.common.dtypes import result_type, standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec


def _class_axis(op_name, axis, ndim):
    """Position of the new class axis in an output of rank ``ndim + 1``."""
    if not isinstance(axis, int) or not -(ndim + 1) <= axis <= ndim:
        raise ValueError(
            f"{op_name}: `axis` must be an int in [{-(ndim + 1)}, {ndim}] for an input of rank {ndim}. "
            f"Received: axis={axis!r}."
        )
    return axis % (ndim + 1)


def _check_num_classes(op_name, num_classes):
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"{op_name}: `num_classes` must be a positive int. Received: num_classes={num_classes!r}.")


def _check_not_sparse(op_name, sparse):
    if sparse:
        raise ValueError(f"{op_name}: sparse=True is not supported; lamina returns dense tensors.")


def _one_hot_spec(x, num_classes, axis=-1, dtype=None, sparse=False):
    shape = list(_spec.shape_of(x))
    shape.insert(_class_axis("one_hot", axis, len(shape)), num_classes)
    return KerasTensor(tuple(shape), dtype=standardize_dtype(dtype))


@symbolic_op(_one_hot_spec)
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer ``x``: a new axis of size ``num_classes`` at ``axis``.

    Values outside ``[0, num_classes)`` (e.g. -1 for padding) encode as all
    zeros. ``dtype`` defaults to floatx.

    Example:
        >>> ops.one_hot([1, -1], 3)   # [[0., 1., 0.], [0., 0., 0.]]
    """
    _check_num_classes("one_hot", num_classes)
    _check_not_sparse("one_hot", sparse)
    dtype = standardize_dtype(dtype)
    return B.nn.one_hot(x, num_classes, axis=_class_axis("one_hot", axis, len(_spec.shape_of(x))), dtype=dtype)


def _multi_hot_num_classes(num_classes, kwargs):
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if kwargs:
        raise TypeError(f"multi_hot: unexpected keyword arguments {sorted(kwargs)}.")
    if num_classes is None:
        raise ValueError("multi_hot: argument `num_classes` must be specified.")
    _check_num_classes("multi_hot", num_classes)
    return num_classes


def _multi_hot_spec(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    num_classes = _multi_hot_num_classes(num_classes, dict(kwargs))
    shape = list(_spec.shape_of(inputs))
    shape.insert(_class_axis("multi_hot", axis, len(shape)), num_classes)
    # The one-hot axis is then reduced: axis 1 for batched inputs, 0 for a single sample.
    del shape[1 if len(shape) > 2 else 0]
    return KerasTensor(tuple(shape), dtype=standardize_dtype(dtype))


@symbolic_op(_multi_hot_spec)
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encode integer ``inputs``: 1 for every class present in each sample.

    ``inputs`` is a batch ``(batch, n)`` (or one sample ``(n,)``) of class
    ids; the result is ``(batch, num_classes)`` (or ``(num_classes,)``).
    ``num_tokens`` is accepted as an alias of ``num_classes``.

    Example:
        >>> ops.multi_hot([[0, 2], [1, 1]], 3)   # [[1., 0., 1.], [0., 1., 0.]]
    """
    num_classes = _multi_hot_num_classes(num_classes, kwargs)
    _check_not_sparse("multi_hot", sparse)
    dtype = standardize_dtype(dtype)
    axis = _class_axis("multi_hot", axis, len(_spec.shape_of(inputs)))
    return B.nn.multi_hot(inputs, num_classes, axis=axis, dtype=dtype)


def _polar_spec(abs_, angle):
    d = result_type(_spec.dtype_of(abs_), _spec.dtype_of(angle))
    shape = _spec.broadcast_shapes(_spec.shape_of(abs_), _spec.shape_of(angle))
    return KerasTensor(shape, dtype="complex128" if d == "float64" else "complex64")


@symbolic_op(_polar_spec)
def polar(abs_, angle):
    """Complex numbers ``abs_ * (cos(angle) + 1j * sin(angle))`` from magnitudes and angles.

    Example:
        >>> ops.polar([2.0], [0.0])   # [2.+0.j]
    """
    return B.nn.polar(abs_, angle)


def _block_size(op_name, block_size):
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 2:
        raise ValueError(f"{op_name}: `block_size` must be an int >= 2. Received: block_size={block_size!r}.")


def _spatial_dims(op_name, x, data_format):
    shape = _spec.shape_of(x)
    if len(shape) != 4:
        raise ValueError(f"{op_name}: `x` must be a 4D tensor. Received: x.shape={shape}.")
    if data_format == "channels_last":
        b, h, w, c = shape
    else:
        b, c, h, w = shape
    return b, h, w, c


def _layout(b, h, w, c, data_format):
    return (b, h, w, c) if data_format == "channels_last" else (b, c, h, w)


def _depth_to_space_spec(x, block_size, data_format="channels_last"):
    data_format = config.standardize_data_format(data_format)
    _block_size("depth_to_space", block_size)
    b, h, w, c = _spatial_dims("depth_to_space", x, data_format)
    if c is not None and c % (block_size * block_size):
        raise ValueError(
            f"depth_to_space: the number of channels ({c}) must be divisible by block_size**2 "
            f"({block_size * block_size})."
        )
    mul = lambda d: None if d is None else d * block_size  # noqa: E731
    c = None if c is None else c // (block_size * block_size)
    return KerasTensor(_layout(b, mul(h), mul(w), c, data_format), dtype=_spec.dtype_of(x))


@symbolic_op(_depth_to_space_spec)
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move channel blocks into space: ``(N, H, W, C) -> (N, H*b, W*b, C/b**2)`` (pixel shuffle)."""
    data_format = config.standardize_data_format(data_format)
    _block_size("depth_to_space", block_size)
    return B.nn.depth_to_space(x, block_size, data_format=data_format)


def _space_to_depth_spec(x, block_size, data_format="channels_last"):
    data_format = config.standardize_data_format(data_format)
    _block_size("space_to_depth", block_size)
    b, h, w, c = _spatial_dims("space_to_depth", x, data_format)
    for name, d in (("height", h), ("width", w)):
        if d is not None and d % block_size:
            raise ValueError(f"space_to_depth: the {name} ({d}) must be divisible by block_size ({block_size}).")
    div = lambda d: None if d is None else d // block_size  # noqa: E731
    c = None if c is None else c * block_size * block_size
    return KerasTensor(_layout(b, div(h), div(w), c, data_format), dtype=_spec.dtype_of(x))


@symbolic_op(_space_to_depth_spec)
def space_to_depth(x, block_size, data_format="channels_last"):
    """Move spatial blocks into channels: ``(N, H, W, C) -> (N, H/b, W/b, C*b**2)``."""
    data_format = config.standardize_data_format(data_format)
    _block_size("space_to_depth", block_size)
    return B.nn.space_to_depth(x, block_size, data_format=data_format)


def _pair(op_name, name, v):
    if isinstance(v, int) and not isinstance(v, bool):
        return (v, v)
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(isinstance(e, int) for e in v):
        return tuple(v)
    raise ValueError(f"{op_name}: `{name}` must be an int or a pair of ints. Received: {name}={v!r}.")


def _unfold_spec(x, kernel_size, dilation=1, padding=0, stride=1):
    shape = _spec.shape_of(x)
    if len(shape) != 4:
        raise ValueError(f"unfold: `x` must be a 4D tensor (N, C, H, W). Received: x.shape={shape}.")
    n, c, h, w = shape
    k, d, p, s = (_pair("unfold", nm, v) for nm, v in
                  (("kernel_size", kernel_size), ("dilation", dilation), ("padding", padding), ("stride", stride)))

    def blocks(size, i):
        return None if size is None else (size + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1

    oh, ow = blocks(h, 0), blocks(w, 1)
    return KerasTensor((n, None if c is None else c * k[0] * k[1], None if oh is None or ow is None else oh * ow),
                       dtype=_spec.dtype_of(x))


@symbolic_op(_unfold_spec)
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks (im2col) from ``x`` of shape ``(N, C, H, W)``: ``(N, C*kH*kW, L)``.

    As ``torch.nn.functional.unfold``: channels first, ``L`` blocks in row-major order.
    """
    if len(_spec.shape_of(x)) != 4:
        raise ValueError(f"unfold: `x` must be a 4D tensor (N, C, H, W). Received: x.shape={_spec.shape_of(x)}.")
    return B.nn.unfold(x, _pair("unfold", "kernel_size", kernel_size), _pair("unfold", "dilation", dilation),
                       _pair("unfold", "padding", padding), _pair("unfold", "stride", stride))


def _fold_args(output_size, kernel_size, dilation, padding, stride):
    return tuple(_pair("fold", nm, v) for nm, v in (("output_size", output_size), ("kernel_size", kernel_size),
                                                    ("dilation", dilation), ("padding", padding), ("stride", stride)))


def _fold_spec(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    shape = _spec.shape_of(x)
    if len(shape) != 3:
        raise ValueError(f"fold: `x` must be a 3D tensor (N, C*kH*kW, L). Received: x.shape={shape}.")
    o, k, _, _, _ = _fold_args(output_size, kernel_size, dilation, padding, stride)
    n, ckk, _ = shape
    if ckk is not None and ckk % (k[0] * k[1]):
        raise ValueError(f"fold: the second dimension of `x` ({ckk}) must be divisible by kH*kW ({k[0] * k[1]}).")
    return KerasTensor((n, None if ckk is None else ckk // (k[0] * k[1]), o[0], o[1]), dtype=_spec.dtype_of(x))


@symbolic_op(_fold_spec)
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks back into an image (col2im): ``(N, C*kH*kW, L) -> (N, C, oH, oW)``.

    The inverse arrangement of :func:`unfold`; overlapping values are added,
    as ``torch.nn.functional.fold``.
    """
    shape = _spec.shape_of(x)
    if len(shape) != 3:
        raise ValueError(f"fold: `x` must be a 3D tensor (N, C*kH*kW, L). Received: x.shape={shape}.")
    o, k, d, p, s = _fold_args(output_size, kernel_size, dilation, padding, stride)
    return B.nn.fold(x, o, k, d, p, s)
