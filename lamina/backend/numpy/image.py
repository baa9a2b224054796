"""image kernels on numpy arrays.

The ops layer (``lamina.ops.image``) validates arguments and resolves defaults;
these kernels receive a standardized ``data_format`` and plain Python ints.
Images are handled channels-last inside, as (batch, height, width, channels).
"""

from __future__ import annotations

import numpy as np

from lamina.backend.numpy._convert import t

_INT_KINDS = "iub"


# ----------------------------------------------------------------------------- layout and dtype helpers


def _to_bhwc(images, data_format):
    """(batch, height, width, channels) view of rank-3 or rank-4 images, and how to undo it."""
    x = t(images)
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    return x, (unbatched, data_format)


def _from_bhwc(x, layout):
    unbatched, data_format = layout
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1)
    return x[0] if unbatched else x


def _compute_dtype(dtype):
    return np.float64 if dtype == np.float64 else np.float32


def _restore(x, dtype, lo=None, hi=None):
    """Cast a float result back to the images' dtype: integers are rounded and clipped to range."""
    if dtype.kind in _INT_KINDS:
        if dtype == np.bool_:
            return x > 0.5
        info = np.iinfo(dtype)
        lo = info.min if lo is None else lo
        hi = info.max if hi is None else hi
        return np.clip(np.round(x), lo, hi).astype(dtype)
    return x.astype(dtype, copy=False)


def _round_half_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


# ----------------------------------------------------------------------------- colour conversions


def rgb_to_grayscale(images, data_format="channels_last"):
    x = t(images)
    axis = -1 if data_format == "channels_last" else -3
    if x.shape[axis] == 1:
        return x.copy()
    dtype = x.dtype
    compute = dtype if dtype.kind == "f" else np.dtype(np.float32)
    weights = np.array([0.2989, 0.587, 0.114], dtype=compute)
    gray = np.tensordot(x.astype(compute, copy=False), weights, axes=([axis], [0]))
    return np.expand_dims(gray, axis).astype(dtype)


def _split_channels(x, data_format):
    axis = -1 if data_format == "channels_last" else -3
    return np.take(x, 0, axis=axis), np.take(x, 1, axis=axis), np.take(x, 2, axis=axis), axis


def rgb_to_hsv(images, data_format="channels_last"):
    x = t(images)
    dtype = x.dtype
    if dtype.name in ("float16", "bfloat16"):
        x = x.astype(np.float32)
    eps = np.finfo(dtype).eps if dtype.name != "bfloat16" else 0.0078125
    x = np.where(np.abs(x) < eps, 0, x)
    r, g, b, axis = _split_channels(x, data_format)
    value = np.maximum(np.maximum(r, g), b)
    spread = value - np.minimum(np.minimum(r, g), b)
    saturation = np.where(value > 0, spread / np.where(value > 0, value, 1), 0)
    inv = 1.0 / (6.0 * np.where(spread > 0, spread, 1))
    hue = np.where(value == g, inv * (b - r) + 2.0 / 6.0, inv * (r - g) + 4.0 / 6.0)
    hue = np.where(value == r, inv * (g - b), hue)
    hue = np.where(spread > 0, hue, 0) + (hue < 0)
    return np.stack([hue, saturation, value], axis=axis).astype(dtype)


def hsv_to_rgb(images, data_format="channels_last"):
    x = t(images)
    dtype = x.dtype
    if dtype.name in ("float16", "bfloat16"):
        x = x.astype(np.float32)
    h, s, v, axis = _split_channels(x, data_format)
    sector = np.mod(h, 1.0) * 6.0
    red = np.clip(np.abs(sector - 3.0) - 1.0, 0.0, 1.0)
    green = np.clip(2.0 - np.abs(sector - 2.0), 0.0, 1.0)
    blue = np.clip(2.0 - np.abs(sector - 4.0), 0.0, 1.0)
    grey = 1.0 - s
    out = [v * (grey + s * c) for c in (red, green, blue)]
    return np.stack(out, axis=axis).astype(dtype)


# ----------------------------------------------------------------------------- resampling kernels


def _triangle(x):
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_cubic(x):
    x = np.abs(x)
    near = (1.5 * x - 2.5) * x * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(x):
        x = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius) / np.where(x > 0, np.pi**2 * x**2, 1.0)
        return np.where(x > radius, 0.0, np.where(x > 1e-3, y, 1.0))

    return kernel


_KERNELS = {
    "linear": _triangle, "bilinear": _triangle, "trilinear": _triangle, "triangle": _triangle,
    "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
    "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0),
}


def _weights(in_size, out_size, scale, translation, kernel, antialias):
    """(in_size, out_size) resampling matrix with half-pixel centres (as jax.image.scale_and_translate)."""
    inv_scale = 1.0 / scale
    kernel_scale = max(inv_scale, 1.0) if antialias else 1.0
    sample = (np.arange(out_size, dtype=np.float64) + 0.5) * inv_scale - translation * inv_scale - 0.5
    dist = np.abs(sample[None, :] - np.arange(in_size, dtype=np.float64)[:, None]) / kernel_scale
    w = kernel(dist)
    total = np.sum(w, axis=0, keepdims=True)
    w = np.where(np.abs(total) > 1000.0 * np.finfo(np.float32).eps, w / np.where(total != 0, total, 1), 0.0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return np.where(inside[None, :], w, 0.0)


def _apply_weights(x, axis, w):
    out = np.tensordot(x, w.astype(x.dtype), axes=([axis], [0]))
    return np.moveaxis(out, -1, axis)


def _nearest(x, axis, out_size):
    in_size = x.shape[axis]
    idx = np.floor((np.arange(out_size, dtype=np.float32) + 0.5) * in_size / out_size).astype(np.int64)
    return np.take(x, np.minimum(idx, in_size - 1), axis=axis)


def resize(images, size, interpolation="bilinear", antialias=False, crop=None, pad=None, fill_value=0.0,
           data_format="channels_last"):
    x, layout = _to_bhwc(images, data_format)
    if crop is not None:
        top, left, h, w = crop
        x = x[:, top:top + h, left:left + w, :]
    if pad is not None:
        ph, pw = pad
        x = np.pad(x, [(0, 0), (ph, ph), (pw, pw), (0, 0)], constant_values=np.asarray(fill_value).astype(x.dtype))
    dtype = x.dtype
    if interpolation == "nearest":
        for axis, n in ((1, size[0]), (2, size[1])):
            if x.shape[axis] != n:
                x = _nearest(x, axis, n)
        return _from_bhwc(np.array(x, copy=True), layout)
    lo, hi = (x.min(), x.max()) if dtype.kind in _INT_KINDS and x.size else (None, None)
    out = x.astype(_compute_dtype(dtype))
    kernel = _KERNELS[interpolation]
    for axis, n in ((1, size[0]), (2, size[1])):
        m = out.shape[axis]
        if m != n:
            out = _apply_weights(out, axis, _weights(m, n, n / m, 0.0, kernel, antialias))
    return _from_bhwc(_restore(out, dtype, lo, hi), layout)


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    x = t(images)
    scale = np.asarray(t(scale), dtype=np.float64).reshape(-1)
    translation = np.asarray(t(translation), dtype=np.float64).reshape(-1)
    dtype = x.dtype
    lo, hi = (x.min(), x.max()) if dtype.kind in _INT_KINDS and x.size else (None, None)
    out = x.astype(_compute_dtype(dtype))
    kernel = _KERNELS[method]
    for i, d in enumerate(spatial_dims):
        d = d % x.ndim
        w = _weights(x.shape[d], output_shape[d], float(scale[i]), float(translation[i]), kernel, antialias)
        out = _apply_weights(out, d, w)
    return _restore(out, dtype, lo, hi)


# ----------------------------------------------------------------------------- sampling at arbitrary coordinates


def _fix_index(idx, size, mode):
    if mode in ("constant", "nearest"):
        return np.clip(idx, 0, size - 1)
    if mode == "wrap":
        return np.mod(idx, size)
    if mode == "mirror":
        if size == 1:
            return np.zeros_like(idx)
        s = size - 1
        return np.abs(np.mod(idx + s, 2 * s) - s)
    # reflect: mirror with the edge pixels repeated.
    s = 2 * size
    return (np.abs(np.mod(2 * idx + 1 + s, 2 * s) - s) - 1) // 2


def _nodes(coord, order):
    """Integer sample positions along one axis and their weights."""
    if order == 0:
        return [(np.round(coord).astype(np.int64), None)]
    lower = np.floor(coord)
    upper_w = coord - lower
    lower = lower.astype(np.int64)
    return [(lower, 1.0 - upper_w), (lower + 1, upper_w)]


def _interpolate(gather, coords, sizes, order, fill_mode, fill_value, out_dtype):
    """Sum of weighted samples at the corners around ``coords``; ``gather(indices)`` reads the input."""
    per_axis = [_nodes(c, order) for c in coords]
    total = None
    corners = [[]]
    for nodes in per_axis:
        corners = [c + [n] for c in corners for n in nodes]
    for corner in corners:
        indices, valid, weight = [], None, None
        for (idx, w), size in zip(corner, sizes):
            indices.append(_fix_index(idx, size, fill_mode))
            if fill_mode == "constant":
                ok = (idx >= 0) & (idx < size)
                valid = ok if valid is None else valid & ok
            if w is not None:
                weight = w if weight is None else weight * w
        values = gather(indices)
        if valid is not None:
            valid = valid.reshape(valid.shape + (1,) * (values.ndim - valid.ndim))
            values = np.where(valid, values, np.asarray(fill_value, dtype=out_dtype))
        if weight is not None:
            values = values * weight.reshape(weight.shape + (1,) * (values.ndim - weight.ndim)).astype(out_dtype)
        total = values if total is None else total + values
    return total


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    x = t(inputs)
    if isinstance(coordinates, (list, tuple)):
        coords = [t(c) for c in coordinates]
    else:
        c = t(coordinates)
        coords = [c[i] for i in range(c.shape[0])]
    dtype = x.dtype
    compute = _compute_dtype(dtype)
    coords = [np.asarray(c, dtype=np.float64 if dtype == np.float64 else np.float32) for c in coords]
    xf = x.astype(compute)
    out = _interpolate(lambda idx: xf[tuple(idx)], coords, x.shape, order, fill_mode, fill_value, compute)
    if dtype.kind in _INT_KINDS:
        return _round_half_away(out).astype(dtype)
    return out.astype(dtype, copy=False)


def _sample_images(x, ys, xs, order, fill_mode, fill_value):
    """Sample channels-last images (B, H, W, C) at per-batch float grids ys, xs of shape (B, H', W')."""
    batch = np.arange(x.shape[0]).reshape((-1,) + (1,) * (ys.ndim - 1))

    def gather(idx):
        return x[batch, idx[0], idx[1]]

    return _interpolate(gather, [ys, xs], x.shape[1:3], order, fill_mode, fill_value, x.dtype)


def _projective_grid(transform, batch, height, width, dtype):
    transform = np.asarray(transform, dtype=dtype).reshape(-1, 8)
    if transform.shape[0] == 1 and batch > 1:
        transform = np.broadcast_to(transform, (batch, 8))
    a0, a1, a2, b0, b1, b2, c0, c1 = [transform[:, i, None, None] for i in range(8)]
    gy, gx = np.meshgrid(np.arange(height, dtype=dtype), np.arange(width, dtype=dtype), indexing="ij")
    k = c0 * gx + c1 * gy + 1.0
    return (b0 * gx + b1 * gy + b2) / k, (a0 * gx + a1 * gy + a2) / k


def _warp(images, transform, interpolation, fill_mode, fill_value, data_format):
    x, layout = _to_bhwc(images, data_format)
    dtype = x.dtype
    compute = _compute_dtype(dtype)
    ys, xs = _projective_grid(transform, x.shape[0], x.shape[1], x.shape[2], compute)
    order = 0 if interpolation == "nearest" else 1
    out = _sample_images(x.astype(compute), ys, xs, order, fill_mode, fill_value)
    if dtype.kind in _INT_KINDS:
        out = _round_half_away(out)
    return _from_bhwc(out.astype(dtype), layout)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format="channels_last"):
    return _warp(images, t(transform), interpolation, fill_mode, fill_value, data_format)


def _homography(start_points, end_points, dtype):
    """Coefficients [a0..a2, b0..b2, c0, c1] mapping each end point (x, y) to its start point."""
    s = np.asarray(t(start_points), dtype=dtype).reshape(-1, 4, 2)
    e = np.asarray(t(end_points), dtype=dtype).reshape(-1, 4, 2)
    sx, sy, ex, ey = s[..., 0], s[..., 1], e[..., 0], e[..., 1]
    zeros, ones = np.zeros_like(ex), np.ones_like(ex)
    rows_x = np.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], axis=-1)
    rows_y = np.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], axis=-1)
    matrix = np.concatenate([rows_x, rows_y], axis=1)
    target = np.concatenate([sx, sy], axis=1)
    return np.linalg.solve(matrix, target[..., None])[..., 0]


def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format="channels_last"):
    compute = _compute_dtype(t(images).dtype)
    coeffs = _homography(start_points, end_points, compute)
    return _warp(images, coeffs, interpolation, "constant", fill_value, data_format)


# ----------------------------------------------------------------------------- crop and pad


def crop_images(images, top, left, height, width, data_format="channels_last"):
    x = t(images)
    if data_format == "channels_last":
        return x[..., top:top + height, left:left + width, :].copy()
    return x[..., top:top + height, left:left + width].copy()


def pad_images(images, top, bottom, left, right, data_format="channels_last"):
    x = t(images)
    spatial = [(top, bottom), (left, right)]
    if data_format == "channels_last":
        widths = [(0, 0)] * (x.ndim - 3) + spatial + [(0, 0)]
    else:
        widths = [(0, 0)] * (x.ndim - 2) + spatial
    return np.pad(x, widths)


# ----------------------------------------------------------------------------- patches


def _same_padding(n, k, s, d):
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def extract_patches(images, size, strides, dilation_rate, padding, data_format="channels_last"):
    x = t(images)
    nd = len(size)
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x[None]
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    if padding == "same":
        pads = [_same_padding(n, k, s, d) for n, k, s, d in zip(x.shape[1:-1], size, strides, dilation_rate)]
        x = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    index = []
    for i, (n, k, s, d) in enumerate(zip(x.shape[1:-1], size, strides, dilation_rate)):
        out = max((n - (k - 1) * d - 1) // s + 1, 0)
        idx = np.arange(out)[:, None] * s + np.arange(k)[None, :] * d
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = out, k
        index.append(idx.reshape(shape))
    patches = x[(slice(None),) + tuple(index)]  # (B, out..., k..., C)
    patches = patches.reshape(patches.shape[: 1 + nd] + (-1,))
    if data_format == "channels_first":
        patches = np.moveaxis(patches, -1, 1)
    return patches[0] if unbatched else patches


# ----------------------------------------------------------------------------- filters


def _gaussian_1d(size, sigma):
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def _correlate(x, kernel, axis, same):
    """1-D correlation of ``x`` with ``kernel`` along ``axis``, zero-padded to keep the size when ``same``."""
    k = len(kernel)
    if same:
        pad = [(0, 0)] * x.ndim
        pad[axis] = ((k - 1) // 2, k - 1 - (k - 1) // 2)
        x = np.pad(x, pad)
    n = x.shape[axis] - k + 1
    out = None
    for i, w in enumerate(kernel):
        part = np.take(x, np.arange(i, i + n), axis=axis) * x.dtype.type(w)
        out = part if out is None else out + part
    return out


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format="channels_last"):
    x, layout = _to_bhwc(images, data_format)
    dtype = x.dtype
    out = x.astype(_compute_dtype(dtype))
    out = _correlate(out, _gaussian_1d(kernel_size[1], sigma[1]), 1, True)
    out = _correlate(out, _gaussian_1d(kernel_size[0], sigma[0]), 2, True)
    return _from_bhwc(_restore(out, dtype), layout)


def sobel_edges(images, data_format="channels_last"):
    x = t(images)
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    dtype = x.dtype
    xf = x.astype(_compute_dtype(dtype))
    smooth, diff = np.array([1.0, 2.0, 1.0]), np.array([-1.0, 0.0, 1.0])
    dy = _correlate(_correlate(xf, diff, 1, True), smooth, 2, True)
    dx = _correlate(_correlate(xf, smooth, 1, True), diff, 2, True)
    edges = np.stack([dy, dx], axis=-1)
    if data_format == "channels_first":
        edges = np.moveaxis(edges, 3, 1)
    return _restore(edges, dtype) if dtype.kind in _INT_KINDS else edges.astype(dtype)


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format="channels_last"):
    a, layout = _to_bhwc(image1, data_format)
    b, _ = _to_bhwc(image2, data_format)
    dtype = a.dtype
    compute = _compute_dtype(dtype) if dtype.kind != "f" or dtype.itemsize < 4 else dtype
    a, b = a.astype(compute), b.astype(compute)
    g = _gaussian_1d(filter_size, filter_sigma)

    def blur(v):
        return _correlate(_correlate(v, g, 1, False), g, 2, False)

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu1, mu2 = blur(a), blur(b)
    s11, s22, s12 = blur(a * a) - mu1 * mu1, blur(b * b) - mu2 * mu2, blur(a * b) - mu1 * mu2
    ssim_map = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2))
    out = np.mean(ssim_map, axis=(1, 2, 3))
    out = out[0] if layout[0] else out
    return np.asarray(out).astype(dtype)


def elastic_transform(images, noise, alpha, sigma, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                      data_format="channels_last"):
    x, layout = _to_bhwc(images, data_format)
    dtype = x.dtype
    compute = _compute_dtype(dtype)
    noise = t(noise).astype(compute) * compute(sigma)
    size = int(6 * sigma) | 1
    kernel = _gaussian_1d(size, sigma)
    noise = _correlate(_correlate(noise, kernel, 2, True), kernel, 3, True)  # (2, B, H, W)
    gy, gx = np.meshgrid(np.arange(x.shape[1], dtype=compute), np.arange(x.shape[2], dtype=compute), indexing="ij")
    ys, xs = gy + alpha * noise[1], gx + alpha * noise[0]
    order = 0 if interpolation == "nearest" else 1
    out = _sample_images(x.astype(compute), ys, xs, order, fill_mode, fill_value)
    if dtype.kind in _INT_KINDS:
        out = _round_half_away(out)
    return _from_bhwc(out.astype(dtype), layout)
