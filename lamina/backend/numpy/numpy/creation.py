"""numpy kernels: tensor creation: zeros, ones, full, arange, eye, linspace, *_like, meshgrid, tri.

The ops layer (``lamina.ops.numpy.creation``) validates arguments and resolves
every ``dtype`` to a standard name before calling these kernels.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from lamina import config
from lamina.backend.numpy._convert import t
from lamina.backend.numpy.core import convert_to_tensor, to_native_dtype

_BF16 = np.dtype(ml_dtypes.bfloat16)


def _native(dtype):
    return to_native_dtype(dtype or config.floatx())


def _as(x, dtype):
    return np.asarray(t(x), dtype=dtype)


def zeros(shape, dtype=None):
    return np.zeros(shape, dtype=_native(dtype))


def ones(shape, dtype=None):
    return np.ones(shape, dtype=_native(dtype))


def empty(shape, dtype=None):
    return np.empty(shape, dtype=_native(dtype))


def full(shape, fill_value, dtype=None):
    if fill_value.__class__ not in (int, float, bool):
        fill_value = t(fill_value)
    return np.full(shape, fill_value, dtype=_native(dtype))


def zeros_like(x, dtype=None):
    return np.zeros_like(t(x), dtype=None if dtype is None else to_native_dtype(dtype))


def ones_like(x, dtype=None):
    return np.ones_like(t(x), dtype=None if dtype is None else to_native_dtype(dtype))


def empty_like(x, dtype=None):
    return np.empty_like(t(x), dtype=None if dtype is None else to_native_dtype(dtype))


def full_like(x, fill_value, dtype=None):
    if fill_value.__class__ not in (int, float, bool):
        fill_value = t(fill_value)
    return np.full_like(t(x), fill_value, dtype=None if dtype is None else to_native_dtype(dtype))


def arange(start, stop, step, dtype):
    native = np.dtype(to_native_dtype(dtype))
    if native == _BF16:
        return np.arange(start, stop, step, dtype=np.float32).astype(native)
    return np.arange(start, stop, step, dtype=native)


def _compute_dtype(native):
    """The float type to interpolate in: the target's own, float32 for bfloat16, float64 for ints."""
    if native.kind in "fc":
        return native
    return np.float32 if native == _BF16 else np.float64


def _to_target(out, native, floor):
    if native.kind not in "fc" and native != _BF16:
        out = np.floor(out) if floor else np.trunc(out)
    return out.astype(native, copy=False)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    native = np.dtype(to_native_dtype(dtype))
    compute = _compute_dtype(native)
    out = np.linspace(_as(start, compute), _as(stop, compute), num=num, endpoint=endpoint, retstep=retstep,
                      dtype=compute, axis=axis)
    if retstep:
        samples, step = out
        step_dtype = native if native.kind in "fc" or native == _BF16 else to_native_dtype(config.floatx())
        return _to_target(samples, native, floor=True), np.asarray(step, dtype=step_dtype)
    return _to_target(out, native, floor=True)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    native = np.dtype(to_native_dtype(dtype))
    compute = _compute_dtype(native)
    out = np.logspace(_as(start, compute), _as(stop, compute), num=num, endpoint=endpoint, base=base,
                      dtype=compute, axis=axis)
    return _to_target(out, native, floor=False)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    native = np.dtype(to_native_dtype(dtype))
    compute = _compute_dtype(native)
    out = np.geomspace(_as(start, compute), _as(stop, compute), num=num, endpoint=endpoint, dtype=compute,
                       axis=axis)
    return _to_target(out, native, floor=False)


def eye(N, M=None, k=0, dtype=None):
    return np.eye(N, M, k=k, dtype=_native(dtype))


def identity(n, dtype=None):
    return np.eye(n, dtype=_native(dtype))


def tri(N, M=None, k=0, dtype=None):
    return np.tri(N, M, k=k, dtype=_native(dtype))


def meshgrid(*x, indexing="xy"):
    return np.meshgrid(*[t(v) for v in x], indexing=indexing)


def array(x, dtype=None):
    return convert_to_tensor(x, dtype=dtype)


def copy(x):
    return np.array(t(x), copy=True)


def _window(fn, length):
    return fn(length).astype(_native(None))


def bartlett(x):
    return _window(np.bartlett, x)


def blackman(x):
    return _window(np.blackman, x)


def hamming(x):
    return _window(np.hamming, x)


def hanning(x):
    return _window(np.hanning, x)


def kaiser(x, beta):
    return np.kaiser(x, beta).astype(_native(None))


def vander(x, N=None, increasing=False):
    x = t(x)
    compute = x.dtype if x.dtype.kind in "fc" else np.float32 if x.dtype == _BF16 else _native(None)
    return np.vander(x.astype(compute, copy=False), N=N, increasing=increasing).astype(x.dtype, copy=False)
