"""math kernels on numpy arrays (segment reductions, top-k, FFTs, STFT, special functions).

SciPy is optional: when it is installed, erf/erfc/erfinv use ``scipy.special``;
otherwise exact element-wise fallbacks built on Python's ``math`` module run.
"""

from __future__ import annotations

import math as _pymath

import numpy as np

from lamina.backend.numpy._convert import promote, t, to_float

_LOW_PRECISION = ("float16", "bfloat16")


def _compute_float(x):
    """``x`` as a float array to compute with (halves upcast), and the dtype to return."""
    x = t(x)
    if x.dtype.name in _LOW_PRECISION:  # checked first: to_float does not know ml_dtypes' bfloat16
        return x.astype(np.float32), x.dtype
    x = to_float(x)
    if x.dtype.name in _LOW_PRECISION:
        return x.astype(np.float32), x.dtype
    return x, x.dtype


def _complex_dtype(real_dtype):
    return np.complex128 if real_dtype == np.float64 else np.complex64


# ----------------------------------------------------------------------------- segment reductions


def _segment_reduce(data, segment_ids, num_segments, kind):
    data = t(data)
    ids = t(segment_ids).astype(np.int64, copy=False)
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    num_segments = int(num_segments)
    out_dtype = data.dtype
    if out_dtype.name in _LOW_PRECISION:
        data = data.astype(np.float32)
    dt = data.dtype
    if kind == "sum":
        ufunc, init = np.add, 0
    elif kind == "prod":
        ufunc, init = np.multiply, 1
    elif kind == "max":
        ufunc = np.maximum
        init = False if dt == np.bool_ else (-np.inf if dt.kind in "fc" else np.iinfo(dt).min)
    else:
        ufunc = np.minimum
        init = True if dt == np.bool_ else (np.inf if dt.kind in "fc" else np.iinfo(dt).max)
    if dt == np.bool_ and kind == "sum":
        ufunc = np.logical_or
    elif dt == np.bool_ and kind == "prod":
        ufunc = np.logical_and
    out = np.full((num_segments,) + data.shape[1:], init, dtype=dt)
    valid = (ids >= 0) & (ids < num_segments)
    if valid.all():
        ufunc.at(out, ids, data)
    else:
        ufunc.at(out, ids[valid], data[valid])
    return out.astype(out_dtype, copy=False)


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
    n = x.shape[-1]
    # A stable ascending sort of the reversed axis, read backwards, orders by
    # decreasing value with ties broken by increasing index (as jax.lax.top_k).
    order = np.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1][..., :k]
    indices = (n - 1 - order).astype(np.int32)
    return np.take_along_axis(x, indices, axis=-1), indices


def in_top_k(targets, predictions, k):
    predictions = t(predictions)
    targets = t(targets).astype(np.int64, copy=False)
    at_label = np.take_along_axis(predictions, targets[..., None], axis=-1)
    if predictions.dtype.kind == "f":
        at_label = np.where(np.isnan(at_label), -np.inf, at_label)
    rank = 1 + np.sum(predictions > at_label, axis=-1)
    return rank <= k


# ----------------------------------------------------------------------------- reductions and distances


def logsumexp(x, axis=None, keepdims=False):
    x, dtype = _compute_float(x)
    if isinstance(axis, list):
        axis = tuple(axis)
    if x.size == 0:
        with np.errstate(divide="ignore"):
            return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims)).astype(dtype)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(x.dtype)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=axis) if axis is not None else out.reshape(())
    return np.asarray(out).astype(dtype, copy=False)


def cdist(x, y):
    x, y = t(x), t(y)
    if x.dtype != y.dtype:
        x, y = promote(x, y)
    x, y = to_float(x), to_float(y)
    diff = x[..., :, None, :] - y[..., None, :, :]
    return np.sqrt(np.sum(diff * diff, axis=-1))


def extract_sequences(x, sequence_length, sequence_stride):
    x = t(x)
    windows = np.lib.stride_tricks.sliding_window_view(x, sequence_length, axis=-1)
    return np.array(windows[..., ::sequence_stride, :])


# ----------------------------------------------------------------------------- Fourier transforms


def _to_complex(x):
    """A complex array from a ``(real, imag)`` pair, and the float dtype results come back in."""
    real, imag = t(x[0]), t(x[1])
    if real.dtype != imag.dtype:
        real, imag = promote(real, imag)
    out_dtype = real.dtype
    if out_dtype.name in _LOW_PRECISION:
        real, imag = real.astype(np.float32), imag.astype(np.float32)
    c = real.astype(_complex_dtype(real.dtype))
    c.imag = imag
    return c, out_dtype


def _split(c, dtype):
    return np.real(c).astype(dtype), np.imag(c).astype(dtype)


def fft(x):
    c, dtype = _to_complex(x)
    return _split(np.fft.fft(c, axis=-1), dtype)


def fft2(x):
    c, dtype = _to_complex(x)
    return _split(np.fft.fft2(c, axes=(-2, -1)), dtype)


def ifft2(x):
    c, dtype = _to_complex(x)
    return _split(np.fft.ifft2(c, axes=(-2, -1)), dtype)


def rfft(x, fft_length=None):
    x, dtype = _compute_float(x)
    return _split(np.fft.rfft(x, n=fft_length, axis=-1), dtype)


def irfft(x, fft_length=None):
    c, dtype = _to_complex(x)
    return np.fft.irfft(c, n=fft_length, axis=-1).astype(dtype)


def _window(window, sequence_length, fft_length, dtype):
    """The analysis window, zero-padded (centred) from ``sequence_length`` to ``fft_length``; None for no window."""
    if window is None:
        return None
    if isinstance(window, str):
        n = np.arange(sequence_length, dtype=np.float64)
        a = 0.5 if window == "hann" else 0.54
        win = a - (1.0 - a) * np.cos(2.0 * np.pi * n / sequence_length)
    else:
        win = t(window).astype(np.float64)
    left = (fft_length - sequence_length) // 2
    win = np.pad(win, (left, fft_length - sequence_length - left))
    return win.astype(dtype)


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    x, dtype = _compute_float(x)
    if center:
        pad = [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)]
        x = np.pad(x, pad, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(x, fft_length, axis=-1)[..., ::sequence_stride, :]
    win = _window(window, sequence_length, fft_length, x.dtype)
    if win is not None:
        frames = frames * win
    return _split(np.fft.rfft(frames, n=fft_length, axis=-1), dtype)


def _overlap_add(frames, stride):
    """Sum frames (..., num, length) placed every ``stride`` samples: (..., (num - 1) * stride + length)."""
    num, length = frames.shape[-2], frames.shape[-1]
    chunks = -(-length // stride)
    frames = np.pad(frames, [(0, 0)] * (frames.ndim - 1) + [(0, chunks * stride - length)])
    frames = frames.reshape(frames.shape[:-1] + (chunks, stride))
    out = np.zeros(frames.shape[:-3] + (num + chunks - 1, stride), dtype=frames.dtype)
    for j in range(chunks):
        out[..., j:j + num, :] += frames[..., :, j, :]
    out = out.reshape(out.shape[:-2] + (-1,))
    return out[..., : (num - 1) * stride + length]


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    c, dtype = _to_complex(x)
    frames = np.fft.irfft(c, n=fft_length, axis=-1)
    real_dtype = frames.dtype
    win = _window(window, sequence_length, fft_length, real_dtype)
    num = frames.shape[-2]
    if win is not None:
        y = _overlap_add(frames * win, sequence_stride)
        norm = _overlap_add(np.broadcast_to(win * win, (num, fft_length)), sequence_stride)
        y = y / np.where(norm > 1e-10, norm, 1.0)
    else:
        y = _overlap_add(frames, sequence_stride)
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = y.shape[-1] - (fft_length // 2 if center else 0)
    return y[..., start:end].astype(dtype)


# ----------------------------------------------------------------------------- special functions


def rsqrt(x):
    x, dtype = _compute_float(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (1.0 / np.sqrt(x)).astype(dtype, copy=False)


_special = {}


def _scipy_special():
    if "mod" not in _special:
        try:
            import scipy.special as sc  # optional dependency

            _special["mod"] = sc
        except ImportError:
            _special["mod"] = None
    return _special["mod"]


_py_erf = np.frompyfunc(_pymath.erf, 1, 1)
_py_erfc = np.frompyfunc(_pymath.erfc, 1, 1)


def _erf_fallback(x):
    return _py_erf(x.astype(np.float64)).astype(np.float64)


def _erfc_fallback(x):
    return _py_erfc(x.astype(np.float64)).astype(np.float64)


def _erfinv_fallback(x):
    """Giles' single-precision approximation refined by Newton steps on erf (float64 accurate)."""
    x = x.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1.0 - x) * (1.0 + x))
        small = w < 5.0
        ws = w - 2.5
        p1 = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                  -0.00417768164, 0.246640727, 1.50140941):
            p1 = c + p1 * ws
        wl = np.sqrt(np.where(small, 5.0, w)) - 3.0
        p2 = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                  0.00943887047, 1.00167406, 2.83297682):
            p2 = c + p2 * wl
        y = np.where(small, p1, p2) * x
        finite = np.abs(x) < 1
        ys = np.where(finite, y, 0.0)
        for _ in range(2):
            err = _erf_fallback(ys) - x
            ys = ys - np.where(finite, err / (2.0 / np.sqrt(np.pi) * np.exp(-ys * ys)), 0.0)
        out = np.where(finite, ys, np.where(np.abs(x) == 1, np.sign(x) * np.inf, np.nan))
    return out


def erf(x):
    x, dtype = _compute_float(x)
    sc = _scipy_special()
    out = sc.erf(x) if sc is not None else _erf_fallback(x)
    return np.asarray(out).astype(dtype, copy=False)


def erfc(x):
    x, dtype = _compute_float(x)
    sc = _scipy_special()
    out = sc.erfc(x) if sc is not None else _erfc_fallback(x)
    return np.asarray(out).astype(dtype, copy=False)


def erfinv(x):
    x, dtype = _compute_float(x)
    sc = _scipy_special()
    out = sc.erfinv(x) if sc is not None else _erfinv_fallback(x)
    return np.asarray(out).astype(dtype, copy=False)


def logdet(x):
    x, dtype = _compute_float(x)
    return np.asarray(np.linalg.slogdet(x)[1]).astype(dtype, copy=False)


# ----------------------------------------------------------------------------- complex views


def view_as_complex(x):
    x = t(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError(
            f"view_as_complex: the last dimension must have size 2 (real, imaginary). Received shape {x.shape}."
        )
    out = np.empty(x.shape[:-1], dtype=np.complex64)
    out.real = x[..., 0]
    out.imag = x[..., 1]
    return out


def view_as_real(x):
    x = t(x)
    dtype = np.float64 if x.dtype in (np.complex128, np.float64) else np.float32
    return np.stack([np.real(x), np.imag(x)], axis=-1).astype(dtype)

