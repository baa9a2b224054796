"""numpy kernels: one_hot, multi_hot, polar, depth_to_space, space_to_depth, unfold, fold."""

from __future__ import annotations

import numpy as np

from lamina.backend.numpy._convert import promote, promote_many, t  # noqa: F401
from lamina.backend.numpy.nn.activations import _to_float as to_float
from lamina.backend.numpy.core import to_native_dtype


def _int_input(x):
    x = t(x)
    if not np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.int64)
    return x


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    """``axis`` is the position of the class axis in the output (already non-negative from the op)."""
    x = _int_input(x)
    axis = axis % (x.ndim + 1)
    shape = [1] * (x.ndim + 1)
    shape[axis] = num_classes
    classes = np.arange(num_classes, dtype=x.dtype).reshape(shape)
    return (np.expand_dims(x, axis) == classes).astype(to_native_dtype(dtype))


def multi_hot(x, num_classes, axis=-1, dtype="float32"):
    x = _int_input(x)
    reduce_axis = 1 if x.ndim > 1 else 0
    return np.max(one_hot(x, num_classes, axis=axis, dtype=dtype), axis=reduce_axis)


def polar(abs_, angle):
    abs_, angle = promote(abs_, angle)
    abs_, angle = to_float(abs_), to_float(angle)
    if abs_.dtype != angle.dtype:
        angle = angle.astype(abs_.dtype)
    if abs_.dtype.name not in ("float32", "float64"):
        abs_, angle = abs_.astype(np.float32), angle.astype(np.float32)
    out = np.empty(np.broadcast_shapes(abs_.shape, angle.shape),
                   dtype=np.complex128 if abs_.dtype == np.float64 else np.complex64)
    out.real = abs_ * np.cos(angle)
    out.imag = abs_ * np.sin(angle)
    return out


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
        x = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h * b, w * b, c // (b * b))
    n, c, h, w = x.shape
    _check_channels(c, b)
    x = x.reshape(n, c // (b * b), b, b, h, w).transpose(0, 1, 4, 2, 5, 3)
    return x.reshape(n, c // (b * b), h * b, w * b)


def space_to_depth(x, block_size, data_format="channels_last"):
    x = t(x)
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        if h % b or w % b:
            raise ValueError(f"space_to_depth: height ({h}) and width ({w}) must be divisible by block_size ({b}).")
        x = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h // b, w // b, c * b * b)
    n, c, h, w = x.shape
    if h % b or w % b:
        raise ValueError(f"space_to_depth: height ({h}) and width ({w}) must be divisible by block_size ({b}).")
    x = x.reshape(n, c, h // b, b, w // b, b).transpose(0, 1, 3, 5, 2, 4)
    return x.reshape(n, c * b * b, h // b, w // b)


def _blocks(size, k, d, p, s):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def unfold(x, kernel_size, dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    x = t(x)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel_size, dilation, padding, stride
    n, c, h, w = x.shape
    oh, ow = _blocks(h, kh, dh, ph, sh), _blocks(w, kw, dw, pw, sw)
    if oh < 1 or ow < 1:
        raise ValueError(f"unfold: the kernel does not fit in the padded input of shape {x.shape}.")
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i, j] = x[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw: j * dw + sw * (ow - 1) + 1: sw]
    return out.reshape(n, c * kh * kw, oh * ow)


def fold(x, output_size, kernel_size, dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    x = t(x)
    (oh_, ow_), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = output_size, kernel_size, dilation, padding, stride
    n, ckk, length = x.shape
    c = ckk // (kh * kw)
    nh, nw = _blocks(oh_, kh, dh, ph, sh), _blocks(ow_, kw, dw, pw, sw)
    if ckk % (kh * kw) or nh * nw != length:
        raise ValueError(
            f"fold: expected an input of shape (N, C*{kh * kw}, {nh * nw}) for output_size={output_size}, "
            f"kernel_size={kernel_size}; received {x.shape}."
        )
    x = x.reshape(n, c, kh, kw, nh, nw)
    out = np.zeros((n, c, oh_ + 2 * ph, ow_ + 2 * pw), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh: i * dh + sh * (nh - 1) + 1: sh, j * dw: j * dw + sw * (nw - 1) + 1: sw] += x[:, :, i, j]
    return out[:, :, ph: ph + oh_, pw: pw + ow_]
