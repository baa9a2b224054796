"""jax kernels: tensor creation: zeros, ones, full, arange, eye, linspace, *_like, meshgrid, tri.

The ops layer (``lamina.ops.numpy.creation``) validates arguments and resolves
every ``dtype`` to a standard name before calling these kernels.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina import config
from lamina.backend.jax._convert import t
from lamina.backend.jax.core import convert_to_tensor, to_native_dtype

_INEXACT_KINDS = "fc"


def _native(dtype):
    return to_native_dtype(dtype or config.floatx())


def _fill(value):
    return value if value.__class__ in (int, float, bool) else t(value)


def _as(x, dtype):
    return jnp.asarray(_fill(x), dtype=dtype)


def zeros(shape, dtype=None):
    return jnp.zeros(shape, dtype=_native(dtype))


def ones(shape, dtype=None):
    return jnp.ones(shape, dtype=_native(dtype))


def empty(shape, dtype=None):
    return jnp.empty(shape, dtype=_native(dtype))


def full(shape, fill_value, dtype=None):
    return jnp.full(shape, _fill(fill_value), dtype=_native(dtype))


def zeros_like(x, dtype=None):
    return jnp.zeros_like(t(x), dtype=None if dtype is None else to_native_dtype(dtype))


def ones_like(x, dtype=None):
    return jnp.ones_like(t(x), dtype=None if dtype is None else to_native_dtype(dtype))


def empty_like(x, dtype=None):
    return jnp.empty_like(t(x), dtype=None if dtype is None else to_native_dtype(dtype))


def full_like(x, fill_value, dtype=None):
    return jnp.full_like(t(x), _fill(fill_value), dtype=None if dtype is None else to_native_dtype(dtype))


def arange(start, stop, step, dtype):
    return jnp.arange(start, stop, step, dtype=to_native_dtype(dtype))


def _is_inexact(native):
    return jnp.dtype(native).kind in _INEXACT_KINDS


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    native = to_native_dtype(dtype)
    compute = native if _is_inexact(native) else jnp.float32
    out = jnp.linspace(_as(start, compute), _as(stop, compute), num=num, endpoint=endpoint, retstep=retstep,
                       dtype=compute, axis=axis)
    samples, step = out if retstep else (out, None)
    if not _is_inexact(native):
        samples = jnp.floor(samples).astype(native)
    if retstep:
        step_dtype = native if _is_inexact(native) else _native(None)
        return samples, jnp.asarray(step, dtype=step_dtype)
    return samples


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    native = to_native_dtype(dtype)
    compute = native if _is_inexact(native) else jnp.float32
    out = jnp.logspace(_as(start, compute), _as(stop, compute), num=num, endpoint=endpoint, base=base,
                       dtype=compute, axis=axis)
    return out if compute == native else out.astype(native)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    native = to_native_dtype(dtype)
    compute = native if _is_inexact(native) else jnp.float32
    out = jnp.geomspace(_as(start, compute), _as(stop, compute), num=num, endpoint=endpoint, dtype=compute, axis=axis)
    return out if compute == native else out.astype(native)


def eye(N, M=None, k=0, dtype=None):
    return jnp.eye(N, M, k=k, dtype=_native(dtype))


def identity(n, dtype=None):
    return jnp.eye(n, dtype=_native(dtype))


def tri(N, M=None, k=0, dtype=None):
    return jnp.tri(N, M, k=k, dtype=_native(dtype))


def meshgrid(*x, indexing="xy"):
    return jnp.meshgrid(*[t(v) for v in x], indexing=indexing)


def array(x, dtype=None):
    return convert_to_tensor(x, dtype=dtype)


def copy(x):
    return jnp.array(t(x), copy=True)


def bartlett(x):
    return jnp.bartlett(x).astype(_native(None))


def blackman(x):
    return jnp.blackman(x).astype(_native(None))


def hamming(x):
    return jnp.hamming(x).astype(_native(None))


def hanning(x):
    return jnp.hanning(x).astype(_native(None))


def kaiser(x, beta):
    return jnp.kaiser(x, beta).astype(_native(None))


def vander(x, N=None, increasing=False):
    x = t(x)
    compute = x.dtype if _is_inexact(x.dtype) else _native(None)
    return jnp.vander(x.astype(compute), N=N, increasing=increasing).astype(x.dtype)
