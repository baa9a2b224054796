"""Linear algebra ops (``lamina.ops.linalg``, also on the ``lamina.ops`` top level).

Every op works on a batch of matrices: the last two axes are the matrix, the
leading axes are batch axes. Integer and bool inputs are computed in floatx;
float16/bfloat16 inputs are computed in float32 and returned in their dtype.

Example:
    >>> from lamina import ops
    >>> a = [[4.0, 1.0], [1.0, 3.0]]
    >>> ops.linalg.solve(a, [1.0, 2.0])      # [0.0909, 0.6364]
    >>> ops.linalg.norm(a, ord="fro")        # 5.196
"""

from __future__ import annotations

from typing import Any, Callable

from lamina import config
from lamina.backend import impl as B
from lamina.backend.common.dtypes import result_type, standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec

_COMPLEX_OF = {"float64": "complex128"}


# ----------------------------------------------------------------------------- validation helpers


def _matrix_shape(op: str, x, square: bool = False) -> tuple:
    shape = _spec.shape_of(x)
    if len(shape) < 2:
        raise ValueError(f"{op}: expected a (batch of) matrices of rank >= 2. Received input with shape {shape}.")
    if square and shape[-1] is not None and shape[-2] is not None and shape[-1] != shape[-2]:
        raise ValueError(f"{op}: expected square matrices. Received input with shape {shape}.")
    return shape


def _check_a_b(op: str, a, b) -> tuple:
    a_shape = _matrix_shape(op, a, square=True)
    b_shape = _spec.shape_of(b)
    if len(b_shape) < 1:
        raise ValueError(f"{op}: `b` must have rank >= 1. Received a scalar `b`.")
    if len(b_shape) == len(a_shape):
        if a_shape[-2] is not None and b_shape[-2] is not None and a_shape[-2] != b_shape[-2]:
            raise ValueError(
                f"{op}: incompatible shapes; expected a.shape[-2] == b.shape[-2]. "
                f"Received a.shape={a_shape}, b.shape={b_shape}."
            )
    elif len(b_shape) == len(a_shape) - 1:
        if a_shape[-1] is not None and b_shape[-1] is not None and a_shape[-1] != b_shape[-1]:
            raise ValueError(
                f"{op}: incompatible shapes; expected a.shape[-1] == b.shape[-1]. "
                f"Received a.shape={a_shape}, b.shape={b_shape}."
            )
    else:
        raise ValueError(
            f"{op}: `b` must have the rank of `a` (a batch of matrices) or one less (a batch of vectors). "
            f"Received a.shape={a_shape}, b.shape={b_shape}."
        )
    return a_shape, b_shape


def _dtype(x) -> str:
    d = _spec.dtype_of(x)
    return result_type(d) if isinstance(d, type) else standardize_dtype(d)


def _float(x) -> str:
    """Float dtypes are kept (64-bit included); ints and bools become floatx."""
    d = _dtype(x)
    return d if d in ("bfloat16", "float16", "float32", "float64") else config.floatx()


def _complex(x) -> str:
    return _COMPLEX_OF.get(_float(x), "complex64")


def _same_spec(op, square=True):
    def spec(x, *args, **kwargs):
        return KerasTensor(_matrix_shape(op, x, square=square), dtype=_float(x))

    return spec


# ----------------------------------------------------------------------------- factorizations


def _cholesky_spec(x, upper=False):
    return KerasTensor(_matrix_shape("cholesky", x, square=True), dtype=_float(x))


@symbolic_op(_cholesky_spec)
def cholesky(x: Any, upper: bool = False) -> Any:
    """Cholesky factor of a symmetric positive-definite matrix: ``L`` with ``x = L @ L.T`` (``U`` if ``upper``).

    Raises ValueError when ``x`` is not positive definite.

    Example:
        >>> ops.linalg.cholesky([[4.0, 2.0], [2.0, 3.0]])   # [[2, 0], [1, 1.414]]
    """
    _matrix_shape("cholesky", x, square=True)
    return B.linalg.cholesky(x, upper=upper)


def _cholesky_inverse_spec(x, upper=False):
    return KerasTensor(_matrix_shape("cholesky_inverse", x, square=True), dtype=_float(x))


@symbolic_op(_cholesky_inverse_spec)
def cholesky_inverse(x: Any, upper: bool = False) -> Any:
    """Inverse of ``A`` from its Cholesky factor ``x`` (lower ``L`` with ``A = L L^T``, or upper ``U`` with ``A = U^T U``).

    Example:
        >>> L = ops.linalg.cholesky(a)
        >>> ops.linalg.cholesky_inverse(L)   # == ops.linalg.inv(a)
    """
    _matrix_shape("cholesky_inverse", x, square=True)
    return B.linalg.cholesky_inverse(x, upper=upper)


def _det_spec(x):
    return KerasTensor(_matrix_shape("det", x, square=True)[:-2], dtype=_float(x))


@symbolic_op(_det_spec)
def det(x: Any) -> Any:
    """Determinant of a (batch of) square matrices.

    Example:
        >>> ops.linalg.det([[1.0, 2.0], [3.0, 4.0]])   # -2.0
    """
    _matrix_shape("det", x, square=True)
    return B.linalg.det(x)


def _eig_spec(x):
    shape = _matrix_shape("eig", x, square=True)
    d = _complex(x)
    return KerasTensor(shape[:-1], dtype=d), KerasTensor(shape, dtype=d)


@symbolic_op(_eig_spec)
def eig(x: Any) -> tuple:
    """Eigenvalues and right eigenvectors (columns) of a general square matrix, as complex tensors.

    Example:
        >>> w, v = ops.linalg.eig([[2.0, 0.0], [0.0, 3.0]])   # w = [2+0j, 3+0j]
    """
    _matrix_shape("eig", x, square=True)
    return B.linalg.eig(x)


def _eigh_spec(x):
    shape = _matrix_shape("eigh", x, square=True)
    d = _float(x)
    return KerasTensor(shape[:-1], dtype=d), KerasTensor(shape, dtype=d)


@symbolic_op(_eigh_spec)
def eigh(x: Any) -> tuple:
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, read from its lower triangle.

    Example:
        >>> w, v = ops.linalg.eigh([[2.0, 1.0], [1.0, 2.0]])   # w = [1., 3.]
    """
    _matrix_shape("eigh", x, square=True)
    return B.linalg.eigh(x)


@symbolic_op(_same_spec("inv"))
def inv(x: Any) -> Any:
    """Inverse of a (batch of) square matrices.

    Example:
        >>> ops.linalg.inv([[2.0, 0.0], [0.0, 4.0]])   # [[0.5, 0], [0, 0.25]]
    """
    _matrix_shape("inv", x, square=True)
    return B.linalg.inv(x)


def _lu_factor_spec(x):
    shape = _matrix_shape("lu_factor", x)
    m, n = shape[-2:]
    k = None if m is None or n is None else min(m, n)
    return KerasTensor(shape, dtype=_float(x)), KerasTensor(shape[:-2] + (k,), dtype="int32")


@symbolic_op(_lu_factor_spec)
def lu_factor(x: Any) -> tuple:
    """LU factorization with partial pivoting, as LAPACK's getrf: ``(lu, pivots)``.

    ``lu`` holds ``U`` on and above the diagonal and the unit-diagonal ``L`` below
    it; ``pivots[i]`` (int32, 0-based) is the row swapped with row ``i``.

    Example:
        >>> lu, piv = ops.linalg.lu_factor([[1.0, 2.0], [3.0, 4.0]])   # piv = [1, 1]
    """
    _matrix_shape("lu_factor", x)
    return B.linalg.lu_factor(x)


def _qr_spec(x, mode="reduced"):
    _check_qr_mode(mode)
    shape = _matrix_shape("qr", x)
    m, n = shape[-2:]
    if m is None or n is None:
        raise ValueError(f"qr: the last two dimensions must be known. Received input with shape {shape}.")
    k = min(m, n)
    base = shape[:-2]
    d = _float(x)
    if mode == "reduced":
        return KerasTensor(base + (m, k), dtype=d), KerasTensor(base + (k, n), dtype=d)
    return KerasTensor(base + (m, m), dtype=d), KerasTensor(base + (m, n), dtype=d)


def _check_qr_mode(mode):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: `mode` must be 'reduced' or 'complete'. Received: mode={mode!r}.")


@symbolic_op(_qr_spec)
def qr(x: Any, mode: str = "reduced") -> tuple:
    """QR decomposition ``x = q @ r`` (``mode="reduced"``: q is (m, k), r is (k, n), k = min(m, n)).

    Example:
        >>> q, r = ops.linalg.qr([[1.0, 2.0], [3.0, 4.0]])
    """
    _check_qr_mode(mode)
    _matrix_shape("qr", x)
    return B.linalg.qr(x, mode=mode)


def _svd_spec(x, full_matrices=True, compute_uv=True):
    shape = _matrix_shape("svd", x)
    rows, cols = shape[-2:]
    k = None if rows is None or cols is None else min(rows, cols)
    base = shape[:-2]
    d = _float(x)
    s = KerasTensor(base + (k,), dtype=d)
    if not compute_uv:
        return s
    if full_matrices:
        return KerasTensor(base + (rows, rows), dtype=d), s, KerasTensor(base + (cols, cols), dtype=d)
    return KerasTensor(base + (rows, k), dtype=d), s, KerasTensor(base + (k, cols), dtype=d)


@symbolic_op(_svd_spec)
def svd(x: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """Singular value decomposition ``x = u @ diag(s) @ vh``: returns ``(u, s, vh)``, or ``s`` alone.

    Example:
        >>> u, s, vh = ops.linalg.svd([[3.0, 0.0], [0.0, 4.0]])   # s = [4., 3.]
    """
    _matrix_shape("svd", x)
    return B.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)


# ----------------------------------------------------------------------------- norms and ranks


def _norm_axes(x_shape, ord, axis):
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        raise ValueError(f"norm: a string `ord` must be 'fro' or 'nuc'. Received: ord={ord!r}.")
    if axis is None:
        axes = tuple(range(len(x_shape)))
        if ord is not None and len(axes) not in (1, 2):
            raise ValueError(
                f"norm: with `ord` given and `axis=None`, the input must be 1-D or 2-D. "
                f"Received shape {x_shape}, ord={ord!r}."
            )
    else:
        axes = _spec.canonical_axes(axis, len(x_shape))
        if len(axes) not in (1, 2):
            raise ValueError(f"norm: `axis` must name 1 (vector norm) or 2 (matrix norm) axes. Received: axis={axis}.")
        if len(set(axes)) != len(axes):
            raise ValueError(f"norm: duplicate axes in axis={axis}.")
    if ord is not None and len(axes) == 1 and isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is a matrix norm; a vector norm (one axis) needs a number.")
    if ord is not None and len(axes) == 2 and ord not in ("fro", "nuc", float("inf"), float("-inf"), 1, -1, 2, -2):
        raise ValueError(
            f"norm: invalid `ord` for a matrix norm: {ord!r}. Expected one of "
            "None, 'fro', 'nuc', inf, -inf, 1, -1, 2, -2."
        )
    return axes


def _norm_spec(x, ord=None, axis=None, keepdims=False):
    shape = _spec.shape_of(x)
    _norm_axes(shape, ord, axis)
    return KerasTensor(_spec.reduce_shape(shape, axis, keepdims), dtype=_float(x))


@symbolic_op(_norm_spec)
def norm(x: Any, ord: int | float | str | None = None, axis: int | tuple | None = None,
         keepdims: bool = False) -> Any:
    """Vector or matrix norm, as ``numpy.linalg.norm``.

    ``axis`` None: the 2-norm of all elements (``ord`` None), or the norm of a 1-D
    or 2-D input. One axis: vector norm (``ord`` any number, inf, -inf). Two axes:
    matrix norm (``ord`` None/"fro", "nuc", inf, -inf, 1, -1, 2, -2).

    Example:
        >>> ops.linalg.norm([3.0, 4.0])                            # 5.0
        >>> ops.linalg.norm([[1.0, 2.0], [3.0, 4.0]], ord="nuc")   # 5.831
    """
    axes = _norm_axes(_spec.shape_of(x), ord, axis)
    if axis is not None:
        axis = axes if len(axes) == 2 else axes[0]
    return B.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def _matrix_rank_spec(x, tol=None):
    return KerasTensor(_matrix_shape("matrix_rank", x)[:-2], dtype="int32")


@symbolic_op(_matrix_rank_spec)
def matrix_rank(x: Any, tol: float | None = None) -> Any:
    """Number of singular values above ``tol`` (default ``max(s) * max(m, n) * eps``), as int32.

    Example:
        >>> ops.linalg.matrix_rank([[1.0, 2.0], [2.0, 4.0]])   # 1
    """
    _matrix_shape("matrix_rank", x)
    return B.linalg.matrix_rank(x, tol=tol)


def _pinv_spec(x, rcond=None):
    shape = _matrix_shape("pinv", x)
    return KerasTensor(shape[:-2] + (shape[-1], shape[-2]), dtype=_float(x))


@symbolic_op(_pinv_spec)
def pinv(x: Any, rcond: float | None = None) -> Any:
    """Moore-Penrose pseudo-inverse; singular values below ``rcond * max(s)`` are treated as zero.

    Example:
        >>> ops.linalg.pinv([[1.0, 0.0], [0.0, 0.0]])   # [[1, 0], [0, 0]]
    """
    _matrix_shape("pinv", x)
    return B.linalg.pinv(x, rcond=rcond)


# ----------------------------------------------------------------------------- solvers


def _solve_dtype(a, b):
    da, db = _dtype(a), _dtype(b)
    d = da if da == db else result_type(da, db)
    return d if d in ("bfloat16", "float16", "float32", "float64") else config.floatx()


def _solve_spec(a, b):
    _, b_shape = _check_a_b("solve", a, b)
    return KerasTensor(b_shape, dtype=_solve_dtype(a, b))


@symbolic_op(_solve_spec)
def solve(a: Any, b: Any) -> Any:
    """Solve ``a @ x = b`` for ``x``; ``b`` is a (batch of) matrices, or of vectors when it has one axis fewer.

    Example:
        >>> ops.linalg.solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 2.0])   # [1., 0.5]
    """
    _check_a_b("solve", a, b)
    return B.linalg.solve(a, b)


def _solve_triangular_spec(a, b, lower=False):
    _, b_shape = _check_a_b("solve_triangular", a, b)
    return KerasTensor(b_shape, dtype=_solve_dtype(a, b))


@symbolic_op(_solve_triangular_spec)
def solve_triangular(a: Any, b: Any, lower: bool = False) -> Any:
    """Solve ``a @ x = b`` where ``a`` is triangular (only its lower or upper triangle is read).

    Example:
        >>> ops.linalg.solve_triangular([[2.0, 0.0], [1.0, 1.0]], [2.0, 3.0], lower=True)   # [1., 2.]
    """
    _check_a_b("solve_triangular", a, b)
    return B.linalg.solve_triangular(a, b, lower=lower)


def _check_lstsq(a, b):
    a_shape, b_shape = _spec.shape_of(a), _spec.shape_of(b)
    if len(a_shape) != 2:
        raise ValueError(f"lstsq: `a` must have rank 2. Received a.shape={a_shape}.")
    if len(b_shape) not in (1, 2):
        raise ValueError(f"lstsq: `b` must have rank 1 or 2. Received b.shape={b_shape}.")
    if a_shape[0] is not None and b_shape[0] is not None and a_shape[0] != b_shape[0]:
        raise ValueError(
            f"lstsq: b.shape[0] must equal a.shape[0]. Received a.shape={a_shape}, b.shape={b_shape}."
        )
    return a_shape, b_shape


def _lstsq_spec(a, b, rcond=None):
    a_shape, b_shape = _check_lstsq(a, b)
    out = (a_shape[1],) + tuple(b_shape[1:])
    return KerasTensor(out, dtype=_solve_dtype(a, b))


@symbolic_op(_lstsq_spec)
def lstsq(a: Any, b: Any, rcond: float | None = None) -> Any:
    """Least-squares solution ``x`` minimizing ``||a @ x - b||`` (a is (m, n), b is (m,) or (m, k)).

    Example:
        >>> ops.linalg.lstsq([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [1.0, 1.0, 2.0])   # [1., 1.]
    """
    _check_lstsq(a, b)
    return B.linalg.lstsq(a, b, rcond=rcond)


# ----------------------------------------------------------------------------- forward-mode differentiation


def _jvp_spec(fun, primals, tangents, has_aux=False):
    from lamina.backend.common.scopes import SymbolicScope
    from lamina.utils import tree

    with SymbolicScope():
        out = fun(*primals)
    if has_aux:
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise ValueError("jvp: with has_aux=True, `fun` must return a pair (output, aux).")
        out, aux = out
    tangents_out = tree.map_structure(lambda s: KerasTensor(s.shape, dtype=s.dtype), out)
    if has_aux:
        return out, tangents_out, aux
    return out, tangents_out


@symbolic_op(_jvp_spec)
def jvp(fun: Callable, primals: tuple | list, tangents: tuple | list, has_aux: bool = False) -> tuple:
    """Forward-mode derivative: ``(fun(*primals), J(primals) @ tangents)`` (plus ``aux`` with ``has_aux``).

    Not available on the numpy backend, which has no automatic differentiation.

    Example:
        >>> out, tangent = ops.linalg.jvp(ops.square, (x,), (ops.ones_like(x),))   # tangent == 2 * x
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise ValueError(
            f"jvp: `primals` and `tangents` must be tuples or lists. Received types "
            f"{type(primals).__name__} and {type(tangents).__name__}."
        )
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: `primals` and `tangents` must have the same length. Received {len(primals)} and {len(tangents)}."
        )
    return B.linalg.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)
