"""torch kernels: products: matmul, dot, tensordot, einsum, outer, inner, cross, trace, kron.

torch's products lack some dtypes NumPy has: bool (no matrix products at all),
uint16/uint32/uint64 (almost no arithmetic) and, on CUDA, integers. Those are
computed in a dtype torch supports and cast back, keeping NumPy's results
(bool products are "any of the ands", integers wrap).
"""

from __future__ import annotations

import torch

from lamina.backend.common.dtypes import ALLOWED_DTYPES, result_type
from lamina.backend.torch._convert import promote, promote_many, t
from lamina.backend.torch.core import _DTYPES, _NAMES

_I8, _I32, _I64 = torch.int8, torch.int32, torch.int64
_F32, _F64 = torch.float32, torch.float64
_BOOL = torch.bool
_UNSIGNED_WIDE = (torch.uint16, torch.uint32, torch.uint64)


def _trace_rule(name: str) -> str:
    if name in ("bool", "int8", "int16", "uint8", "uint16", "uint32"):
        return "int32"  # Keras on torch: no uint32 results
    return name


_TRACE = {_DTYPES[n]: _DTYPES[_trace_rule(n)] for n in ALLOWED_DTYPES if n in _DTYPES}


_WIDE64 = (torch.int64, torch.uint64, torch.float64, torch.complex128)


def _promote(x1, x2):
    """``promote`` plus Keras's narrowing of 64-bit results (its fast path keeps equal dtypes as they are)."""
    x1, x2 = promote(x1, x2)
    if x1.dtype in _WIDE64:
        dtype = _DTYPES[result_type(_NAMES[x1.dtype], _NAMES[x2.dtype])]
        x1, x2 = x1.to(dtype), x2.to(dtype)
    return x1, x2


def _compute_dtype(dtype, device):
    """The dtype a torch matrix product can run in for inputs of ``dtype`` (None: as is)."""
    if dtype == _BOOL:
        return _I32 if device.type == "cpu" else _F32
    if dtype in _UNSIGNED_WIDE:
        return _I64 if device.type == "cpu" else _F64
    if device.type != "cpu" and not (dtype.is_floating_point or dtype.is_complex):
        return _F64  # CUDA has no integer matmul; float64 is exact up to 2**53
    return None


def _finish(r, dtype):
    """Back to the promoted dtype: bools are 'any nonzero', integers wrap like NumPy's."""
    if r.dtype == dtype:
        return r
    if dtype == _BOOL:
        return r != 0
    if not (dtype.is_floating_point or dtype.is_complex) and r.is_floating_point():
        r = r.round().to(_I64)
    return r.to(dtype)


def _product(fn, x1, x2, *args):
    dtype = x1.dtype
    cd = _compute_dtype(dtype, x1.device)
    if cd is None:
        return fn(x1, x2, *args)
    return _finish(fn(x1.to(cd), x2.to(cd), *args), dtype)


def matmul(x1, x2):
    x1, x2 = t(x1), t(x2)
    if x1.dtype == _I8 and x2.dtype == _I8:  # Keras: int8 @ int8 accumulates and returns int32
        x1, x2 = x1.to(_I32), x2.to(_I32)
    else:
        x1, x2 = _promote(x1, x2)
    return _product(torch.matmul, x1, x2)


def _dot(a, b):
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim <= 2:
        return torch.matmul(a, b)
    if a.ndim == 1:
        return torch.matmul(a, b)
    return torch.tensordot(a, b, dims=([a.ndim - 1], [b.ndim - 2]))


def dot(x1, x2):
    x1, x2 = _promote(x1, x2)
    return _product(_dot, x1, x2)


def _vdot(a, b):
    return torch.dot(a.reshape(-1).conj(), b.reshape(-1))


def vdot(x1, x2):
    x1, x2 = _promote(x1, x2)
    if x1.dtype in (torch.float16, torch.bfloat16) and x1.device.type == "cpu":
        return (x1.reshape(-1).float() @ x2.reshape(-1).float()).to(x1.dtype)
    return _product(_vdot, x1, x2)


def _inner(a, b):
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return torch.inner(a, b)


def inner(x1, x2):
    x1, x2 = _promote(x1, x2)
    return _product(_inner, x1, x2)


def outer(x1, x2):
    x1, x2 = _promote(x1, x2)
    dtype = x1.dtype
    if dtype in _UNSIGNED_WIDE:
        return torch.outer(x1.reshape(-1).to(_I64), x2.reshape(-1).to(_I64)).to(dtype)
    return torch.outer(x1.reshape(-1), x2.reshape(-1))


def _dims(axes):
    if isinstance(axes, int):
        return axes
    a, b = axes
    return (list(a) if isinstance(a, (list, tuple)) else [a], list(b) if isinstance(b, (list, tuple)) else [b])


def tensordot(x1, x2, axes=2):
    x1, x2 = _promote(x1, x2)
    return _product(torch.tensordot, x1, x2, _dims(axes))


def _check_ellipsis(subscripts, operands):
    """torch sums '...' dimensions that the output drops; NumPy (and Keras) refuse that."""
    lhs, rhs = subscripts.split("->", 1)
    if "..." in rhs:
        return
    for term, x in zip(lhs.split(","), operands):
        if "..." in term and x.ndim > len(term.replace(" ", "")) - 3:
            raise ValueError(f"the output {rhs!r} drops the dimensions covered by '...'")


def _einsum_operands(operands):
    """Operands of one dtype pass as they are (int8 computes in int32); others are promoted."""
    operands = [x if isinstance(x, (int, float, complex)) else t(x) for x in operands]
    first = operands[0].dtype if operands and isinstance(operands[0], torch.Tensor) else None
    if first is not None and all(isinstance(x, torch.Tensor) and x.dtype == first for x in operands):
        if first == _I8:  # Keras: int8 operands accumulate and return int32
            return [x.to(_I32) for x in operands]
        if first not in _WIDE64:
            return list(operands)
    return promote_many(*operands)


def einsum(subscripts, *operands, **kwargs):
    operands = _einsum_operands(operands)
    if "..." in subscripts and "->" in subscripts:
        _check_ellipsis(subscripts, operands)
    dtype = operands[0].dtype
    cd = _compute_dtype(dtype, operands[0].device)
    if cd is None:
        return torch.einsum(subscripts, *operands)
    return _finish(torch.einsum(subscripts, *[x.to(cd) for x in operands]), dtype)


def _cross(a, b, axisa, axisb, axisc):
    a = torch.movedim(a, axisa, -1)
    b = torch.movedim(b, axisb, -1)
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
    elif na == 2:
        b2 = b[..., 2]
        x, y = a1 * b2, -(a0 * b2)
    else:
        a2 = a[..., 2]
        x, y = -(a2 * b1), a2 * b0
    x, y, z = torch.broadcast_tensors(x, y, z)
    return torch.movedim(torch.stack([x, y, z], dim=-1), -1, axisc)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    x1, x2 = _promote(x1, x2)
    dtype = x1.dtype
    if dtype == _BOOL:
        raise TypeError("boolean inputs are not supported (the cross product subtracts)")
    if axis is not None:
        axisa = axisb = axisc = axis
    if dtype in _UNSIGNED_WIDE:
        return _cross(x1.to(_I64), x2.to(_I64), axisa, axisb, axisc).to(dtype)
    return _cross(x1, x2, axisa, axisb, axisc)


def kron(x1, x2):
    x1, x2 = _promote(x1, x2)
    dtype = x1.dtype
    if dtype in _UNSIGNED_WIDE:
        return torch.kron(x1.to(_I64), x2.to(_I64)).to(dtype)
    return torch.kron(x1, x2)


def trace(x, offset=0, axis1=0, axis2=1):
    x = t(x)
    out = _TRACE[x.dtype]
    diag = torch.diagonal(x, offset, axis1, axis2)
    if x.dtype in _UNSIGNED_WIDE:
        return diag.to(_I64).sum(-1).to(out)
    acc = _I64 if out == _I64 else out
    return torch.sum(diag, dim=-1, dtype=acc)


def correlate(x1, x2, mode="valid"):
    x1, x2 = t(x1), t(x2)
    d = result_type(_NAMES[x1.dtype], _NAMES[x2.dtype])
    out = _DTYPES[d if d in ("bfloat16", "float16") else "float32"]
    cd = _F32 if out != _F32 and x1.device.type == "cpu" else out
    a, v = _wide_float(x1, cd), _wide_float(x2, cd)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"inputs must be 1-D, received shapes {tuple(a.shape)} and {tuple(v.shape)}")
    n, m = a.shape[0], v.shape[0]
    if n == 0 or m == 0:
        raise ValueError("inputs must not be empty")
    # full cross-correlation: conv1d is a correlation; pad so every overlap is produced
    full = torch.nn.functional.conv1d(
        torch.nn.functional.pad(a.reshape(1, 1, n), (m - 1, m - 1)), v.conj().reshape(1, 1, m)
    ).reshape(-1)
    if mode == "full":
        r = full
    elif mode == "valid":
        lo = min(n, m) - 1
        r = full[lo: lo + max(n, m) - min(n, m) + 1]
    elif mode == "same":
        start = (m - 1) // 2 if n >= m else n - 1 - (n - 1) // 2
        r = full[start: start + max(n, m)]
    else:
        raise ValueError(f"mode must be one of 'valid', 'same', 'full', received {mode!r}")
    return r.to(out)


def _wide_float(x, dtype):
    return x.to(_I64).to(dtype) if x.dtype in _UNSIGNED_WIDE else x.to(dtype)
