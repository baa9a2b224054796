"""math kernels on jax arrays (segment reductions, top-k, FFTs, STFT, special functions)."""

from __future__ import annotations

import math as _pymath

import jax
import jax.numpy as jnp

from lamina.backend.jax._convert import promote, t, to_float

_HALVES = (jnp.float16, jnp.bfloat16)


def _compute_float(x):
    """``x`` as a float array to compute with (halves upcast), and the dtype to return."""
    x = to_float(x)
    if x.dtype in _HALVES:
        return x.astype(jnp.float32), x.dtype
    return x, x.dtype


def _back(x, dtype):
    return x if x.dtype == dtype else x.astype(dtype)


# ----------------------------------------------------------------------------- segment reductions

_SEGMENT_FNS = {
    "sum": jax.ops.segment_sum,
    "max": jax.ops.segment_max,
    "min": jax.ops.segment_min,
    "prod": jax.ops.segment_prod,
}


def _segment_reduce(op, data, segment_ids, num_segments, sorted, kind):
    data = t(data)
    ids = t(segment_ids)
    if num_segments is None:
        try:
            num_segments = int(jnp.max(ids)) + 1 if ids.size else 0
        except jax.errors.ConcretizationTypeError:
            raise ValueError(
                f"{op}: `num_segments` must be given when the segment ids are traced (inside jax.jit); "
                "it sets the output's static shape. Received: num_segments=None."
            ) from None
    out_dtype = data.dtype
    if data.dtype == jnp.bool_:
        data = data.astype(jnp.int32)
    out = _SEGMENT_FNS[kind](data, ids.astype(jnp.int32), int(num_segments), indices_are_sorted=bool(sorted))
    if out_dtype == jnp.bool_:
        return out != 0
    return _back(out, out_dtype)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    return _segment_reduce("segment_sum", data, segment_ids, num_segments, sorted, "sum")


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    return _segment_reduce("segment_max", data, segment_ids, num_segments, sorted, "max")


def segment_min(data, segment_ids, num_segments=None, sorted=False):
    return _segment_reduce("segment_min", data, segment_ids, num_segments, sorted, "min")


def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    return _segment_reduce("segment_prod", data, segment_ids, num_segments, sorted, "prod")


# ----------------------------------------------------------------------------- top-k


def top_k(x, k, sorted=True):
    x = t(x)
    if x.dtype == jnp.bool_:
        values, indices = jax.lax.top_k(x.astype(jnp.uint8), k)
        return values.astype(jnp.bool_), indices.astype(jnp.int32)
    values, indices = jax.lax.top_k(x, k)
    return values, indices.astype(jnp.int32)


def in_top_k(targets, predictions, k):
    predictions = t(predictions)
    targets = t(targets).astype(jnp.int32)
    at_label = jnp.take_along_axis(predictions, targets[..., None], axis=-1)
    if jnp.issubdtype(predictions.dtype, jnp.floating):
        at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)
    rank = 1 + jnp.sum(predictions > at_label, axis=-1)
    return rank <= k


# ----------------------------------------------------------------------------- reductions and distances


def logsumexp(x, axis=None, keepdims=False):
    x, dtype = _compute_float(x)
    if isinstance(axis, list):
        axis = tuple(axis)
    return _back(jax.nn.logsumexp(x, axis=axis, keepdims=keepdims), dtype)


def cdist(x, y):
    x, y = t(x), t(y)
    if x.dtype != y.dtype:
        x, y = promote(x, y)
    x, y = to_float(x), to_float(y)
    diff = jnp.expand_dims(x, -2) - jnp.expand_dims(y, -3)
    return jnp.sqrt(jnp.sum(diff * diff, axis=-1))


def _frame_indices(n, length, stride):
    num = 1 + (n - length) // stride
    return jnp.arange(num)[:, None] * stride + jnp.arange(length)[None, :]


def extract_sequences(x, sequence_length, sequence_stride):
    x = t(x)
    return x[..., _frame_indices(x.shape[-1], sequence_length, sequence_stride)]


# ----------------------------------------------------------------------------- Fourier transforms


def _to_complex(x):
    real, imag = t(x[0]), t(x[1])
    if real.dtype != imag.dtype:
        real, imag = promote(real, imag)
    out_dtype = real.dtype
    if out_dtype in _HALVES:
        real, imag = real.astype(jnp.float32), imag.astype(jnp.float32)
    return jax.lax.complex(real, imag), out_dtype


def _split(c, dtype):
    return _back(jnp.real(c), dtype), _back(jnp.imag(c), dtype)


def fft(x):
    c, dtype = _to_complex(x)
    return _split(jnp.fft.fft(c, axis=-1), dtype)


def fft2(x):
    c, dtype = _to_complex(x)
    return _split(jnp.fft.fft2(c, axes=(-2, -1)), dtype)


def ifft2(x):
    c, dtype = _to_complex(x)
    return _split(jnp.fft.ifft2(c, axes=(-2, -1)), dtype)


def rfft(x, fft_length=None):
    x, dtype = _compute_float(x)
    return _split(jnp.fft.rfft(x, n=fft_length, axis=-1), dtype)


def irfft(x, fft_length=None):
    c, dtype = _to_complex(x)
    return _back(jnp.fft.irfft(c, n=fft_length, axis=-1), dtype)


def _window(window, sequence_length, fft_length, dtype):
    """The analysis window, zero-padded (centred) from ``sequence_length`` to ``fft_length``; None for no window."""
    if window is None:
        return None
    if isinstance(window, str):
        n = jnp.arange(sequence_length, dtype=jnp.float32)
        a = 0.5 if window == "hann" else 0.54
        win = a - (1.0 - a) * jnp.cos(2.0 * _pymath.pi * n / sequence_length)
    else:
        win = t(window)
    left = (fft_length - sequence_length) // 2
    return jnp.pad(win, (left, fft_length - sequence_length - left)).astype(dtype)


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    x, dtype = _compute_float(x)
    if center:
        pad = [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)]
        x = jnp.pad(x, pad, mode="reflect")
    frames = x[..., _frame_indices(x.shape[-1], fft_length, sequence_stride)]
    win = _window(window, sequence_length, fft_length, x.dtype)
    if win is not None:
        frames = frames * win
    return _split(jnp.fft.rfft(frames, n=fft_length, axis=-1), dtype)


def _overlap_add(frames, stride):
    """Sum frames (..., num, length) placed every ``stride`` samples: (..., (num - 1) * stride + length)."""
    num, length = frames.shape[-2], frames.shape[-1]
    chunks = -(-length // stride)
    lead = [(0, 0)] * (frames.ndim - 2)
    frames = jnp.pad(frames, lead + [(0, 0), (0, chunks * stride - length)])
    frames = frames.reshape(frames.shape[:-1] + (chunks, stride))
    out = None
    for j in range(chunks):
        part = jnp.pad(frames[..., :, j, :], lead + [(j, chunks - 1 - j), (0, 0)])
        out = part if out is None else out + part
    out = out.reshape(out.shape[:-2] + (-1,))
    return out[..., : (num - 1) * stride + length]


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    c, dtype = _to_complex(x)
    frames = jnp.fft.irfft(c, n=fft_length, axis=-1)
    win = _window(window, sequence_length, fft_length, frames.dtype)
    num = frames.shape[-2]
    if win is not None:
        y = _overlap_add(frames * win, sequence_stride)
        norm = _overlap_add(jnp.broadcast_to(win * win, (num, fft_length)), sequence_stride)
        y = y / jnp.where(norm > 1e-10, norm, 1.0)
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
    return jax.lax.rsqrt(to_float(x))


def erf(x):
    return jax.lax.erf(to_float(x))


def erfc(x):
    return jax.lax.erfc(to_float(x))


def erfinv(x):
    return jax.lax.erf_inv(to_float(x))


def logdet(x):
    x, dtype = _compute_float(x)
    return _back(jnp.linalg.slogdet(x)[1], dtype)


# ----------------------------------------------------------------------------- complex views


def view_as_complex(x):
    x = t(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError(
            f"view_as_complex: the last dimension must have size 2 (real, imaginary). Received shape {x.shape}."
        )
    return jax.lax.complex(x[..., 0].astype(jnp.float32), x[..., 1].astype(jnp.float32))


def view_as_real(x):
    x = t(x)
    dtype = jnp.float64 if x.dtype in (jnp.complex128, jnp.float64) else jnp.float32
    return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1).astype(dtype)
