"""image kernels on jax arrays.

The ops layer (``lamina.ops.image``) validates arguments and resolves defaults;
these kernels receive a standardized ``data_format`` and plain Python ints.
Resizing is ``jax.image.resize``; filters are depthwise ``lax`` convolutions.
Everything here traces under ``jax.jit``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.common.variable_base import VariableBase
from lamina.backend.jax._convert import t

_METHODS = {"bilinear": "linear", "bicubic": "cubic", "nearest": "nearest", "lanczos3": "lanczos3",
            "lanczos5": "lanczos5", "linear": "linear", "trilinear": "linear", "triangle": "linear",
            "cubic": "cubic", "tricubic": "cubic"}


# ----------------------------------------------------------------------------- compilation


def _jit(*static):
    """Compile a kernel with ``jax.jit`` (arguments named in ``static`` are compile-time constants).

    One XLA program per input signature is far cheaper in eager mode than
    dispatching each primitive; inside an outer ``jax.jit`` it simply inlines.
    """

    def wrap(fn):
        compiled = jax.jit(fn, static_argnames=static)

        def call(*args, **kwargs):
            args = [a.value if isinstance(a, VariableBase) else a for a in args]
            return compiled(*args, **kwargs)

        call.__name__, call.__doc__, call.__wrapped__ = fn.__name__, fn.__doc__, fn
        return call

    return wrap


# ----------------------------------------------------------------------------- layout and dtype helpers


def _to_bhwc(images, data_format):
    x = t(images)
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    if data_format == "channels_first":
        x = jnp.transpose(x, (0, 2, 3, 1))
    return x, (unbatched, data_format)


def _from_bhwc(x, layout):
    unbatched, data_format = layout
    if data_format == "channels_first":
        x = jnp.transpose(x, (0, 3, 1, 2))
    return x[0] if unbatched else x


def _is_int(dtype):
    return jnp.issubdtype(dtype, jnp.integer) or dtype == jnp.bool_


def _compute(x):
    return x if x.dtype in (jnp.float32, jnp.float64) else x.astype(jnp.float32)


def _restore(x, dtype, lo=None, hi=None):
    """Cast a float result back to the images' dtype: integers are rounded and clipped to range."""
    if x.dtype == dtype:
        return x
    if dtype == jnp.bool_:
        return x > 0.5
    if jnp.issubdtype(dtype, jnp.integer):
        info = jnp.iinfo(dtype)
        lo = info.min if lo is None else lo
        hi = info.max if hi is None else hi
        return jnp.clip(jnp.round(x), lo, hi).astype(dtype)
    return x.astype(dtype)


def _round_half_away(x):
    return jnp.sign(x) * jnp.floor(jnp.abs(x) + 0.5)


# ----------------------------------------------------------------------------- colour conversions


@_jit("data_format")
def rgb_to_grayscale(images, data_format="channels_last"):
    x = t(images)
    axis = -1 if data_format == "channels_last" else -3
    if x.shape[axis] == 1:
        return x
    dtype = x.dtype
    compute = dtype if jnp.issubdtype(dtype, jnp.floating) else jnp.float32
    weights = jnp.array([0.2989, 0.587, 0.114], dtype=compute)
    gray = jnp.tensordot(x.astype(compute), weights, axes=([axis % x.ndim], [0]))
    return jnp.expand_dims(gray, axis).astype(dtype)


def _split_channels(x, data_format):
    axis = -1 if data_format == "channels_last" else -3
    return jnp.take(x, 0, axis=axis), jnp.take(x, 1, axis=axis), jnp.take(x, 2, axis=axis), axis


@_jit("data_format")
def rgb_to_hsv(images, data_format="channels_last"):
    x = t(images)
    dtype = x.dtype
    eps = jnp.finfo(dtype).eps
    x = _compute(x)
    x = jnp.where(jnp.abs(x) < eps, 0.0, x)
    r, g, b, axis = _split_channels(x, data_format)
    value = jnp.maximum(jnp.maximum(r, g), b)
    spread = value - jnp.minimum(jnp.minimum(r, g), b)
    saturation = jnp.where(value > 0, spread / jnp.where(value > 0, value, 1.0), 0.0)
    inv = 1.0 / (6.0 * jnp.where(spread > 0, spread, 1.0))
    hue = jnp.where(value == g, inv * (b - r) + 2.0 / 6.0, inv * (r - g) + 4.0 / 6.0)
    hue = jnp.where(value == r, inv * (g - b), hue)
    hue = jnp.where(spread > 0, hue, 0.0) + (hue < 0).astype(hue.dtype)
    return jnp.stack([hue, saturation, value], axis=axis).astype(dtype)


@_jit("data_format")
def hsv_to_rgb(images, data_format="channels_last"):
    x = t(images)
    dtype = x.dtype
    h, s, v, axis = _split_channels(_compute(x), data_format)
    sector = jnp.mod(h, 1.0) * 6.0
    red = jnp.clip(jnp.abs(sector - 3.0) - 1.0, 0.0, 1.0)
    green = jnp.clip(2.0 - jnp.abs(sector - 2.0), 0.0, 1.0)
    blue = jnp.clip(2.0 - jnp.abs(sector - 4.0), 0.0, 1.0)
    grey = 1.0 - s
    return jnp.stack([v * (grey + s * c) for c in (red, green, blue)], axis=axis).astype(dtype)


# ----------------------------------------------------------------------------- resize


@_jit("size", "interpolation", "antialias", "crop", "pad", "data_format")
def resize(images, size, interpolation="bilinear", antialias=False, crop=None, pad=None, fill_value=0.0,
           data_format="channels_last"):
    x, layout = _to_bhwc(images, data_format)
    if crop is not None:
        top, left, h, w = crop
        x = x[:, top:top + h, left:left + w, :]
    if pad is not None:
        ph, pw = pad
        x = jnp.pad(x, [(0, 0), (ph, ph), (pw, pw), (0, 0)], constant_values=jnp.asarray(fill_value, x.dtype))
    dtype = x.dtype
    shape = (x.shape[0], int(size[0]), int(size[1]), x.shape[3])
    if interpolation == "nearest":
        return _from_bhwc(jax.image.resize(x, shape, method="nearest"), layout)
    lo, hi = (jnp.min(x), jnp.max(x)) if _is_int(dtype) and x.size else (None, None)
    out = jax.image.resize(_compute(x), shape, method=_METHODS[interpolation], antialias=antialias)
    return _from_bhwc(_restore(out, dtype, lo, hi), layout)


@_jit("output_shape", "spatial_dims", "method", "antialias")
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    x = t(images)
    dtype = x.dtype
    lo, hi = (jnp.min(x), jnp.max(x)) if _is_int(dtype) and x.size else (None, None)
    scale = t(scale).astype(jnp.float32)
    translation = t(translation).astype(jnp.float32)
    out = jax.image.scale_and_translate(_compute(x), output_shape, spatial_dims, scale, translation,
                                        _METHODS[method], antialias=antialias)
    return _restore(out, dtype, lo, hi)


# ----------------------------------------------------------------------------- sampling at arbitrary coordinates


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    x = t(inputs)
    if isinstance(coordinates, (list, tuple)):
        coords = [t(c) for c in coordinates]
    else:
        c = t(coordinates)
        coords = [c[i] for i in range(c.shape[0])]
    return jax.scipy.ndimage.map_coordinates(x, coords, order, mode=fill_mode, cval=fill_value)


def _fix_index(idx, size, mode):
    if mode in ("constant", "nearest"):
        return jnp.clip(idx, 0, size - 1)
    if mode == "wrap":
        return jnp.mod(idx, size)
    if mode == "mirror":
        if size == 1:
            return jnp.zeros_like(idx)
        s = size - 1
        return jnp.abs(jnp.mod(idx + s, 2 * s) - s)
    s = 2 * size
    return (jnp.abs(jnp.mod(2 * idx + 1 + s, 2 * s) - s) - 1) // 2


def _sample_images(x, ys, xs, order, fill_mode, fill_value):
    """Sample channels-last images (B, H, W, C) at per-batch float grids ys, xs of shape (B, H', W')."""
    height, width = x.shape[1], x.shape[2]
    batch = jnp.arange(x.shape[0]).reshape((-1,) + (1,) * (ys.ndim - 1))
    if order == 0:
        y_nodes = [(jnp.round(ys).astype(jnp.int32), None)]
        x_nodes = [(jnp.round(xs).astype(jnp.int32), None)]
    else:
        y0, x0 = jnp.floor(ys), jnp.floor(xs)
        wy, wx = ys - y0, xs - x0
        y0, x0 = y0.astype(jnp.int32), x0.astype(jnp.int32)
        y_nodes = [(y0, 1.0 - wy), (y0 + 1, wy)]
        x_nodes = [(x0, 1.0 - wx), (x0 + 1, wx)]
    fill = jnp.asarray(fill_value, dtype=x.dtype)
    total = None
    for iy, wy_ in y_nodes:
        for ix, wx_ in x_nodes:
            values = x[batch, _fix_index(iy, height, fill_mode), _fix_index(ix, width, fill_mode)]
            if fill_mode == "constant":
                valid = (iy >= 0) & (iy < height) & (ix >= 0) & (ix < width)
                values = jnp.where(valid[..., None], values, fill)
            if wy_ is not None:
                values = values * (wy_ * wx_)[..., None].astype(x.dtype)
            total = values if total is None else total + values
    return total


def _projective_grid(transform, batch, height, width, dtype):
    transform = transform.astype(dtype).reshape(-1, 8)
    if transform.shape[0] == 1 and batch > 1:
        transform = jnp.broadcast_to(transform, (batch, 8))
    a0, a1, a2, b0, b1, b2, c0, c1 = [transform[:, i, None, None] for i in range(8)]
    gy, gx = jnp.meshgrid(jnp.arange(height, dtype=dtype), jnp.arange(width, dtype=dtype), indexing="ij")
    k = c0 * gx + c1 * gy + 1.0
    return (b0 * gx + b1 * gy + b2) / k, (a0 * gx + a1 * gy + a2) / k


def _warp(images, transform, interpolation, fill_mode, fill_value, data_format):
    x, layout = _to_bhwc(images, data_format)
    dtype = x.dtype
    xf = _compute(x)
    ys, xs = _projective_grid(transform, x.shape[0], x.shape[1], x.shape[2], xf.dtype)
    order = 0 if interpolation == "nearest" else 1
    out = _sample_images(xf, ys, xs, order, fill_mode, fill_value)
    if _is_int(dtype):
        out = _round_half_away(out)
    return _from_bhwc(out.astype(dtype), layout)


@_jit("interpolation", "fill_mode", "data_format")
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format="channels_last"):
    return _warp(images, t(transform), interpolation, fill_mode, fill_value, data_format)


def _homography(start_points, end_points, dtype):
    s = t(start_points).astype(dtype).reshape(-1, 4, 2)
    e = t(end_points).astype(dtype).reshape(-1, 4, 2)
    sx, sy, ex, ey = s[..., 0], s[..., 1], e[..., 0], e[..., 1]
    zeros, ones = jnp.zeros_like(ex), jnp.ones_like(ex)
    rows_x = jnp.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], axis=-1)
    rows_y = jnp.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], axis=-1)
    matrix = jnp.concatenate([rows_x, rows_y], axis=1)
    target = jnp.concatenate([sx, sy], axis=1)
    return jnp.linalg.solve(matrix, target[..., None])[..., 0]


@_jit("interpolation", "data_format")
def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format="channels_last"):
    x = t(images)
    coeffs = _homography(start_points, end_points, jnp.float64 if x.dtype == jnp.float64 else jnp.float32)
    return _warp(x, coeffs, interpolation, "constant", fill_value, data_format)


# ----------------------------------------------------------------------------- crop and pad


@_jit("top", "left", "height", "width", "data_format")
def crop_images(images, top, left, height, width, data_format="channels_last"):
    x = t(images)
    if data_format == "channels_last":
        return x[..., top:top + height, left:left + width, :]
    return x[..., top:top + height, left:left + width]


@_jit("top", "bottom", "left", "right", "data_format")
def pad_images(images, top, bottom, left, right, data_format="channels_last"):
    x = t(images)
    spatial = [(top, bottom), (left, right)]
    if data_format == "channels_last":
        widths = [(0, 0)] * (x.ndim - 3) + spatial + [(0, 0)]
    else:
        widths = [(0, 0)] * (x.ndim - 2) + spatial
    return jnp.pad(x, widths)


# ----------------------------------------------------------------------------- patches


def _same_padding(n, k, s, d):
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


@_jit("size", "strides", "dilation_rate", "padding", "data_format")
def extract_patches(images, size, strides, dilation_rate, padding, data_format="channels_last"):
    x = t(images)
    nd = len(size)
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x[None]
    if data_format == "channels_first":
        x = jnp.moveaxis(x, 1, -1)
    if padding == "same":
        pads = [_same_padding(n, k, s, d) for n, k, s, d in zip(x.shape[1:-1], size, strides, dilation_rate)]
        x = jnp.pad(x, [(0, 0)] + pads + [(0, 0)])
    index = []
    for i, (n, k, s, d) in enumerate(zip(x.shape[1:-1], size, strides, dilation_rate)):
        out = max((n - (k - 1) * d - 1) // s + 1, 0)
        idx = np.arange(out)[:, None] * s + np.arange(k)[None, :] * d
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = out, k
        index.append(idx.reshape(shape))
    patches = x[(slice(None),) + tuple(index)]
    patches = patches.reshape(patches.shape[: 1 + nd] + (-1,))
    if data_format == "channels_first":
        patches = jnp.moveaxis(patches, -1, 1)
    return patches[0] if unbatched else patches


# ----------------------------------------------------------------------------- filters


def _gaussian_1d(size, sigma):
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def _depthwise(x, kernel, padding):
    """Correlate each channel of (B, H, W, C) ``x`` with the 2-D ``kernel`` ("SAME" or "VALID")."""
    channels = x.shape[-1]
    kh, kw = kernel.shape
    weight = jnp.broadcast_to(jnp.asarray(kernel, dtype=x.dtype).reshape(kh, kw, 1, 1), (kh, kw, 1, channels))
    return jax.lax.conv_general_dilated(x, weight, (1, 1), padding, dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                        feature_group_count=channels)


@_jit("kernel_size", "sigma", "data_format")
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format="channels_last"):
    x, layout = _to_bhwc(images, data_format)
    dtype = x.dtype
    kernel = np.outer(_gaussian_1d(kernel_size[1], sigma[1]), _gaussian_1d(kernel_size[0], sigma[0]))
    out = _depthwise(_compute(x), kernel, "SAME")
    return _from_bhwc(_restore(out, dtype), layout)


_SOBEL_Y = np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])


@_jit("data_format")
def sobel_edges(images, data_format="channels_last"):
    x = t(images)
    if data_format == "channels_first":
        x = jnp.transpose(x, (0, 2, 3, 1))
    dtype = x.dtype
    xf = _compute(x)
    edges = jnp.stack([_depthwise(xf, _SOBEL_Y, "SAME"), _depthwise(xf, _SOBEL_Y.T, "SAME")], axis=-1)
    if data_format == "channels_first":
        edges = jnp.transpose(edges, (0, 3, 1, 2, 4))
    return _restore(edges, dtype)


@_jit("max_val", "filter_size", "filter_sigma", "k1", "k2", "data_format")
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format="channels_last"):
    a, layout = _to_bhwc(image1, data_format)
    b, _ = _to_bhwc(image2, data_format)
    dtype = a.dtype
    a, b = _compute(a), _compute(b).astype(_compute(a).dtype)
    g = _gaussian_1d(filter_size, filter_sigma)
    kernel = np.outer(g, g)

    def blur(v):
        return _depthwise(v, kernel, "VALID")

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu1, mu2 = blur(a), blur(b)
    s11, s22, s12 = blur(a * a) - mu1 * mu1, blur(b * b) - mu2 * mu2, blur(a * b) - mu1 * mu2
    ssim_map = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2))
    out = jnp.mean(ssim_map, axis=(1, 2, 3))
    out = out[0] if layout[0] else out
    return out.astype(dtype)


@_jit("alpha", "sigma", "interpolation", "fill_mode", "data_format")
def elastic_transform(images, noise, alpha, sigma, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                      data_format="channels_last"):
    x, layout = _to_bhwc(images, data_format)
    dtype = x.dtype
    xf = _compute(x)
    noise = t(noise).astype(xf.dtype) * sigma  # (2, B, H, W)
    size = int(6 * sigma) | 1
    g = _gaussian_1d(size, sigma)
    noise = _depthwise(jnp.moveaxis(noise, 0, -1), np.outer(g, g), "SAME")  # (B, H, W, 2)
    gy, gx = jnp.meshgrid(jnp.arange(x.shape[1], dtype=xf.dtype), jnp.arange(x.shape[2], dtype=xf.dtype),
                          indexing="ij")
    ys, xs = gy + alpha * noise[..., 1], gx + alpha * noise[..., 0]
    order = 0 if interpolation == "nearest" else 1
    out = _sample_images(xf, ys, xs, order, fill_mode, fill_value)
    if _is_int(dtype):
        out = _round_half_away(out)
    return _from_bhwc(out.astype(dtype), layout)
