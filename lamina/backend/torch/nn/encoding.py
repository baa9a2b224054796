"""torch kernels: one_hot, multi_hot, polar, depth_to_space, space_to_depth, unfold, fold."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401
from lamina.backend.torch.core import to_native_dtype


def _int_input(x):
    x = t(x)
    if x.is_floating_point() or x.dtype == torch.bool:
        x = x.long()
    return x


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    x = _int_input(x)
    axis = axis % (x.ndim + 1)
    shape = [1] * (x.ndim + 1)
    shape[axis] = num_classes
    classes = torch.arange(num_classes, dtype=x.dtype, device=x.device).reshape(shape)
    # A broadcast comparison: out-of-range ids (e.g. -1 padding) give all-zero rows.
    return (x.unsqueeze(axis) == classes).to(to_native_dtype(dtype))


def multi_hot(x, num_classes, axis=-1, dtype="float32"):
    x = _int_input(x)
    reduce_axis = 1 if x.ndim > 1 else 0
    return torch.amax(one_hot(x, num_classes, axis=axis, dtype=dtype), dim=reduce_axis)


def polar(abs_, angle):
    abs_, angle = promote(abs_, angle)
    abs_, angle = to_float(abs_), to_float(angle)
    if abs_.dtype not in (torch.float32, torch.float64):
        abs_, angle = abs_.float(), angle.float()
    abs_, angle = torch.broadcast_tensors(abs_, angle)
    return torch.polar(abs_, angle)


def _check_channels(c, b):
    if c % (b * b):
        raise ValueError(
            f"depth_to_space: the number of channels ({c}) must be divisible by block_size**2 ({b * b})."
        )


def depth_to_space(x, block_size, data_format="channels_last"):
    x = t(x)
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        _check_channels(c, b)
        x = x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h * b, w * b, c // (b * b))
    n, c, h, w = x.shape
    _check_channels(c, b)
    return F.pixel_shuffle(x, b)


def space_to_depth(x, block_size, data_format="channels_last"):
    x = t(x)
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        if h % b or w % b:
            raise ValueError(f"space_to_depth: height ({h}) and width ({w}) must be divisible by block_size ({b}).")
        x = x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h // b, w // b, c * b * b)
    n, c, h, w = x.shape
    if h % b or w % b:
        raise ValueError(f"space_to_depth: height ({h}) and width ({w}) must be divisible by block_size ({b}).")
    return F.pixel_unshuffle(x, b)


def unfold(x, kernel_size, dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    return F.unfold(t(x), kernel_size=kernel_size, dilation=dilation, padding=padding, stride=stride)


def fold(x, output_size, kernel_size, dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    return F.fold(t(x), output_size=output_size, kernel_size=kernel_size, dilation=dilation, padding=padding,
                  stride=stride)
