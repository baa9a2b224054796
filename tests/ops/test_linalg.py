"""lamina.ops.linalg: against NumPy hand computations and against Keras 3 (same framework) as the oracle."""

import numpy as np
import pytest

import lamina
from lamina import ops
from tests.conftest import BACKEND, to_np

L = ops.linalg
RNG = np.random.default_rng(7)
M = RNG.normal(size=(3, 4, 4)).astype("float32")
SPD = M @ M.transpose(0, 2, 1) + np.eye(4, dtype="float32")
RECT = RNG.normal(size=(3, 5, 4)).astype("float32")
VEC = RNG.normal(size=(4,)).astype("float32")
RHS = RNG.normal(size=(3, 4, 2)).astype("float32")
TRI = np.tril(M) + 4 * np.eye(4, dtype="float32")
KT = lamina.KerasTensor


def _np(x):
    return np.asarray(to_np(x))


def _check(actual, expected, atol=1e-4, rtol=1e-4, dtype=None):
    actual = _np(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if dtype is not None:
        assert str(actual.dtype) == dtype, actual.dtype
    np.testing.assert_allclose(actual, expected, atol=atol, rtol=rtol)


# ----------------------------------------------------------------------------- parity with Keras

ORACLE_CASES = [
    ("cholesky", lambda o: o.linalg.cholesky(SPD)),
    ("cholesky_upper", lambda o: o.linalg.cholesky(SPD, upper=True)),
    ("det", lambda o: o.linalg.det(M)),
    ("eigh", lambda o: o.linalg.eigh(SPD)),
    ("inv", lambda o: o.linalg.inv(SPD)),
    ("lu_factor", lambda o: o.linalg.lu_factor(M)),
    ("lu_factor_rect", lambda o: o.linalg.lu_factor(RECT[0])),
    ("norm", lambda o: o.linalg.norm(M)),
    ("norm_fro", lambda o: o.linalg.norm(M[0], ord="fro")),
    ("norm_nuc", lambda o: o.linalg.norm(M, ord="nuc", axis=(1, 2))),
    ("norm_2", lambda o: o.linalg.norm(M, ord=2, axis=(1, 2), keepdims=True)),
    ("norm_-1", lambda o: o.linalg.norm(M, ord=-1, axis=(2, 1))),
    ("norm_inf_vec", lambda o: o.linalg.norm(M, ord=np.inf, axis=1)),
    ("norm_3_vec", lambda o: o.linalg.norm(M, ord=3, axis=-1)),
    ("norm_0_vec", lambda o: o.linalg.norm(M, ord=0, axis=-1)),
    ("norm_int", lambda o: o.linalg.norm(np.arange(6, dtype="int32").reshape(2, 3), axis=1)),
    ("qr", lambda o: o.linalg.qr(RECT)),
    ("qr_complete", lambda o: o.linalg.qr(RECT, mode="complete")),
    ("solve_vector", lambda o: o.linalg.solve(SPD[0], VEC)),
    ("solve_matrix", lambda o: o.linalg.solve(SPD, RHS)),
    ("solve_triangular", lambda o: o.linalg.solve_triangular(TRI, RHS, lower=True)),
    ("solve_triangular_upper", lambda o: o.linalg.solve_triangular(np.swapaxes(TRI, 1, 2), RHS)),
    ("svd_values", lambda o: o.linalg.svd(RECT, compute_uv=False)),
    ("svd_reduced_s", lambda o: o.linalg.svd(RECT, full_matrices=False)[1]),
    ("lstsq", lambda o: o.linalg.lstsq(RECT[0], RECT[1][:, 0])),
    ("lstsq_matrix", lambda o: o.linalg.lstsq(RECT[0], RECT[1])),
    ("matrix_rank", lambda o: o.linalg.matrix_rank(np.concatenate([M, M[:, :1]], axis=1))),
    ("pinv", lambda o: o.linalg.pinv(RECT)),
]


@pytest.mark.parametrize("name,fn", ORACLE_CASES, ids=[c[0] for c in ORACLE_CASES])
def test_matches_keras(keras, name, fn):
    expected = fn(keras.ops)
    actual = fn(ops)
    expected = expected if isinstance(expected, (tuple, list)) else (expected,)
    actual = actual if isinstance(actual, (tuple, list)) else (actual,)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        e = np.asarray(keras.ops.convert_to_numpy(e))
        _check(a, e, atol=2e-4, rtol=2e-4, dtype=str(e.dtype))


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy oracle's eig returns real dtypes for real spectra")
def test_eig_matches_keras(keras):
    w, v = L.eig(M)
    kw, kv = keras.ops.linalg.eig(M)
    np.testing.assert_allclose(np.sort_complex(_np(w).ravel()), np.sort_complex(np.asarray(kw).ravel()), atol=1e-4)
    assert _np(v).dtype == np.complex64


# ----------------------------------------------------------------------------- hand computations


def test_factorizations_reconstruct():
    chol = _np(L.cholesky(SPD))
    np.testing.assert_allclose(chol @ chol.transpose(0, 2, 1), SPD, atol=1e-4)
    assert np.allclose(np.triu(chol, 1), 0)
    upper = _np(L.cholesky(SPD, upper=True))
    np.testing.assert_allclose(upper.transpose(0, 2, 1) @ upper, SPD, atol=1e-4)
    q, r = (_np(v) for v in L.qr(RECT))
    assert q.shape == (3, 5, 4) and r.shape == (3, 4, 4)
    np.testing.assert_allclose(q @ r, RECT, atol=1e-5)
    np.testing.assert_allclose(q.transpose(0, 2, 1) @ q, np.broadcast_to(np.eye(4), (3, 4, 4)), atol=1e-5)
    u, s, vh = (_np(v) for v in L.svd(RECT))
    assert u.shape == (3, 5, 5) and vh.shape == (3, 4, 4)
    np.testing.assert_allclose((u[:, :, :4] * s[:, None, :]) @ vh, RECT, atol=1e-5)
    w, v = (_np(t) for t in L.eigh(SPD))
    np.testing.assert_allclose(SPD @ v, v * w[:, None, :], atol=1e-3)
    assert np.all(np.diff(w, axis=-1) >= 0)
    w, v = (_np(t) for t in L.eig(M))
    assert w.dtype == v.dtype == np.complex64
    np.testing.assert_allclose(M.astype("complex64") @ v, v * w[:, None, :], atol=1e-3)


def test_lu_factor_reconstructs_with_lapack_pivots():
    for a in (M, RECT[0], RECT[0].T):
        lu, piv = (_np(v) for v in L.lu_factor(a))
        assert piv.dtype == np.int32
        for b in np.ndindex(a.shape[:-2]):
            m, n = a.shape[-2:]
            k = min(m, n)
            lower = np.tril(lu[b], -1)[:, :k] + np.eye(m, k)
            upper = np.triu(lu[b])[:k]
            perm = np.arange(m)
            for i, p in enumerate(piv[b]):
                perm[[i, p]] = perm[[p, i]]
            np.testing.assert_allclose(lower @ upper, a[b][perm], atol=1e-5)


def test_inverses_determinants_and_solvers():
    _check(L.inv(SPD), np.linalg.inv(SPD), atol=1e-3, dtype="float32")
    _check(L.det(M), np.linalg.det(M), atol=1e-4)
    chol = L.cholesky(SPD)
    _check(L.cholesky_inverse(chol), np.linalg.inv(SPD), atol=1e-3)
    _check(L.cholesky_inverse(L.cholesky(SPD, upper=True), upper=True), np.linalg.inv(SPD), atol=1e-3)
    _check(L.solve(SPD, RHS), np.linalg.solve(SPD, RHS), atol=1e-4)
    # a batch of vectors: b has one axis fewer than a
    _check(L.solve(SPD, RHS[..., 0]), np.linalg.solve(SPD, RHS[..., :1])[..., 0], atol=1e-4)
    # solve_triangular reads only the named triangle
    noisy = TRI + np.triu(np.ones((4, 4), "float32"), 1) * 100
    _check(L.solve_triangular(noisy, RHS, lower=True), np.linalg.solve(TRI, RHS), atol=1e-4)
    _check(L.lstsq(RECT[0], RECT[1]), np.linalg.lstsq(RECT[0], RECT[1], rcond=None)[0], atol=1e-4)
    _check(L.pinv(RECT[0]), np.linalg.pinv(RECT[0]), atol=1e-4)
    singular = np.array([[1.0, 2.0], [2.0, 4.0]], "float32")
    _check(L.matrix_rank(singular), np.int32(1), dtype="int32")
    _check(L.matrix_rank(np.diag([1.0, 1e-3]).astype("float32"), tol=1e-2), np.int32(1))


@pytest.mark.parametrize("ord,axis", [(None, None), ("fro", None), ("nuc", None), (1, None), (-2, None),
                                      (np.inf, (0, 1)), (None, 0), (1, -1), (-np.inf, 1), (0.5, 0)])
def test_norm_against_numpy(ord, axis):
    x = M[0] - 0.5
    _check(L.norm(x, ord=ord, axis=axis), np.linalg.norm(x, ord=ord, axis=axis), atol=1e-4)
    _check(L.norm(x, ord=ord, axis=axis, keepdims=True), np.linalg.norm(x, ord=ord, axis=axis, keepdims=True),
           atol=1e-4)


@pytest.mark.parametrize("dtype,expected", [("int32", "float32"), ("int8", "float32"), ("float16", "float16"), ("bfloat16", "bfloat16"),
                                            ("float64", "float64")])
def test_dtypes(dtype, expected):
    if dtype == "float64" and BACKEND == "jax":
        pytest.skip("jax runs with 64-bit types disabled")
    import ml_dtypes  # noqa: F401  (registers bfloat16 with numpy)

    a = (np.eye(3) * 2 + 1).astype(dtype)
    for out in (L.inv(a), L.det(a), L.norm(a), L.solve(a, a), L.cholesky(a),
                L.svd(a, compute_uv=False), L.qr(a)[0], L.eigh(a)[0], L.lu_factor(a)[0], L.pinv(a)):
        assert str(_np(out).dtype) == expected
    assert L.inv(KT((3, 3), dtype)).dtype == expected
    assert str(_np(L.lu_factor(a)[1]).dtype) == "int32"


def test_bool_norm_is_float():
    _check(L.norm(np.array([True, False, True])), np.sqrt(2.0), dtype="float32")
    assert L.norm(KT((3,), "bool")).dtype == "float32"


def test_mixed_dtype_solve_promotes():
    out = L.solve(SPD[0], np.ones(4, "int32"))
    assert _np(out).dtype == np.float32
    assert L.solve(KT((4, 4)), KT((4,), "int32")).dtype == "float32"


def test_jvp():
    x = np.array([1.0, 2.0, 3.0], "float32")
    if BACKEND == "numpy":
        with pytest.raises(NotImplementedError, match="jvp.*numpy backend"):
            L.jvp(lambda v: ops.multiply(v, v), (x,), (np.ones(3, "float32"),))
        return
    out, tangent = L.jvp(lambda v: ops.multiply(v, v), (x,), (np.ones(3, "float32"),))
    _check(out, x * x)
    _check(tangent, 2 * x)
    out, tangent, aux = L.jvp(lambda v: (ops.multiply(v, v), v), (x,), (np.full(3, 2.0, "float32"),), has_aux=True)
    _check(tangent, 4 * x)
    _check(aux, x)


# ----------------------------------------------------------------------------- symbolic shapes


def test_symbolic_shapes():
    m = KT((None, 4, 4))
    assert L.cholesky(m).shape == (None, 4, 4)
    assert L.det(m).shape == (None,)
    w, v = L.eig(m)
    assert w.shape == (None, 4) and w.dtype == "complex64" and v.shape == (None, 4, 4)
    assert [t.shape for t in L.eigh(m)] == [(None, 4), (None, 4, 4)]
    lu, piv = L.lu_factor(KT((None, 5, 3)))
    assert lu.shape == (None, 5, 3) and piv.shape == (None, 3) and piv.dtype == "int32"
    assert L.norm(m, axis=(1, 2)).shape == (None,)
    assert L.norm(m, axis=-1, keepdims=True).shape == (None, 4, 1)
    assert L.norm(KT((None, 3), "int32")).dtype == "float32"
    assert [t.shape for t in L.qr(KT((None, 5, 3)))] == [(None, 5, 3), (None, 3, 3)]
    assert [t.shape for t in L.qr(KT((None, 5, 3)), mode="complete")] == [(None, 5, 5), (None, 5, 3)]
    assert [t.shape for t in L.svd(KT((None, 5, 3)))] == [(None, 5, 5), (None, 3), (None, 3, 3)]
    assert [t.shape for t in L.svd(KT((None, 5, 3)), full_matrices=False)] == [(None, 5, 3), (None, 3), (None, 3, 3)]
    assert L.svd(KT((None, 5, 3)), compute_uv=False).shape == (None, 3)
    assert L.solve(m, KT((None, 4))).shape == (None, 4)
    assert L.solve_triangular(m, KT((None, 4, 2))).shape == (None, 4, 2)
    assert L.lstsq(KT((5, 3)), KT((5, 2))).shape == (3, 2)
    assert L.matrix_rank(m).dtype == "int32"
    assert L.pinv(KT((None, 5, 3))).shape == (None, 3, 5)
    assert L.cholesky_inverse(m).shape == (None, 4, 4)


@pytest.mark.skipif(BACKEND == "numpy", reason="jvp needs automatic differentiation")
def test_symbolic_jvp():
    out, tangent = L.jvp(lambda v: ops.multiply(v, v), (KT((None, 3)),), (KT((None, 3)),))
    assert out.shape == tangent.shape == (None, 3)


def test_symbolic_graph_runs():
    inp = lamina.Input((4, 4))
    model = lamina.Model(inp, L.det(L.inv(inp)))
    _check(model(SPD), 1.0 / np.linalg.det(SPD), rtol=1e-3)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("call,match", [
    (lambda: L.inv(VEC), "inv: expected a \\(batch of\\) matrices of rank >= 2"),
    (lambda: L.det(RECT), "det: expected square matrices"),
    (lambda: L.cholesky(-SPD), "cholesky: decomposition failed"),
    (lambda: L.solve(SPD, np.ones((3, 5, 2), "float32")), "solve: incompatible shapes"),
    (lambda: L.solve(SPD[0], np.ones((4, 4, 4, 4), "float32")), "solve: `b` must have the rank"),
    (lambda: L.qr(M, mode="full"), "qr: `mode` must be"),
    (lambda: L.norm(M, ord="fro", axis=1), "norm: ord='fro' is a matrix norm"),
    (lambda: L.norm(M, ord=3, axis=(1, 2)), "norm: invalid `ord` for a matrix norm"),
    (lambda: L.norm(M, ord="max"), "norm: a string `ord` must be"),
    (lambda: L.norm(M, ord=2), "norm: with `ord` given and `axis=None`"),
    (lambda: L.lstsq(M, M), "lstsq: `a` must have rank 2"),
    (lambda: L.lstsq(RECT[0], np.ones(4, "float32")), "lstsq: b.shape\\[0\\] must equal"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
