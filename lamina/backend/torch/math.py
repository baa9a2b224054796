"""math kernels on torch tensors (segment reductions, top-k, FFTs, STFT, special functions)."""

from __future__ import annotations

import math as _pymath

import torch
import torch.nn.functional as F

from lamina.backend.torch._convert import promote, t, to_float

_HALVES = (torch.float16, torch.bfloat16)


def _compute_float(x):
    """``x`` as a float tensor to compute with (halves upcast on CPU), and the dtype to return."""
    x = to_float(x)
    if x.dtype in _HALVES:
        return x.float(), x.dtype
    return x, x.dtype


def _back(x, dtype):
    return x if x.dtype == dtype else x.to(dtype)


# ----------------------------------------------------------------------------- segment reductions

_REDUCE = {"max": "amax", "min": "amin", "prod": "prod"}


def _segment_reduce(data, segment_ids, num_segments, kind):
    data = t(data)
    ids = t(segment_ids)
    if ids.device != data.device:
        ids = ids.to(data.device)
    ids = ids.long()
    if num_segments is None:
        num_segments = int(ids.max().item()) + 1 if ids.numel() else 0
    num_segments = int(num_segments)
    out_dtype = data.dtype
    if data.dtype == torch.bool:
        data = data.to(torch.uint8)
    elif data.dtype in _HALVES and data.device.type == "cpu":
        data = data.float()
    dt = data.dtype
    # Ids outside [0, num_segments) go to an extra bucket that is dropped at the end.
    ids = torch.where((ids >= 0) & (ids < num_segments), ids, num_segments)
    if kind == "sum":
        init = 0
    elif kind == "prod":
        init = 1
    elif kind == "max":
        init = -float("inf") if dt.is_floating_point else torch.iinfo(dt).min
    else:
        init = float("inf") if dt.is_floating_point else torch.iinfo(dt).max
    out = torch.full((num_segments + 1,) + tuple(data.shape[1:]), init, dtype=dt, device=data.device)
    if kind == "sum":
        out = out.index_add(0, ids, data)
    else:
        index = ids.reshape((-1,) + (1,) * (data.ndim - 1)).expand(data.shape)
        out = out.scatter_reduce(0, index, data, _REDUCE[kind], include_self=True)
    out = out[:num_segments]
    if out_dtype == torch.bool:
        return out != 0
    return _back(out, out_dtype)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    return _segment_reduce(data, segment_ids, num_segments, "sum")


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    return _segment_reduce(data, segment_ids, num_segments, "max")


def segment_min(data, segment_ids, num_segments=None, sorted=False):
    return _segment_reduce(data, segment_ids, num_segments, "min")


def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    return _segment_reduce(data, segment_ids, num_segments, "prod")


# ----------------------------------------------------------------------------- top-k


def top_k(x, k, sorted=True):
    x = t(x)
    source = x.to(torch.uint8) if x.dtype == torch.bool else x
    # A stable descending sort breaks ties by lower index, as jax.lax.top_k (torch.topk does not promise it).
    values, indices = torch.sort(source, dim=-1, descending=True, stable=True)
    values, indices = values[..., :k], indices[..., :k]
    return (values.bool() if x.dtype == torch.bool else values), indices.int()


def in_top_k(targets, predictions, k):
    predictions = t(predictions)
    targets = t(targets).long()
    at_label = torch.take_along_dim(predictions, targets.unsqueeze(-1), dim=-1)
    if predictions.is_floating_point():
        at_label = torch.where(torch.isnan(at_label), -float("inf"), at_label)
    rank = 1 + torch.sum(predictions > at_label, dim=-1)
    return rank <= k


# ----------------------------------------------------------------------------- reductions and distances


def logsumexp(x, axis=None, keepdims=False):
    x, dtype = _compute_float(x)
    if x.ndim == 0:
        return _back(x.clone(), dtype)
    if axis is None:
        dims = tuple(range(x.ndim))
    elif isinstance(axis, int):
        dims = axis
    else:
        dims = tuple(axis)
    return _back(torch.logsumexp(x, dim=dims, keepdim=keepdims), dtype)


def cdist(x, y):
    x, y = t(x), t(y)
    if x.dtype != y.dtype:
        x, y = promote(x, y)
    x, y = to_float(x), to_float(y)
    diff = x.unsqueeze(-2) - y.unsqueeze(-3)
    return torch.sqrt(torch.sum(diff * diff, dim=-1))


def extract_sequences(x, sequence_length, sequence_stride):
    x = t(x)
    return x.unfold(-1, sequence_length, sequence_stride).contiguous()


# ----------------------------------------------------------------------------- Fourier transforms


def _to_complex(x):
    real, imag = t(x[0]), t(x[1])
    if real.dtype != imag.dtype:
        real, imag = promote(real, imag)
    out_dtype = real.dtype
    if out_dtype in _HALVES:
        real, imag = real.float(), imag.float()
    return torch.complex(real, imag), out_dtype


def _split(c, dtype):
    return _back(c.real, dtype), _back(c.imag, dtype)


def fft(x):
    c, dtype = _to_complex(x)
    return _split(torch.fft.fft(c, dim=-1), dtype)


def fft2(x):
    c, dtype = _to_complex(x)
    return _split(torch.fft.fft2(c, dim=(-2, -1)), dtype)


def ifft2(x):
    c, dtype = _to_complex(x)
    return _split(torch.fft.ifft2(c, dim=(-2, -1)), dtype)


def rfft(x, fft_length=None):
    x, dtype = _compute_float(x)
    return _split(torch.fft.rfft(x, n=fft_length, dim=-1), dtype)


def irfft(x, fft_length=None):
    c, dtype = _to_complex(x)
    return _back(torch.fft.irfft(c, n=fft_length, dim=-1), dtype)


def _window(window, sequence_length, fft_length, dtype, device):
    """The analysis window, zero-padded (centred) from ``sequence_length`` to ``fft_length``.

    As ``torch.stft`` (and Keras on torch), no window means a rectangular window of
    ``sequence_length`` samples.
    """
    if window is None:
        win = torch.ones(sequence_length, dtype=torch.float64, device=device)
    elif isinstance(window, str):
        n = torch.arange(sequence_length, dtype=torch.float64, device=device)
        a = 0.5 if window == "hann" else 0.54
        win = a - (1.0 - a) * torch.cos(2.0 * _pymath.pi * n / sequence_length)
    else:
        win = t(window).to(device=device, dtype=torch.float64)
    left = (fft_length - sequence_length) // 2
    return F.pad(win, (left, fft_length - sequence_length - left)).to(dtype)


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    x, dtype = _compute_float(x)
    if center:
        half = fft_length // 2
        batch = x.shape[:-1]
        x = F.pad(x.reshape(-1, 1, x.shape[-1]), (half, half), mode="reflect").reshape(batch + (-1,))
    frames = x.unfold(-1, fft_length, sequence_stride)
    win = _window(window, sequence_length, fft_length, x.dtype, x.device)
    if win is not None:
        frames = frames * win
    return _split(torch.fft.rfft(frames, n=fft_length, dim=-1), dtype)


def _overlap_add(frames, stride):
    """Sum frames (..., num, length) placed every ``stride`` samples: (..., (num - 1) * stride + length)."""
    num, length = frames.shape[-2], frames.shape[-1]
    chunks = -(-length // stride)
    frames = F.pad(frames, (0, chunks * stride - length))
    frames = frames.reshape(frames.shape[:-1] + (chunks, stride))
    out = None
    for j in range(chunks):
        part = F.pad(frames[..., :, j, :], (0, 0, j, chunks - 1 - j))
        out = part if out is None else out + part
    out = out.reshape(out.shape[:-2] + (-1,))
    return out[..., : (num - 1) * stride + length]


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    c, dtype = _to_complex(x)
    frames = torch.fft.irfft(c, n=fft_length, dim=-1)
    num = frames.shape[-2]
    if window is not None and sequence_length == fft_length and center:
        # What torch.istft does: divide by the overlap-added squared window.
        win = _window(window, sequence_length, fft_length, frames.dtype, frames.device)
        y = _overlap_add(frames * win, sequence_stride)
        norm = _overlap_add((win * win).expand(num, fft_length), sequence_stride)
        y = y / torch.where(norm > 1e-10, norm, torch.ones_like(norm))
    elif window is not None:
        # As Keras on torch: scale the window by its squared sum folded at the hop size.
        win = _window(window, sequence_length, fft_length, frames.dtype, frames.device)
        overlaps = -(-fft_length // sequence_stride)
        sq = F.pad(win * win, (0, overlaps * sequence_stride - fft_length))
        denom = sq.reshape(overlaps, sequence_stride).sum(0).repeat(overlaps)[:fft_length]
        y = _overlap_add(frames * (win / denom), sequence_stride)
    else:
        y = _overlap_add(frames, sequence_stride)
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = y.shape[-1] - (fft_length // 2 if center else 0)
    return _back(y[..., start:end], dtype)


# ----------------------------------------------------------------------------- special functions


def rsqrt(x):
    return torch.rsqrt(to_float(x))


def erf(x):
    return torch.erf(to_float(x))


def erfc(x):
    return torch.erfc(to_float(x))


def erfinv(x):
    x, dtype = _compute_float(x)
    return _back(torch.erfinv(x), dtype)


def logdet(x):
    x, dtype = _compute_float(x)
    return _back(torch.linalg.slogdet(x)[1], dtype)


# ----------------------------------------------------------------------------- complex views


def view_as_complex(x):
    x = t(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError(
            f"view_as_complex: the last dimension must have size 2 (real, imaginary). Received shape {tuple(x.shape)}."
        )
    return torch.complex(x[..., 0].float(), x[..., 1].float())


def view_as_real(x):
    x = t(x)
    if x.is_complex():
        return torch.view_as_real(x).clone()
    x = x if x.dtype == torch.float64 else x.float()
    return torch.stack([x, torch.zeros_like(x)], dim=-1)
