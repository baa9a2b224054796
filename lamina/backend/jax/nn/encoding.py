"""jax kernels: one_hot, multi_hot, polar, depth_to_space, space_to_depth, unfold, fold."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401
from lamina.backend.jax.core import to_native_dtype


def _int_input(x):
    x = t(x)
    if not jnp.issubdtype(x.dtype, jnp.integer):
        x = x.astype(jnp.int32)
    return x


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    # jax.nn.one_hot gives all-zero rows for ids outside [0, num_classes).
    return jax.nn.one_hot(_int_input(x), num_classes, axis=axis, dtype=to_native_dtype(dtype))


def multi_hot(x, num_classes, axis=-1, dtype="float32"):
    x = _int_input(x)
    reduce_axis = 1 if x.ndim > 1 else 0
    return jnp.max(one_hot(x, num_classes, axis=axis, dtype=dtype), axis=reduce_axis)


def polar(abs_, angle):
    abs_, angle = promote(abs_, angle)
    abs_, angle = to_float(abs_), to_float(angle)
    if abs_.dtype not in (jnp.float32, jnp.float64):
        abs_, angle = abs_.astype(jnp.float32), angle.astype(jnp.float32)
    return jax.lax.complex(abs_ * jnp.cos(angle), abs_ * jnp.sin(angle))


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
    return _unfold(t(x), tuple(kernel_size), tuple(dilation), tuple(padding), tuple(stride))


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4))
def _unfold(x, kernel_size, dilation, padding, stride):
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel_size, dilation, padding, stride
    n, c, h, w = x.shape
    oh, ow = _blocks(h, kh, dh, ph, sh), _blocks(w, kw, dw, pw, sw)
    if oh < 1 or ow < 1:
        raise ValueError(f"unfold: the kernel does not fit in the padded input of shape {x.shape}.")
    if ph or pw:
        x = jnp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    # Strided slices, one per kernel position: exact for every dtype (no convolution arithmetic).
    cols = [
        x[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw: j * dw + sw * (ow - 1) + 1: sw]
        for i in range(kh) for j in range(kw)
    ]
    return jnp.stack(cols, axis=2).reshape(n, c * kh * kw, oh * ow)


def fold(x, output_size, kernel_size, dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    return _fold(t(x), tuple(output_size), tuple(kernel_size), tuple(dilation), tuple(padding), tuple(stride))


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4, 5))
def _fold(x, output_size, kernel_size, dilation, padding, stride):
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
    out = jnp.zeros((n, c, oh_ + 2 * ph, ow_ + 2 * pw), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            out = out.at[:, :, i * dh: i * dh + sh * (nh - 1) + 1: sh, j * dw: j * dw + sw * (nw - 1) + 1: sw].add(
                x[:, :, i, j])
    return out[:, :, ph: ph + oh_, pw: pw + ow_]
