"""jax kernels: products: matmul, dot, tensordot, einsum, outer, inner, cross, trace, kron."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.backend.common.dtypes import ALLOWED_DTYPES, result_type
from lamina.backend.jax._convert import promote, promote_many, t
from lamina.backend.jax.core import to_native_dtype

_I8 = jnp.dtype("int8")
_I32 = jnp.dtype("int32")
_BOOL = jnp.dtype("bool")


def _trace_rule(name: str) -> str:
    if name in ("bool", "int8", "int16"):
        return "int32"
    if name in ("uint8", "uint16"):
        return "uint32"
    return name


_TRACE = {jnp.dtype(to_native_dtype(n)): jnp.dtype(to_native_dtype(_trace_rule(n)))
          for n in ALLOWED_DTYPES if n != "string"}


def matmul(x1, x2):
    x1, x2 = t(x1), t(x2)
    if x1.dtype == _I8 and x2.dtype == _I8:  # Keras: int8 @ int8 accumulates and returns int32
        return jnp.matmul(x1, x2, preferred_element_type=_I32)
    x1, x2 = promote(x1, x2)
    return jnp.matmul(x1, x2)


def dot(x1, x2):
    x1, x2 = promote(x1, x2)
    return jnp.dot(x1, x2)


def vdot(x1, x2):
    x1, x2 = promote(x1, x2)
    return jnp.vdot(x1, x2)


def inner(x1, x2):
    x1, x2 = promote(x1, x2)
    return jnp.inner(x1, x2)


def outer(x1, x2):
    x1, x2 = promote(x1, x2)
    return jnp.outer(x1, x2)


def _pair(axes):
    if isinstance(axes, int):
        return axes
    a, b = axes
    return (tuple(a) if isinstance(a, (list, tuple)) else (a,), tuple(b) if isinstance(b, (list, tuple)) else (b,))


def tensordot(x1, x2, axes=2):
    x1, x2 = promote(x1, x2)
    return jnp.tensordot(x1, x2, axes=_pair(axes))


_EINSUM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,-> ")


def _check_subscripts(subscripts, operands):
    """jnp.einsum accepts what NumPy (and Keras) refuse: non-letter labels, and an output that
    drops the dimensions covered by '...' (it sums them)."""
    if not _EINSUM_CHARS.issuperset(subscripts):
        raise ValueError(f"invalid subscripts {subscripts!r}: labels are letters")
    if "..." in subscripts and "->" in subscripts:
        lhs, rhs = subscripts.split("->", 1)
        if "..." not in rhs:
            for term, x in zip(lhs.split(","), operands):
                if "..." in term and x.ndim > len(term.replace(" ", "")) - 3:
                    raise ValueError(f"the output {rhs!r} drops the dimensions covered by '...'")


def einsum(subscripts, *operands, **kwargs):
    operands = [x if isinstance(x, (int, float, complex)) else t(x) for x in operands]
    first = operands[0].dtype if operands and isinstance(operands[0], jax.Array) else None
    same = first is not None and all(isinstance(x, jax.Array) and x.dtype == first for x in operands)
    if not same:
        operands = promote_many(*operands)
    _check_subscripts(subscripts, operands)
    if same and first == _I8:  # Keras: int8 operands accumulate and return int32
        return jnp.einsum(subscripts, *operands, preferred_element_type=_I32, **kwargs)
    return jnp.einsum(subscripts, *operands, **kwargs)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    x1, x2 = promote(x1, x2)
    if x1.dtype == _BOOL:
        raise TypeError("boolean inputs are not supported (the cross product subtracts)")
    if axis is not None:
        axisa = axisb = axisc = axis
    a = jnp.moveaxis(x1, axisa, -1)
    b = jnp.moveaxis(x2, axisb, -1)
    na, nb = a.shape[-1], b.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"the vectors must have 2 or 3 components, received {na} and {nb}")
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    z = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return z
    a2 = a[..., 2] if na == 3 else jnp.zeros_like(a0)
    b2 = b[..., 2] if nb == 3 else jnp.zeros_like(b0)
    x, y = a1 * b2 - a2 * b1, a2 * b0 - a0 * b2
    x, y, z = jnp.broadcast_arrays(x, y, z)
    return jnp.moveaxis(jnp.stack([x, y, z], axis=-1), -1, axisc)


def kron(x1, x2):
    x1, x2 = promote(x1, x2)
    if x1.dtype != _BOOL:
        return jnp.kron(x1, x2)
    # jnp.kron has no bool version: interleave the axes of an outer product
    n = max(x1.ndim, x2.ndim)
    a = x1.reshape((1,) * (n - x1.ndim) + x1.shape)
    b = x2.reshape((1,) * (n - x2.ndim) + x2.shape)
    prod = a.reshape([d for s in a.shape for d in (s, 1)]) & b.reshape([d for s in b.shape for d in (1, s)])
    return prod.reshape([p * q for p, q in zip(a.shape, b.shape)])


def trace(x, offset=0, axis1=0, axis2=1):
    x = t(x)
    return jnp.trace(x, offset=offset, axis1=axis1, axis2=axis2, dtype=_TRACE[x.dtype])


def correlate(x1, x2, mode="valid"):
    x1, x2 = t(x1), t(x2)
    d = result_type(x1.dtype, x2.dtype)
    dtype = to_native_dtype(d if d in ("bfloat16", "float16") else "float32")
    return jnp.correlate(x1.astype(dtype), x2.astype(dtype), mode)
