"""image kernels on torch tensors.

The ops layer (``lamina.ops.image``) validates arguments and resolves defaults;
these kernels receive a standardized ``data_format`` and plain Python ints.
Resizing uses ``torch.nn.functional.interpolate`` (as Keras on torch does);
Lanczos filters and ``scale_and_translate`` use explicit resampling matrices.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from lamina.backend.torch._convert import t

_NATIVE_FLOATS = (torch.float32, torch.float64)


# ----------------------------------------------------------------------------- layout and dtype helpers


def _batched(x, spatial_rank=2):
    unbatched = x.ndim == spatial_rank + 1
    return (x.unsqueeze(0) if unbatched else x), unbatched


def _to_bhwc(images, data_format):
    x, unbatched = _batched(t(images))
    if data_format == "channels_first":
        x = x.permute(0, 2, 3, 1)
    return x, (unbatched, data_format)


def _from_bhwc(x, layout):
    unbatched, data_format = layout
    if data_format == "channels_first":
        x = x.permute(0, 3, 1, 2)
    x = x.contiguous()
    return x[0] if unbatched else x


def _to_bchw(images, data_format):
    x, unbatched = _batched(t(images))
    if data_format == "channels_last":
        x = x.permute(0, 3, 1, 2)
    return x, (unbatched, data_format)


def _from_bchw(x, layout):
    unbatched, data_format = layout
    if data_format == "channels_last":
        x = x.permute(0, 2, 3, 1)
    x = x.contiguous()
    return x[0] if unbatched else x


def _is_int(dtype):
    return not dtype.is_floating_point and not dtype.is_complex


def _compute(x):
    """``x`` in a float dtype to compute with (float64 kept, everything else float32)."""
    return x if x.dtype in _NATIVE_FLOATS else x.float()


def _restore(x, dtype, lo=None, hi=None):
    """Cast a float result back to the images' dtype: integers are rounded and clipped to range."""
    if x.dtype == dtype:
        return x
    if dtype == torch.bool:
        return x > 0.5
    if _is_int(dtype):
        info = torch.iinfo(dtype)
        lo = info.min if lo is None else lo
        hi = info.max if hi is None else hi
        return torch.clamp(torch.round(x), lo, hi).to(dtype)
    return x.to(dtype)


def _round_half_away(x):
    return torch.sign(x) * torch.floor(torch.abs(x) + 0.5)


# ----------------------------------------------------------------------------- colour conversions


def rgb_to_grayscale(images, data_format="channels_last"):
    x = t(images)
    axis = -1 if data_format == "channels_last" else -3
    if x.shape[axis] == 1:
        return x.clone()
    dtype = x.dtype
    xf = x if dtype.is_floating_point else x.float()
    r, g, b = xf.unbind(dim=axis)
    gray = 0.2989 * r + 0.587 * g + 0.114 * b
    return gray.unsqueeze(axis).to(dtype)


def _split_channels(x, data_format):
    axis = -1 if data_format == "channels_last" else -3
    r, g, b = x.unbind(dim=axis)
    return r, g, b, axis


def rgb_to_hsv(images, data_format="channels_last"):
    x = t(images)
    dtype = x.dtype
    eps = torch.finfo(dtype).eps
    x = _compute(x)
    x = torch.where(torch.abs(x) < eps, torch.zeros_like(x), x)
    r, g, b, axis = _split_channels(x, data_format)
    value = torch.maximum(torch.maximum(r, g), b)
    spread = value - torch.minimum(torch.minimum(r, g), b)
    one = torch.ones_like(value)
    saturation = torch.where(value > 0, spread / torch.where(value > 0, value, one), torch.zeros_like(value))
    inv = 1.0 / (6.0 * torch.where(spread > 0, spread, one))
    hue = torch.where(value == g, inv * (b - r) + 2.0 / 6.0, inv * (r - g) + 4.0 / 6.0)
    hue = torch.where(value == r, inv * (g - b), hue)
    hue = torch.where(spread > 0, hue, torch.zeros_like(hue)) + (hue < 0).to(hue.dtype)
    return torch.stack([hue, saturation, value], dim=axis).to(dtype)


def hsv_to_rgb(images, data_format="channels_last"):
    x = t(images)
    dtype = x.dtype
    h, s, v, axis = _split_channels(_compute(x), data_format)
    sector = torch.remainder(h, 1.0) * 6.0
    red = torch.clamp(torch.abs(sector - 3.0) - 1.0, 0.0, 1.0)
    green = torch.clamp(2.0 - torch.abs(sector - 2.0), 0.0, 1.0)
    blue = torch.clamp(2.0 - torch.abs(sector - 4.0), 0.0, 1.0)
    grey = 1.0 - s
    return torch.stack([v * (grey + s * c) for c in (red, green, blue)], dim=axis).to(dtype)


# ----------------------------------------------------------------------------- resampling matrices


def _triangle(x):
    return torch.clamp(1.0 - torch.abs(x), min=0.0)


def _keys_cubic(x):
    x = torch.abs(x)
    near = (1.5 * x - 2.5) * x * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return torch.where(x >= 2.0, torch.zeros_like(x), torch.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(x):
        x = torch.abs(x)
        denom = torch.where(x > 0, math.pi**2 * x * x, torch.ones_like(x))
        y = radius * torch.sin(math.pi * x) * torch.sin(math.pi * x / radius) / denom
        return torch.where(x > radius, torch.zeros_like(x), torch.where(x > 1e-3, y, torch.ones_like(x)))

    return kernel


_KERNELS = {
    "linear": _triangle, "bilinear": _triangle, "trilinear": _triangle, "triangle": _triangle,
    "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
    "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0),
}


def _weights(in_size, out_size, scale, translation, kernel, antialias, dtype, device):
    """(in_size, out_size) resampling matrix with half-pixel centres (as jax.image.scale_and_translate)."""
    inv_scale = 1.0 / scale
    kernel_scale = max(inv_scale, 1.0) if antialias else 1.0
    sample = (torch.arange(out_size, dtype=torch.float64) + 0.5) * inv_scale - translation * inv_scale - 0.5
    dist = torch.abs(sample[None, :] - torch.arange(in_size, dtype=torch.float64)[:, None]) / kernel_scale
    w = kernel(dist)
    total = torch.sum(w, dim=0, keepdim=True)
    big = torch.abs(total) > 1000.0 * torch.finfo(torch.float32).eps
    w = torch.where(big, w / torch.where(total != 0, total, torch.ones_like(total)), torch.zeros_like(w))
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    w = torch.where(inside[None, :], w, torch.zeros_like(w))
    return w.to(dtype=dtype, device=device)


def _apply_weights(x, axis, w):
    return torch.movedim(torch.tensordot(x, w, dims=([axis], [0])), -1, axis)


def _nearest_indices(in_size, out_size, device):
    idx = torch.floor((torch.arange(out_size, dtype=torch.float32) + 0.5) * in_size / out_size).long()
    return torch.clamp(idx, max=in_size - 1).to(device)


def resize(images, size, interpolation="bilinear", antialias=False, crop=None, pad=None, fill_value=0.0,
           data_format="channels_last"):
    x, layout = _to_bchw(images, data_format)
    if crop is not None:
        top, left, h, w = crop
        x = x[:, :, top:top + h, left:left + w]
    if pad is not None:
        ph, pw = pad
        x = F.pad(x, (pw, pw, ph, ph), value=float(fill_value))
    dtype = x.dtype
    if interpolation == "nearest" and not dtype.is_floating_point:
        out = x.index_select(2, _nearest_indices(x.shape[2], size[0], x.device))
        out = out.index_select(3, _nearest_indices(x.shape[3], size[1], x.device))
        return _from_bchw(out, layout)
    xf = _compute(x)
    if interpolation in ("bilinear", "bicubic", "nearest"):
        if interpolation == "nearest":
            out = F.interpolate(xf, size=tuple(size), mode="nearest-exact")
        else:
            out = F.interpolate(xf, size=tuple(size), mode=interpolation, align_corners=False, antialias=antialias)
    else:
        out = xf
        for axis, n in ((2, size[0]), (3, size[1])):
            m = out.shape[axis]
            if m != n:
                w = _weights(m, n, n / m, 0.0, _KERNELS[interpolation], antialias, out.dtype, out.device)
                out = _apply_weights(out, axis, w)
    return _from_bchw(_restore(out, dtype), layout)


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    x = t(images)
    scale = [float(s) for s in t(scale).reshape(-1).tolist()]
    translation = [float(v) for v in t(translation).reshape(-1).tolist()]
    dtype = x.dtype
    lo, hi = (x.min().item(), x.max().item()) if _is_int(dtype) and x.numel() else (None, None)
    out = _compute(x)
    for i, d in enumerate(spatial_dims):
        d = d % x.ndim
        w = _weights(x.shape[d], output_shape[d], scale[i], translation[i], _KERNELS[method], antialias,
                     out.dtype, out.device)
        out = _apply_weights(out, d, w)
    return _restore(out, dtype, lo, hi)


# ----------------------------------------------------------------------------- sampling at arbitrary coordinates


def _fix_index(idx, size, mode):
    if mode in ("constant", "nearest"):
        return torch.clamp(idx, 0, size - 1)
    if mode == "wrap":
        return torch.remainder(idx, size)
    if mode == "mirror":
        if size == 1:
            return torch.zeros_like(idx)
        s = size - 1
        return torch.abs(torch.remainder(idx + s, 2 * s) - s)
    s = 2 * size
    return torch.div(torch.abs(torch.remainder(2 * idx + 1 + s, 2 * s) - s) - 1, 2, rounding_mode="floor")


def _nodes(coord, order):
    if order == 0:
        return [(torch.round(coord).long(), None)]
    lower = torch.floor(coord)
    upper_w = coord - lower
    lower = lower.long()
    return [(lower, 1.0 - upper_w), (lower + 1, upper_w)]


def _interpolate(gather, coords, sizes, order, fill_mode, fill_value, dtype):
    corners = [[]]
    for c in coords:
        corners = [corner + [n] for corner in corners for n in _nodes(c, order)]
    total = None
    fill = None
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
            if fill is None:
                fill = torch.as_tensor(fill_value, dtype=dtype, device=values.device)
            valid = valid.reshape(valid.shape + (1,) * (values.ndim - valid.ndim))
            values = torch.where(valid, values, fill)
        if weight is not None:
            values = values * weight.reshape(weight.shape + (1,) * (values.ndim - weight.ndim)).to(dtype)
        total = values if total is None else total + values
    return total


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    x = t(inputs)
    if isinstance(coordinates, (list, tuple)):
        coords = [t(c) for c in coordinates]
    else:
        coords = list(t(coordinates).unbind(0))
    dtype = x.dtype
    xf = _compute(x)
    coords = [c.to(device=x.device, dtype=xf.dtype) for c in coords]
    out = _interpolate(lambda idx: xf[tuple(idx)], coords, x.shape, order, fill_mode, fill_value, xf.dtype)
    if _is_int(dtype) or dtype == torch.bool:
        return _round_half_away(out).to(dtype)
    return out.to(dtype)


def _sample_images(x, ys, xs, order, fill_mode, fill_value):
    batch = torch.arange(x.shape[0], device=x.device).reshape((-1,) + (1,) * (ys.ndim - 1))

    def gather(idx):
        return x[batch, idx[0], idx[1]]

    return _interpolate(gather, [ys, xs], x.shape[1:3], order, fill_mode, fill_value, x.dtype)


def _projective_grid(transform, batch, height, width, dtype, device):
    transform = transform.to(device=device, dtype=dtype).reshape(-1, 8)
    if transform.shape[0] == 1 and batch > 1:
        transform = transform.expand(batch, 8)
    a0, a1, a2, b0, b1, b2, c0, c1 = [transform[:, i, None, None] for i in range(8)]
    gy, gx = torch.meshgrid(torch.arange(height, dtype=dtype, device=device),
                            torch.arange(width, dtype=dtype, device=device), indexing="ij")
    k = c0 * gx + c1 * gy + 1.0
    return (b0 * gx + b1 * gy + b2) / k, (a0 * gx + a1 * gy + a2) / k


def _warp(images, transform, interpolation, fill_mode, fill_value, data_format):
    x, layout = _to_bhwc(images, data_format)
    dtype = x.dtype
    xf = _compute(x)
    ys, xs = _projective_grid(transform, x.shape[0], x.shape[1], x.shape[2], xf.dtype, x.device)
    order = 0 if interpolation == "nearest" else 1
    out = _sample_images(xf, ys, xs, order, fill_mode, fill_value)
    if _is_int(dtype) or dtype == torch.bool:
        out = _round_half_away(out)
    return _from_bhwc(out.to(dtype), layout)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format="channels_last"):
    return _warp(images, t(transform), interpolation, fill_mode, fill_value, data_format)


def _homography(start_points, end_points, dtype, device):
    s = t(start_points).to(device=device, dtype=dtype).reshape(-1, 4, 2)
    e = t(end_points).to(device=device, dtype=dtype).reshape(-1, 4, 2)
    sx, sy, ex, ey = s[..., 0], s[..., 1], e[..., 0], e[..., 1]
    zeros, ones = torch.zeros_like(ex), torch.ones_like(ex)
    rows_x = torch.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], dim=-1)
    rows_y = torch.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], dim=-1)
    matrix = torch.cat([rows_x, rows_y], dim=1)
    target = torch.cat([sx, sy], dim=1)
    return torch.linalg.solve(matrix, target.unsqueeze(-1)).squeeze(-1)


def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format="channels_last"):
    x = t(images)
    dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
    coeffs = _homography(start_points, end_points, dtype, x.device)
    return _warp(x, coeffs, interpolation, "constant", fill_value, data_format)


# ----------------------------------------------------------------------------- crop and pad


def crop_images(images, top, left, height, width, data_format="channels_last"):
    x = t(images)
    if data_format == "channels_last":
        return x[..., top:top + height, left:left + width, :].clone()
    return x[..., top:top + height, left:left + width].clone()


def pad_images(images, top, bottom, left, right, data_format="channels_last"):
    x = t(images)
    if data_format == "channels_last":
        return F.pad(x, (0, 0, left, right, top, bottom))
    return F.pad(x, (left, right, top, bottom))


# ----------------------------------------------------------------------------- patches


def _same_padding(n, k, s, d):
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def extract_patches(images, size, strides, dilation_rate, padding, data_format="channels_last"):
    nd = len(size)
    x, unbatched = _batched(t(images), nd)
    if data_format == "channels_first":
        x = torch.movedim(x, 1, -1)
    if padding == "same":
        pads = [_same_padding(n, k, s, d) for n, k, s, d in zip(x.shape[1:-1], size, strides, dilation_rate)]
        flat = [0, 0]
        for before, after in reversed(pads):
            flat += [before, after]
        x = F.pad(x, flat)
    index = []
    for i, (n, k, s, d) in enumerate(zip(x.shape[1:-1], size, strides, dilation_rate)):
        out = max((n - (k - 1) * d - 1) // s + 1, 0)
        idx = (torch.arange(out)[:, None] * s + torch.arange(k)[None, :] * d).to(x.device)
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = out, k
        index.append(idx.reshape(shape))
    patches = x[(slice(None),) + tuple(index)]
    patches = patches.reshape(tuple(patches.shape[: 1 + nd]) + (-1,))
    if data_format == "channels_first":
        patches = torch.movedim(patches, -1, 1)
    patches = patches.contiguous()
    return patches[0] if unbatched else patches


# ----------------------------------------------------------------------------- filters


def _gaussian_1d(size, sigma, dtype, device):
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2.0
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    return (k / k.sum()).to(dtype=dtype, device=device)


def _depthwise(x, kernel, pad):
    """Correlate each channel of (B, C, H, W) ``x`` with the 2-D ``kernel``; ``pad`` = (left, right, top, bottom)."""
    channels = x.shape[1]
    if any(pad):
        x = F.pad(x, pad)
    weight = kernel.reshape((1, 1) + tuple(kernel.shape)).expand(channels, 1, *kernel.shape)
    return F.conv2d(x, weight, groups=channels)


def _same_pads(kh, kw):
    return ((kw - 1) // 2, kw - 1 - (kw - 1) // 2, (kh - 1) // 2, kh - 1 - (kh - 1) // 2)


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format="channels_last"):
    x, layout = _to_bchw(images, data_format)
    dtype = x.dtype
    xf = _compute(x)
    kx = _gaussian_1d(kernel_size[0], sigma[0], xf.dtype, xf.device)
    ky = _gaussian_1d(kernel_size[1], sigma[1], xf.dtype, xf.device)
    out = _depthwise(xf, torch.outer(ky, kx), _same_pads(kernel_size[1], kernel_size[0]))
    return _from_bchw(_restore(out, dtype), layout)


def sobel_edges(images, data_format="channels_last"):
    x = t(images)
    if data_format == "channels_last":
        x = x.permute(0, 3, 1, 2)
    dtype = x.dtype
    xf = _compute(x)
    ky = torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]], dtype=xf.dtype, device=xf.device)
    dy = _depthwise(xf, ky, (1, 1, 1, 1))
    dx = _depthwise(xf, ky.T, (1, 1, 1, 1))
    edges = torch.stack([dy, dx], dim=-1)
    if data_format == "channels_last":
        edges = edges.permute(0, 2, 3, 1, 4)
    return _restore(edges.contiguous(), dtype)


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format="channels_last"):
    a, layout = _to_bchw(image1, data_format)
    b, _ = _to_bchw(image2, data_format)
    dtype = a.dtype
    a, b = _compute(a), _compute(b.to(a.dtype) if b.dtype != a.dtype else b)
    g = _gaussian_1d(filter_size, filter_sigma, a.dtype, a.device)
    kernel = torch.outer(g, g)

    def blur(v):
        return _depthwise(v, kernel, (0, 0, 0, 0))

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu1, mu2 = blur(a), blur(b)
    s11, s22, s12 = blur(a * a) - mu1 * mu1, blur(b * b) - mu2 * mu2, blur(a * b) - mu1 * mu2
    ssim_map = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2))
    out = torch.mean(ssim_map, dim=(1, 2, 3))
    out = out[0] if layout[0] else out
    return out.to(dtype)


def elastic_transform(images, noise, alpha, sigma, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                      data_format="channels_last"):
    x, layout = _to_bhwc(images, data_format)
    dtype = x.dtype
    xf = _compute(x)
    noise = t(noise).to(device=x.device, dtype=xf.dtype) * sigma  # (2, B, H, W)
    size = int(6 * sigma) | 1
    g = _gaussian_1d(size, sigma, xf.dtype, xf.device)
    noise = _depthwise(noise, torch.outer(g, g), _same_pads(size, size))
    gy, gx = torch.meshgrid(torch.arange(x.shape[1], dtype=xf.dtype, device=x.device),
                            torch.arange(x.shape[2], dtype=xf.dtype, device=x.device), indexing="ij")
    ys, xs = gy + alpha * noise[1], gx + alpha * noise[0]
    order = 0 if interpolation == "nearest" else 1
    out = _sample_images(xf, ys, xs, order, fill_mode, fill_value)
    if _is_int(dtype) or dtype == torch.bool:
        out = _round_half_away(out)
    return _from_bhwc(out.to(dtype), layout)
