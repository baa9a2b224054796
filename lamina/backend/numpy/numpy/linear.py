"""numpy kernels: products: matmul, dot, tensordot, einsum, outer, inner, cross, trace, kron."""

from __future__ import annotations

import numpy as np

from lamina.backend.common.dtypes import ALLOWED_DTYPES, result_type
from lamina.backend.numpy._convert import promote, promote_many, t
from lamina.backend.numpy.core import to_native_dtype

_I8 = np.dtype("int8")
_I32 = np.dtype("int32")
_F32 = np.dtype("float32")
_BOOL = np.dtype("bool")
_BF16 = np.dtype(to_native_dtype("bfloat16"))
_F16 = np.dtype("float16")


def _trace_rule(name: str) -> str:
    if name in ("bool", "int8", "int16"):
        return "int32"
    if name in ("uint8", "uint16"):
        return "uint32"
    return name


_TRACE = {np.dtype(to_native_dtype(n)): np.dtype(to_native_dtype(_trace_rule(n)))
          for n in ALLOWED_DTYPES if n != "string"}


_WIDE64 = {np.dtype(n) for n in ("int64", "uint64", "float64", "complex128")}


def _promote(x1, x2):
    """``promote`` plus Keras's narrowing of 64-bit results (its fast path keeps equal dtypes as they are)."""
    x1, x2 = promote(x1, x2)
    if x1.dtype in _WIDE64:
        dtype = to_native_dtype(result_type(x1.dtype, x2.dtype))
        x1, x2 = x1.astype(dtype), x2.astype(dtype)
    return x1, x2


def _same(r, dtype):
    """numpy computes some products of bfloat16 in float32; give the promoted dtype back."""
    return r if r.dtype == dtype else r.astype(dtype)


def matmul(x1, x2):
    x1, x2 = t(x1), t(x2)
    if x1.dtype == _I8 and x2.dtype == _I8:  # Keras: int8 @ int8 accumulates and returns int32
        return np.matmul(x1.astype(_I32), x2.astype(_I32))
    x1, x2 = _promote(x1, x2)
    return _same(np.matmul(x1, x2), x1.dtype)


def dot(x1, x2):
    x1, x2 = _promote(x1, x2)
    return _same(np.dot(x1, x2), x1.dtype)


def vdot(x1, x2):
    x1, x2 = _promote(x1, x2)
    return _same(np.asarray(np.vdot(x1, x2)), x1.dtype)


def inner(x1, x2):
    x1, x2 = _promote(x1, x2)
    return _same(np.asarray(np.inner(x1, x2)), x1.dtype)


def outer(x1, x2):
    x1, x2 = _promote(x1, x2)
    return np.outer(x1, x2)


def _pair(axes):
    if isinstance(axes, int):
        return axes
    a, b = axes
    return (list(a) if isinstance(a, (list, tuple)) else [a], list(b) if isinstance(b, (list, tuple)) else [b])


def tensordot(x1, x2, axes=2):
    x1, x2 = _promote(x1, x2)
    return _same(np.tensordot(x1, x2, axes=_pair(axes)), x1.dtype)


def einsum(subscripts, *operands, **kwargs):
    operands = [x if isinstance(x, (int, float, complex)) else t(x) for x in operands]
    first = operands[0].dtype if operands and isinstance(operands[0], np.ndarray) else None
    if first is not None and all(isinstance(x, np.ndarray) and x.dtype == first for x in operands):
        if first == _I8:  # Keras: int8 operands accumulate and return int32
            return np.einsum(subscripts, *[x.astype(_I32) for x in operands], **kwargs)
        if first in _WIDE64:
            operands = promote_many(*operands)
    else:
        operands = promote_many(*operands)
    dtype = operands[0].dtype
    if dtype == _BF16:  # np.einsum has no bfloat16 loops
        return np.einsum(subscripts, *[x.astype(_F32) for x in operands], **kwargs).astype(dtype)
    return _same(np.asarray(np.einsum(subscripts, *operands, **kwargs)), dtype)


def _cross(xp, a, b, axisa, axisb, axisc):
    """Cross product of 2- or 3-vectors along the last axes (a 2-vector has z = 0)."""
    a = xp.moveaxis(a, axisa, -1)
    b = xp.moveaxis(b, axisb, -1)
    na, nb = a.shape[-1], b.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"the vectors must have 2 or 3 components, received {na} and {nb}")
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    z = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return z
    if na == 3 and nb == 3:
        a2, b2 = a[..., 2], b[..., 2]
        x, y = a1 * b2 - a2 * b1, a2 * b0 - a0 * b2
    elif na == 2:  # a2 == 0
        b2 = b[..., 2]
        x, y = a1 * b2, -(a0 * b2)
    else:  # b2 == 0
        a2 = a[..., 2]
        x, y = -(a2 * b1), a2 * b0
    x, y, z = xp.broadcast_arrays(x, y, z)
    return xp.moveaxis(xp.stack([x, y, z], axis=-1), -1, axisc)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    x1, x2 = _promote(x1, x2)
    if x1.dtype == _BOOL:
        raise TypeError("boolean inputs are not supported (the cross product subtracts)")
    if axis is not None:
        axisa = axisb = axisc = axis
    return _cross(np, x1, x2, axisa, axisb, axisc)


def kron(x1, x2):
    x1, x2 = _promote(x1, x2)
    return np.kron(x1, x2)


def trace(x, offset=0, axis1=0, axis2=1):
    x = t(x)
    return np.asarray(np.trace(x, offset=offset, axis1=axis1, axis2=axis2, dtype=_TRACE[x.dtype]))


def _correlate_dtype(x1, x2):
    d = result_type(x1.dtype, x2.dtype)
    return to_native_dtype(d if d in ("bfloat16", "float16") else "float32")


def correlate(x1, x2, mode="valid"):
    x1, x2 = t(x1), t(x2)
    dtype = _correlate_dtype(x1, x2)
    return np.correlate(x1.astype(dtype), x2.astype(dtype), mode)
