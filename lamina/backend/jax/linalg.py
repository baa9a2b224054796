"""linalg kernels on jax arrays (jax.numpy.linalg and jax.scipy.linalg)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl

from lamina.backend.jax._convert import promote, t, to_float

_HALVES = (jnp.float16, jnp.bfloat16)


def _f(x):
    """``x`` as a float array the jax solvers accept (halves upcast), and the dtype to return."""
    x = to_float(x)
    if x.dtype in _HALVES:
        return x.astype(jnp.float32), x.dtype
    return x, x.dtype


def _f2(a, b):
    a, b = t(a), t(b)
    if a.dtype != b.dtype:
        a, b = promote(a, b)
    a, dtype = _f(a)
    b, _ = _f(b)
    return a, b, dtype


def _back(x, dtype):
    return x if x.dtype == dtype else x.astype(dtype)


def _is_traced(x) -> bool:
    return isinstance(x, jax.core.Tracer)


def cholesky(x, upper=False):
    x, dtype = _f(x)
    out = jnp.linalg.cholesky(x, upper=upper)
    if not _is_traced(out) and bool(jnp.isnan(out).any()):
        raise ValueError("cholesky: decomposition failed; the input must be symmetric positive definite.")
    return _back(out, dtype)


def cholesky_inverse(x, upper=False):
    x, dtype = _f(x)
    eye = jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype), x.shape)
    return _back(jsl.cho_solve((x, not upper), eye), dtype)


def det(x):
    x, dtype = _f(x)
    return _back(jnp.linalg.det(x), dtype)


def eig(x):
    x, _ = _f(x)
    try:
        return jnp.linalg.eig(x)
    except NotImplementedError as e:
        raise NotImplementedError(
            f"eig: the jax backend computes eigen-decompositions of general matrices on the CPU only ({e}). "
            "For symmetric matrices use eigh."
        ) from None


def eigh(x):
    x, dtype = _f(x)
    w, v = jnp.linalg.eigh(x)
    return _back(w, dtype), _back(v, dtype)


def inv(x):
    x, dtype = _f(x)
    return _back(jnp.linalg.inv(x), dtype)


def lu_factor(x):
    x, dtype = _f(x)
    lu, piv = jsl.lu_factor(x)
    return _back(lu, dtype), piv.astype(jnp.int32)


def norm(x, ord=None, axis=None, keepdims=False):
    x, dtype = _f(x)
    if isinstance(axis, list):
        axis = tuple(axis)
    return _back(jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims), dtype)


def qr(x, mode="reduced"):
    x, dtype = _f(x)
    q, r = jnp.linalg.qr(x, mode=mode)
    return _back(q, dtype), _back(r, dtype)


def _solve_with(fn, a, b):
    vector = b.ndim == a.ndim - 1
    if vector:
        b = b[..., None]
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    out = fn(jnp.broadcast_to(a, batch + a.shape[-2:]), jnp.broadcast_to(b, batch + b.shape[-2:]))
    return out[..., 0] if vector else out


def solve(a, b):
    a, b, dtype = _f2(a, b)
    return _back(_solve_with(jnp.linalg.solve, a, b), dtype)


def solve_triangular(a, b, lower=False):
    a, b, dtype = _f2(a, b)
    return _back(_solve_with(lambda m, r: jsl.solve_triangular(m, r, lower=lower), a, b), dtype)


def svd(x, full_matrices=True, compute_uv=True):
    x, dtype = _f(x)
    if not compute_uv:
        return _back(jnp.linalg.svd(x, compute_uv=False), dtype)
    u, s, vh = jnp.linalg.svd(x, full_matrices=full_matrices)
    return _back(u, dtype), _back(s, dtype), _back(vh, dtype)


def lstsq(a, b, rcond=None):
    a, b, dtype = _f2(a, b)
    return _back(jnp.linalg.lstsq(a, b, rcond=rcond)[0], dtype)


def matrix_rank(x, tol=None):
    x, _ = _f(x)
    if tol is None:
        return jnp.linalg.matrix_rank(x).astype(jnp.int32)
    s = jnp.linalg.svd(x, compute_uv=False)
    return jnp.sum(s > tol, axis=-1).astype(jnp.int32)


def pinv(x, rcond=None):
    x, dtype = _f(x)
    return _back(jnp.linalg.pinv(x, rtol=rcond), dtype)


def jvp(fun, primals, tangents, has_aux=False):
    primals = tuple(to_float(p) for p in primals)
    tangents = tuple(_back(to_float(tg), p.dtype) for tg, p in zip(tangents, primals))
    return jax.jvp(fun, primals, tangents, has_aux=has_aux)
