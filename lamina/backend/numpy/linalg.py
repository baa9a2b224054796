"""linalg kernels on numpy arrays (numpy.linalg, plus LU and triangular solves written here; no SciPy needed)."""

from __future__ import annotations

import numpy as np

from lamina.backend.numpy._convert import promote, t, to_float

_LOW_PRECISION = ("float16", "bfloat16")


def _f(x):
    """``x`` as a float array numpy.linalg accepts (halves upcast), and the dtype to return."""
    x = t(x)
    if x.dtype.name in _LOW_PRECISION:  # checked first: to_float does not know ml_dtypes' bfloat16
        return x.astype(np.float32), x.dtype
    x = to_float(x)
    if x.dtype.name in _LOW_PRECISION:
        return x.astype(np.float32), x.dtype
    return x, x.dtype


def _f2(a, b):
    a, b = t(a), t(b)
    if a.dtype != b.dtype:
        a, b = promote(a, b)
    a, dtype = _f(a)
    b, _ = _f(b)
    return a, b, dtype


def _back(x, dtype):
    return np.asarray(x).astype(dtype, copy=False)


def _swap(x):
    return np.swapaxes(x, -1, -2)


def cholesky(x, upper=False):
    x, dtype = _f(x)
    try:
        out = np.linalg.cholesky(x)
    except np.linalg.LinAlgError as e:
        raise ValueError(f"cholesky: decomposition failed; the input must be symmetric positive definite ({e}).") from None
    return _back(_swap(out) if upper else out, dtype)


def _triangular_solve(a, b, lower):
    """Solve ``a @ x = b`` for a batch of triangular ``a`` and matrix ``b`` by substitution."""
    n = a.shape[-1]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]), dtype=np.result_type(a, b))
    rows = range(n) if lower else range(n - 1, -1, -1)
    for i in rows:
        if lower:
            acc = np.einsum("...j,...jk->...k", a[..., i, :i], x[..., :i, :])
        else:
            acc = np.einsum("...j,...jk->...k", a[..., i, i + 1:], x[..., i + 1:, :])
        with np.errstate(divide="ignore", invalid="ignore"):
            x[..., i, :] = (x[..., i, :] - acc) / a[..., i, i][..., None]
    return x


def cholesky_inverse(x, upper=False):
    x, dtype = _f(x)
    eye = np.broadcast_to(np.eye(x.shape[-1], dtype=x.dtype), x.shape)
    inv_factor = _triangular_solve(x, eye, lower=not upper)
    if upper:
        out = inv_factor @ _swap(inv_factor)
    else:
        out = _swap(inv_factor) @ inv_factor
    return _back(out, dtype)


def det(x):
    x, dtype = _f(x)
    return _back(np.linalg.det(x), dtype)


def eig(x):
    x, dtype = _f(x)
    w, v = np.linalg.eig(x)
    cdtype = np.complex128 if dtype == np.float64 else np.complex64
    return w.astype(cdtype), v.astype(cdtype)


def eigh(x):
    x, dtype = _f(x)
    w, v = np.linalg.eigh(x)
    return _back(w, dtype), _back(v, dtype)


def inv(x):
    x, dtype = _f(x)
    return _back(np.linalg.inv(x), dtype)


def lu_factor(x):
    x, dtype = _f(x)
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    k = min(m, n)
    a = np.array(x.reshape((-1, m, n)), copy=True)
    rows = np.arange(a.shape[0])
    piv = np.zeros((a.shape[0], k), dtype=np.int32)
    for j in range(k):
        p = j + np.argmax(np.abs(a[:, j:, j]), axis=1)
        piv[:, j] = p
        row_j = a[rows, j, :].copy()
        a[rows, j, :] = a[rows, p, :]
        a[rows, p, :] = row_j
        pivot = a[:, j, j]
        nonzero = pivot != 0
        safe = np.where(nonzero, pivot, 1)
        a[:, j + 1:, j] = np.where(nonzero[:, None], a[:, j + 1:, j] / safe[:, None], a[:, j + 1:, j])
        a[:, j + 1:, j + 1:] -= a[:, j + 1:, j:j + 1] * a[:, j:j + 1, j + 1:]
    return _back(a.reshape(batch + (m, n)), dtype), piv.reshape(batch + (k,))


def norm(x, ord=None, axis=None, keepdims=False):
    x, dtype = _f(x)
    if isinstance(axis, list):
        axis = tuple(axis)
    return _back(np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims), dtype)


def qr(x, mode="reduced"):
    x, dtype = _f(x)
    q, r = np.linalg.qr(x, mode=mode)
    return _back(q, dtype), _back(r, dtype)


def _solve_with(fn, a, b):
    vector = b.ndim == a.ndim - 1
    out = fn(a, b[..., None] if vector else b)
    return out[..., 0] if vector else out


def solve(a, b):
    a, b, dtype = _f2(a, b)
    return _back(_solve_with(np.linalg.solve, a, b), dtype)


def solve_triangular(a, b, lower=False):
    a, b, dtype = _f2(a, b)
    return _back(_solve_with(lambda m, r: _triangular_solve(m, r, lower), a, b), dtype)


def svd(x, full_matrices=True, compute_uv=True):
    x, dtype = _f(x)
    if not compute_uv:
        return _back(np.linalg.svd(x, compute_uv=False), dtype)
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    return _back(u, dtype), _back(s, dtype), _back(vh, dtype)


def lstsq(a, b, rcond=None):
    a, b, dtype = _f2(a, b)
    return _back(np.linalg.lstsq(a, b, rcond=rcond)[0], dtype)


def matrix_rank(x, tol=None):
    x, _ = _f(x)
    return np.asarray(np.linalg.matrix_rank(x, tol=tol)).astype(np.int32)


def pinv(x, rcond=None):
    x, dtype = _f(x)
    if rcond is None:
        return _back(np.linalg.pinv(x), dtype)
    return _back(np.linalg.pinv(x, rcond=rcond), dtype)


def jvp(fun, primals, tangents, has_aux=False):
    raise NotImplementedError(
        "jvp: forward-mode differentiation is not available on the numpy backend, which has no automatic "
        "differentiation. Use the jax or torch backend."
    )
