"""linalg kernels on torch tensors (torch.linalg)."""

from __future__ import annotations

import torch

from lamina.backend.torch._convert import promote, t, to_float

_HALVES = (torch.float16, torch.bfloat16)


def _f(x):
    """``x`` as a float tensor torch.linalg accepts (halves upcast), and the dtype to return."""
    x = to_float(x)
    if x.dtype in _HALVES:
        return x.float(), x.dtype
    return x, x.dtype


def _f2(a, b):
    a, b = t(a), t(b)
    if a.dtype != b.dtype:
        a, b = promote(a, b)
    a, dtype = _f(a)
    b, _ = _f(b)
    return a, b, dtype


def _back(x, dtype):
    return x if x.dtype == dtype else x.to(dtype)


def cholesky(x, upper=False):
    x, dtype = _f(x)
    out, info = torch.linalg.cholesky_ex(x, upper=upper)
    if bool((info != 0).any()):
        raise ValueError("cholesky: decomposition failed; the input must be symmetric positive definite.")
    return _back(out, dtype)


def cholesky_inverse(x, upper=False):
    x, dtype = _f(x)
    return _back(torch.cholesky_inverse(x, upper=upper), dtype)


def det(x):
    x, dtype = _f(x)
    return _back(torch.linalg.det(x), dtype)


def eig(x):
    x, _ = _f(x)
    return torch.linalg.eig(x)


def eigh(x):
    x, dtype = _f(x)
    w, v = torch.linalg.eigh(x)
    return _back(w, dtype), _back(v, dtype)


def inv(x):
    x, dtype = _f(x)
    return _back(torch.linalg.inv(x), dtype)


def lu_factor(x):
    x, dtype = _f(x)
    lu, pivots = torch.linalg.lu_factor(x)
    return _back(lu, dtype), (pivots - 1).int()


def norm(x, ord=None, axis=None, keepdims=False):
    x, dtype = _f(x)
    if isinstance(axis, list):
        axis = tuple(axis)
    if axis is None and ord is None:
        out = torch.linalg.vector_norm(x, 2, dim=None, keepdim=keepdims)
    else:
        out = torch.linalg.norm(x, ord=ord, dim=axis, keepdim=keepdims)
    return _back(out, dtype)


def qr(x, mode="reduced"):
    x, dtype = _f(x)
    q, r = torch.linalg.qr(x, mode=mode)
    return _back(q, dtype), _back(r, dtype)


def _solve_with(fn, a, b):
    vector = b.ndim == a.ndim - 1
    out = fn(a, b.unsqueeze(-1) if vector else b)
    return out.squeeze(-1) if vector else out


def solve(a, b):
    a, b, dtype = _f2(a, b)
    return _back(_solve_with(torch.linalg.solve, a, b), dtype)


def solve_triangular(a, b, lower=False):
    a, b, dtype = _f2(a, b)
    fn = lambda m, r: torch.linalg.solve_triangular(m, r, upper=not lower)  # noqa: E731
    return _back(_solve_with(fn, a, b), dtype)


def svd(x, full_matrices=True, compute_uv=True):
    x, dtype = _f(x)
    if not compute_uv:
        return _back(torch.linalg.svdvals(x), dtype)
    u, s, vh = torch.linalg.svd(x, full_matrices=full_matrices)
    return _back(u, dtype), _back(s, dtype), _back(vh, dtype)


def lstsq(a, b, rcond=None):
    a, b, dtype = _f2(a, b)
    if rcond is not None:
        if a.device.type != "cpu":
            # CUDA only has the "gels" driver, without a cutoff: go through the pseudo-inverse instead.
            return _back(torch.linalg.pinv(a, rtol=rcond) @ b, dtype)
        return _back(torch.linalg.lstsq(a, b, rcond=rcond, driver="gelsd").solution, dtype)
    return _back(torch.linalg.lstsq(a, b).solution, dtype)


def matrix_rank(x, tol=None):
    x, _ = _f(x)
    return torch.linalg.matrix_rank(x, atol=tol).int()


def pinv(x, rcond=None):
    x, dtype = _f(x)
    return _back(torch.linalg.pinv(x, rtol=rcond), dtype)


def jvp(fun, primals, tangents, has_aux=False):
    primals = tuple(to_float(p) for p in primals)
    tangents = tuple(_back(to_float(tg), p.dtype) for tg, p in zip(tangents, primals))
    return torch.func.jvp(fun, primals, tangents, has_aux=has_aux)

