"""torch kernels: tensor creation: zeros, ones, full, arange, eye, linspace, *_like, meshgrid, tri.

The ops layer (``lamina.ops.numpy.creation``) validates arguments and resolves
every ``dtype`` to a standard name before calling these kernels. New tensors
are placed on ``core.default_device()``.
"""

from __future__ import annotations

import torch

from lamina import config
from lamina.backend.torch._convert import t
from lamina.backend.torch.core import _DTYPES, convert_to_tensor, default_device

_INEXACT = frozenset([torch.bfloat16, torch.float16, torch.float32, torch.float64, torch.complex64,
                      torch.complex128])
# dtypes torch.arange cannot produce directly (computed in int64 and cast).
_VIA_INT64 = frozenset([torch.uint16, torch.uint32, torch.uint64, torch.bool])


def _native(dtype):
    return _DTYPES[dtype or config.floatx()]


def zeros(shape, dtype=None):
    return torch.zeros(shape, dtype=_native(dtype), device=default_device())


def ones(shape, dtype=None):
    return torch.ones(shape, dtype=_native(dtype), device=default_device())


def empty(shape, dtype=None):
    return torch.empty(shape, dtype=_native(dtype), device=default_device())


def full(shape, fill_value, dtype=None):
    native = _native(dtype)
    if fill_value.__class__ in (int, float, bool):
        return torch.full(shape, fill_value, dtype=native, device=default_device())
    fill = t(fill_value)
    return torch.empty(shape, dtype=native, device=fill.device).copy_(fill)


def zeros_like(x, dtype=None):
    return torch.zeros_like(t(x), dtype=None if dtype is None else _DTYPES[dtype])


def ones_like(x, dtype=None):
    return torch.ones_like(t(x), dtype=None if dtype is None else _DTYPES[dtype])


def empty_like(x, dtype=None):
    return torch.empty_like(t(x), dtype=None if dtype is None else _DTYPES[dtype])


def full_like(x, fill_value, dtype=None):
    x = t(x)
    native = x.dtype if dtype is None else _DTYPES[dtype]
    if fill_value.__class__ in (int, float, bool):
        return torch.full(x.shape, fill_value, dtype=native, device=x.device)
    return torch.empty(x.shape, dtype=native, device=x.device).copy_(t(fill_value))


def arange(start, stop, step, dtype):
    native = _DTYPES[dtype]
    if native in _VIA_INT64:
        return torch.arange(start, stop, step, dtype=torch.int64, device=default_device()).to(native)
    return torch.arange(start, stop, step, dtype=native, device=default_device())


def _compute_dtype(native):
    """Float type to interpolate in: the target's own float type, float64 for ints."""
    if native in (torch.float32, torch.float64, torch.complex64, torch.complex128):
        return native
    if native in (torch.float16, torch.bfloat16):
        return torch.float32
    return torch.float64


def _interpolate(start, stop, num, endpoint, compute):
    """NumPy's linspace algorithm in ``compute``, samples along a new leading axis; returns (y, step)."""
    start = t(start).to(compute)
    stop = t(stop).to(compute)
    start, stop = torch.broadcast_tensors(start, stop)
    div = num - 1 if endpoint else num
    delta = stop - start
    y = torch.arange(num, dtype=compute, device=start.device).reshape((-1,) + (1,) * delta.ndim)
    if div > 0:
        step = delta / div
        if bool(torch.any(step == 0)):
            y = y / div * delta
        else:
            y = y * step
    else:
        step = torch.full_like(delta, float("nan"))
        y = y * delta
    y = y + start
    if endpoint and num > 1:
        y[-1] = stop
    return y, step


def _finish(y, native, axis, floor=False):
    if axis != 0:
        y = torch.movedim(y, 0, axis)
    if native not in _INEXACT:
        y = torch.floor(y) if floor else torch.trunc(y)
    return y.to(native)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    native = _DTYPES[dtype]
    y, step = _interpolate(start, stop, num, endpoint, _compute_dtype(native))
    out = _finish(y, native, axis, floor=True)
    if retstep:
        step_dtype = native if native in _INEXACT else _native(None)
        return out, step.to(step_dtype)
    return out


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    native = _DTYPES[dtype]
    compute = _compute_dtype(native)
    y, _ = _interpolate(start, stop, num, endpoint, compute)
    base = t(base).to(compute) if base.__class__ not in (int, float) else base
    return _finish(torch.pow(base, y), native, axis)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    native = _DTYPES[dtype]
    compute = _compute_dtype(native)
    start = t(start).to(compute)
    stop = t(stop).to(compute)
    start, stop = torch.broadcast_tensors(start, stop)
    if bool(torch.any(start == 0)) or bool(torch.any(stop == 0)):
        raise ValueError("geomspace: `start` and `stop` must be non-zero.")
    sign = torch.where((start < 0) & (stop < 0), -1.0, 1.0).to(compute)
    y, _ = _interpolate(torch.log10(start * sign), torch.log10(stop * sign), num, endpoint, compute)
    y = torch.pow(10.0, y) * sign
    if num > 0:
        y[0] = start
        if endpoint and num > 1:
            y[-1] = stop
    return _finish(y, native, axis)


def _diagonal_mask(N, M, k, device):
    rows = torch.arange(N, device=device).reshape(-1, 1)
    cols = torch.arange(M, device=device).reshape(1, -1)
    return cols - rows


def eye(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    return (_diagonal_mask(N, M, k, default_device()) == k).to(_native(dtype))


def identity(n, dtype=None):
    return eye(n, n, 0, dtype)


def tri(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    return (_diagonal_mask(N, M, k, default_device()) <= k).to(_native(dtype))


def meshgrid(*x, indexing="xy"):
    xs = [t(v).reshape(-1) for v in x]
    sizes = [v.shape[0] for v in xs]
    n = len(xs)
    grids = []
    for i, v in enumerate(xs):
        shape = [1] * n
        shape[i] = -1
        g = v.reshape(shape).expand(sizes)
        if indexing == "xy" and n >= 2:
            g = g.transpose(0, 1)
        grids.append(g.contiguous())
    return grids


def array(x, dtype=None):
    return convert_to_tensor(x, dtype=dtype)


def copy(x):
    return t(x).clone()


def _window(fn, length, **kwargs):
    return fn(length, sym=True, dtype=_native(None), device=default_device(), **kwargs)


def bartlett(x):
    return _window(torch.signal.windows.bartlett, x)


def blackman(x):
    return _window(torch.signal.windows.blackman, x)


def hamming(x):
    return _window(torch.signal.windows.hamming, x)


def hanning(x):
    return _window(torch.signal.windows.hann, x)


def kaiser(x, beta):
    return _window(torch.signal.windows.kaiser, x, beta=beta)


def vander(x, N=None, increasing=False):
    x = t(x)
    N = x.shape[0] if N is None else N
    compute = x.dtype if x.dtype in _INEXACT else _native(None)
    powers = torch.arange(N, device=x.device, dtype=compute)
    if not increasing:
        powers = torch.flip(powers, (0,))
    out = torch.pow(x.to(compute).reshape(-1, 1), powers.reshape(1, -1))
    return out.to(x.dtype)

