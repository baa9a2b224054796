"""Indexing, selection and sorting ops (lamina.ops.numpy.indexing) against NumPy, Keras, and on KerasTensors."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend import standardize_dtype
from tests.conftest import to_np


@pytest.fixture(autouse=True)
def _fresh_names():
    """Overrides the conftest fixture: reset names only. On jax, clear_session() also empties the
    compilation caches, and recompiling every kernel in every test makes this file several times slower."""
    from lamina.utils.naming import reset_names

    reset_names()
    yield

A = np.arange(60, dtype="float32").reshape(3, 4, 5)
M = np.array([[4.0, -1.0, 7.0, 2.5], [0.0, 3.0, -2.0, 9.0], [1.5, 8.0, 6.0, -3.0]], dtype="float32")
V = np.array([5.0, 1.0, 4.0, 2.0, 3.0, 0.5], dtype="float32")
I8 = np.array([3, 1, 2, 1, 0, 3, 3], dtype="int8")

# ---------------------------------------------------------------- get_item
KEYS = [
    ("int", 1),
    ("neg_int", -1),
    ("slice", slice(1, None)),
    ("slice_step", slice(None, None, 2)),
    ("neg_step", slice(None, None, -1)),
    ("neg_step_bounds", (slice(None), slice(3, 0, -2))),
    ("neg_step_empty", (slice(None), slice(0, 3, -1))),
    ("neg_step_many", (slice(None, None, -2), slice(None), slice(-1, 0, -3))),
    ("ellipsis_neg_step", (Ellipsis, slice(None, None, -2))),
    ("newaxis", None),
    ("newaxis_mixed", (0, None, slice(None), 1)),
    ("ellipsis_newaxis", (Ellipsis, None)),
    ("ellipsis_middle", (1, Ellipsis, 2)),
    ("int_list", [2, 0]),
    ("int_array_axis1", (slice(None), np.array([0, -1, 2]))),
    ("broadcast_arrays", (np.array([[0], [2]]), np.array([1, 3]))),
    ("ints_and_array_separated", (0, slice(None), np.array([0, 1]))),
    ("ints_and_array_adjacent", (slice(None), 0, np.array([0, 4]))),
    ("int_array_int", (np.array([0, 2]), slice(None), 3)),
    ("array_then_neg_step", (np.array([1, 0]), slice(None, None, -1))),
    ("bool_mask_2d", np.arange(12).reshape(3, 4) % 3 == 0),
    ("bool_mask_axis1", (slice(None), np.array([True, False, True, False]))),
    ("bool_mask_and_int", (1, np.array([False, True, True, False]), slice(1, 3))),
    ("int8_array", np.array([2, 1], dtype="int8")),
    ("uint8_array", (slice(None), np.array([3, 1], dtype="uint8"))),
    ("scalar_array", np.array(1)),
]


@pytest.mark.parametrize("key", [k for _, k in KEYS], ids=[i for i, _ in KEYS])
def test_get_item_matches_numpy(key):
    out = ops.get_item(ops.convert_to_tensor(A), key)
    ref = A[key]
    got = to_np(out)
    assert got.shape == ref.shape
    assert standardize_dtype(out.dtype) == "float32"
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("key", [k for _, k in KEYS], ids=[i for i, _ in KEYS])
def test_get_item_spec_matches_numpy_shape(key):
    out = lamina.KerasTensor(A.shape, dtype="float32")[key]
    assert out.shape == A[key].shape
    assert out.dtype == "float32"


def test_get_item_with_backend_tensor_indices():
    idx = ops.convert_to_tensor(np.array([[1, 0]], dtype="int32"))
    mask = ops.convert_to_tensor(np.array([True, False, True]))
    x = ops.convert_to_tensor(A)
    np.testing.assert_array_equal(to_np(ops.get_item(x, (slice(None), idx))), A[:, np.array([[1, 0]])])
    np.testing.assert_array_equal(to_np(ops.get_item(x, mask)), A[np.array([True, False, True])])
    np.testing.assert_array_equal(to_np(ops.get_item(x, (Ellipsis, idx))), A[..., np.array([[1, 0]])])


def test_variable_getitem_routes_to_get_item():
    v = lamina.Variable(M)
    np.testing.assert_array_equal(to_np(v[1:, ::-1]), M[1:, ::-1])
    np.testing.assert_array_equal(to_np(v[None, :, 2]), M[None, :, 2])
    np.testing.assert_array_equal(to_np(v[[2, 0], 1]), M[[2, 0], 1])


SYMBOLIC_KEYS = [
    ((slice(None), 1), (None, 4)),
    ((Ellipsis, slice(None, 2)), (None, 5, 2)),
    (None, (1, None, 5, 4)),
    ((slice(None), slice(1, 4), None, slice(None, None, -1)), (None, 3, 1, 4)),
    ((0,), (5, 4)),
    ((slice(None), [0, 2, 4]), (None, 3, 4)),
    ((slice(None), 0, [0, 1]), (None, 2)),
    ((0, slice(None), [0, 1]), (2, 5)),
    ((Ellipsis, -1), (None, 5)),
    ((slice(2, None),), (None, 5, 4)),
    ((slice(None), slice(np.int64(1), np.int64(4)), True), (None, 3, 1, 4)),
]


@pytest.mark.parametrize("key,expected", SYMBOLIC_KEYS)
def test_keras_tensor_indexing_shapes(key, expected):
    x = lamina.KerasTensor((None, 5, 4), dtype="int8")
    y = x[key]
    assert y.shape == expected and y.dtype == "int8"


def test_keras_tensor_symbolic_index_tensors():
    x = lamina.KerasTensor((None, 5, 4))
    idx = lamina.KerasTensor((2, 3), dtype="int32")
    assert x[:, idx].shape == (None, 2, 3, 4)
    mask = lamina.KerasTensor((None, 5), dtype="bool")
    assert x[mask].shape == (None, 4)
    assert x[0, idx, 1].shape == (2, 3)


def test_get_item_records_node_and_replays():
    x = lamina.KerasTensor((None, 4))
    y = x[:, ::-1]
    op = y._keras_history.operation
    assert op.op_name == "get_item"
    out = op.call(ops.convert_to_tensor(M), *op._inbound_nodes[0].call_args[1:])
    np.testing.assert_array_equal(to_np(out), M[:, ::-1])


@pytest.mark.parametrize(
    "key,match",
    [
        ((0, 0, 0, 0), "too many indices"),
        ((Ellipsis, 0, Ellipsis), "single Ellipsis"),
        ((slice(None), 7), "index 7 is out of bounds"),
        ("a", "unsupported index"),
        ((np.array([0.5]),), "must be integers or booleans"),
    ],
)
def test_get_item_spec_errors(key, match):
    with pytest.raises(IndexError, match=match):
        lamina.KerasTensor((None, 5, 4))[key]


# ---------------------------------------------------------------- table of other ops vs NumPy
IDX = np.array([[0, 2], [-1, 1]], dtype="int32")


CASES = [
    ("take_flat", lambda x, i: ops.take(x, i), lambda x, i: np.take(x, i), [M, IDX], None),
    ("take_axis0", lambda x, i: ops.take(x, i, axis=0), lambda x, i: np.take(x, i, axis=0), [M, IDX], None),
    ("take_axis_neg", lambda x, i: ops.take(x, i, axis=-1), lambda x, i: np.take(x, i, axis=-1), [A, IDX], None),
    ("take_int8_idx", lambda x, i: ops.take(x, i, axis=1), lambda x, i: np.take(x, i, axis=1),
     [M, np.array([3, -4], "int8")], None),
    ("take_along_axis", lambda x, i: ops.take_along_axis(x, i, axis=1), lambda x, i: np.take_along_axis(x, i, 1),
     [M, np.array([[0, 3], [1, 1], [-1, 2]], "int32")], None),
    ("take_along_axis_bcast", lambda x, i: ops.take_along_axis(x, i, axis=0),
     lambda x, i: np.take_along_axis(x, i, 0), [M, np.array([[2], [0]], "int32")], None),
    ("take_along_axis_none", lambda x, i: ops.take_along_axis(x, i, axis=None),
     lambda x, i: np.take_along_axis(x.reshape(-1), i, 0), [M, np.array([11, 0, -1], "int32")], None),
    ("where3", lambda c, a, b: ops.where(c, a, b), np.where, [M > 2, M, -M], None),
    ("where3_bcast", lambda c, a, b: ops.where(c, a, b), np.where,
     [np.array([True, False, True, False]), M, np.zeros((3, 1), "float32")], None),
    ("where_int_condition", lambda c, a, b: ops.where(c, a, b), np.where,
     [np.array([0, 2, -1], "int32"), np.ones(3, "int8"), np.zeros(3, "uint8")], "int16"),
    ("where1", lambda c: ops.where(c), np.nonzero, [M > 2], "int32"),
    ("nonzero", ops.nonzero, np.nonzero, [M], "int32"),
    ("nonzero_bool", ops.nonzero, np.nonzero, [V > 2], "int32"),
    ("select", lambda c1, c2, a, b: ops.select([c1, c2], [a, b]), lambda c1, c2, a, b: np.select([c1, c2], [a, b]),
     [M > 5, M > 0, M, M * 10], None),
    ("select_default", lambda c, a: ops.select([c], [a], default=-1),
     lambda c, a: np.select([c], [a], default=-1), [I8 > 1, I8], None),
    ("sort", ops.sort, np.sort, [M], None),
    ("sort_axis0", lambda x: ops.sort(x, axis=0), lambda x: np.sort(x, axis=0), [A], None),
    ("sort_none", lambda x: ops.sort(x, axis=None), lambda x: np.sort(x, axis=None), [M], None),
    ("sort_int8", ops.sort, np.sort, [I8], None),
    ("sort_bool", ops.sort, np.sort, [V > 2], None),
    ("argsort", ops.argsort, lambda x: np.argsort(x, kind="stable"), [M], "int32"),
    ("argsort_axis0", lambda x: ops.argsort(x, axis=0), lambda x: np.argsort(x, axis=0, kind="stable"), [M], "int32"),
    ("argsort_none", lambda x: ops.argsort(x, axis=None), lambda x: np.argsort(x, axis=None, kind="stable"),
     [M], "int32"),
    ("argsort_ties_stable", ops.argsort, lambda x: np.argsort(x, kind="stable"), [I8], "int32"),
    ("searchsorted_left", lambda s, v: ops.searchsorted(s, v), np.searchsorted,
     [np.sort(V), np.array([[0.0, 2.0], [5.0, 9.0]], "float32")], "int32"),
    ("searchsorted_right", lambda s, v: ops.searchsorted(s, v, side="right"),
     lambda s, v: np.searchsorted(s, v, side="right"), [np.sort(V), np.array([0.5, 2.0, 5.0], "float32")], "int32"),
    ("searchsorted_int_seq", lambda s, v: ops.searchsorted(s, v), np.searchsorted,
     [np.array([1, 3, 5], "int32"), np.array([0.0, 3.5, 6.0], "float32")], "int32"),
    ("digitize", ops.digitize, np.digitize, [M, np.array([-2.0, 0.0, 2.5, 7.0], "float32")], "int32"),
    ("digitize_int", ops.digitize, np.digitize, [I8, np.array([1, 3], "int8")], "int32"),
    ("bincount", ops.bincount, np.bincount, [I8], "int32"),
    ("bincount_minlength", lambda x: ops.bincount(x, minlength=7), lambda x: np.bincount(x, minlength=7),
     [I8], "int32"),
    ("bincount_weights", lambda x, w: ops.bincount(x, weights=w), lambda x, w: np.bincount(x, w),
     [I8, np.arange(7, dtype="float32") / 2], "float32"),
    ("bincount_int_weights", lambda x, w: ops.bincount(x, weights=w), lambda x, w: np.bincount(x, w),
     [I8, np.arange(7, dtype="int8")], "int8"),
    ("bincount_2d", lambda x: ops.bincount(x, minlength=3), None,
     [np.array([[0, 1, 1], [4, 4, 0]], "int32")], "int32"),
]
CASES_REF_2D = {"bincount_2d": [np.array([[1, 2, 0, 0, 0], [1, 0, 0, 0, 2]])]}


def _ids(cases):
    return [c[0] for c in cases]


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _check(out, ref, dtype=None):
    outs, refs = _as_list(out), _as_list(ref)
    assert len(outs) == len(refs)
    for o, r in zip(outs, refs):
        r = np.asarray(r)
        got = to_np(o)
        assert got.shape == r.shape
        assert standardize_dtype(o.dtype) == (dtype or standardize_dtype(r.dtype))
        np.testing.assert_allclose(got, r.astype(got.dtype), rtol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_values_match_numpy(case):
    name, fn, ref, inputs, dtype = case
    out = fn(*[ops.convert_to_tensor(x) for x in inputs])
    expected = CASES_REF_2D[name] if ref is None else ref(*inputs)
    _check(out, expected, dtype)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_symbolic_spec_matches_real_output(case):
    name, fn, _, inputs, _ = case
    real = _as_list(fn(*[ops.convert_to_tensor(x) for x in inputs]))
    sym = _as_list(fn(*[lamina.KerasTensor(x.shape, dtype=x.dtype.name) for x in inputs]))
    assert [s.dtype for s in sym] == [standardize_dtype(r.dtype) for r in real]
    for s, r in zip(sym, real):
        # Data-dependent lengths (nonzero, bincount) are None in the spec.
        assert len(s.shape) == len(r.shape)
        assert all(d is None or d == rd for d, rd in zip(s.shape, r.shape))
    if name.startswith(("take", "where3", "select", "sort", "argsort", "searchsorted", "digitize")):
        assert [s.shape for s in sym] == [tuple(r.shape) for r in real]


def test_take_python_int_and_list_indices():
    x = ops.convert_to_tensor(M)
    _check(ops.take(x, 2, axis=1), np.take(M, 2, axis=1))
    _check(ops.take(x, [0, -1]), np.take(M, [0, -1]))
    _check(ops.take(x, [[1], [0]], axis=0), np.take(M, [[1], [0]], axis=0))


@pytest.mark.parametrize(
    "x1,x2,dtype",
    [(1, 2, "int32"), (1.0, 0, "float32"), (np.int8(3), 2, "int8"), ("int8", 1.5, "float32"),
     ("int8", "uint8", "int16"), (True, False, "bool"), ("float16", 2, "float16")],
)
def test_where_promotes_like_keras(keras, x1, x2, dtype):
    cond = np.array([True, False, True])

    def arg(v):
        return np.array([1, 2, 3], dtype=v) if isinstance(v, str) else v

    ours = ops.where(ops.convert_to_tensor(cond), arg(x1), arg(x2))
    theirs = keras.ops.where(cond, arg(x1), arg(x2))
    assert standardize_dtype(ours.dtype) == dtype
    assert standardize_dtype(theirs.dtype) == dtype or isinstance(x1, np.generic)
    np.testing.assert_array_equal(to_np(ours), np.where(cond, arg(x1), arg(x2)).astype(dtype))
    sym = ops.where(lamina.KerasTensor((3,), dtype="bool"), arg(x1), arg(x2))
    assert sym.shape == (3,) and sym.dtype == dtype


def test_select_promotes_default():
    out = ops.select([ops.convert_to_tensor(I8 > 1)], [ops.convert_to_tensor(I8)], default=1.5)
    _check(out, np.select([I8 > 1], [I8.astype("float32")], default=1.5), "float32")


def test_argpartition_partitions():
    for kth in (0, 2, -1):
        idx = ops.argpartition(ops.convert_to_tensor(M), kth, axis=1)
        assert standardize_dtype(idx.dtype) == "int32"
        part = np.take_along_axis(M, to_np(idx).astype("int64"), axis=1)
        k = kth % M.shape[1]
        np.testing.assert_array_equal(part[:, k], np.sort(M, axis=1)[:, k])
        assert (part[:, :k] <= part[:, k:k + 1]).all() and (part[:, k + 1:] >= part[:, k:k + 1]).all()
        np.testing.assert_array_equal(np.sort(to_np(idx), axis=1), np.tile(np.arange(4), (3, 1)))
    flat = ops.argpartition(ops.convert_to_tensor(M), 5, axis=None)
    assert flat.shape == (12,)
    assert M.reshape(-1)[to_np(flat)[5]] == np.sort(M, axis=None)[5]


def test_searchsorted_scalar_value():
    out = ops.searchsorted(ops.convert_to_tensor(np.sort(V)), 2.0, side="right")
    assert to_np(out).shape == () and int(to_np(out)) == int(np.searchsorted(np.sort(V), 2.0, side="right"))


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_unique_matches_numpy(axis):
    x = np.array([[3, 1, 3], [1, 2, 1], [3, 1, 3], [0, 0, 0]], dtype="int32")
    vals, index, inverse, counts = ops.unique(
        ops.convert_to_tensor(x), return_index=True, return_inverse=True, return_counts=True, axis=axis
    )
    rv, ri, rinv, rc = np.unique(x, return_index=True, return_inverse=True, return_counts=True, axis=axis)
    _check(vals, rv, "int32")
    _check(index, ri, "int32")
    _check(inverse, rinv.reshape(x.shape if axis is None else -1), "int32")
    _check(counts, rc, "int32")


def test_unique_fixed_size_pads_and_truncates():
    x = ops.convert_to_tensor(np.array([3, 1, 2, 1], "int32"))
    vals, counts = ops.unique(x, size=5, fill_value=-7, return_counts=True)
    _check(vals, np.array([1, 2, 3, -7, -7]), "int32")
    _check(counts, np.array([2, 1, 1, 0, 0]), "int32")
    _check(ops.unique(x, size=2), np.array([1, 2]), "int32")
    _check(ops.unique(x), np.array([1, 2, 3]), "int32")
    _, index = ops.unique(x, size=4, return_index=True)
    np.testing.assert_array_equal(to_np(index)[:3], [1, 2, 0])


def test_unique_spec():
    x = lamina.KerasTensor((None, 3), dtype="int8")
    vals, idx, inv, counts = ops.unique(x, return_index=True, return_inverse=True, return_counts=True)
    assert (vals.shape, vals.dtype) == ((None,), "int8")
    assert idx.dtype == inv.dtype == counts.dtype == "int32"
    assert inv.shape == (None, 3)
    assert ops.unique(x, axis=1, size=4).shape == (None, 4)
    assert ops.unique(x, axis=0, return_inverse=True)[1].shape == (None,)


@pytest.mark.parametrize(
    "x,bins,rng",
    [(V, 3, None), (M.reshape(-1), 4, (-1.0, 5.0)), (np.array([2.0, 2.0], "float32"), 2, None),
     (np.array([1, 5, 2, 5, 3], "int32"), 4, None)],
)
def test_histogram_matches_numpy(x, bins, rng):
    counts, edges = ops.histogram(ops.convert_to_tensor(x), bins=bins, range=rng)
    rc, re = np.histogram(x, bins=bins, range=rng)
    assert standardize_dtype(counts.dtype) == standardize_dtype(edges.dtype) == "float32"
    np.testing.assert_array_equal(to_np(counts), rc)
    np.testing.assert_allclose(to_np(edges), re, rtol=1e-6)
    sc, se = ops.histogram(lamina.KerasTensor(x.shape, dtype=x.dtype.name), bins=bins, range=rng)
    assert (sc.shape, se.shape, sc.dtype) == ((bins,), (bins + 1,), "float32")


# ---------------------------------------------------------------- symbolic None dims and errors
SYMBOLIC = [
    ("take", lambda x, i: ops.take(x, i, axis=1), [((None, 5), "float32"), ((2, 3), "int32")], (None, 2, 3), "float32"),
    ("take_flat", lambda x, i: ops.take(x, i), [((None, 5), "float32"), ((4,), "int32")], (4,), "float32"),
    ("take_along_axis", lambda x, i: ops.take_along_axis(x, i, axis=1),
     [((None, 5), "float16"), ((1, 2), "int32")], (None, 2), "float16"),
    ("where", lambda c, a, b: ops.where(c, a, b), [((None, 1), "bool"), ((1, 4), "int8"), ((), "float32")],
     (None, 4), "float32"),
    ("sort", lambda x: ops.sort(x, axis=0), [((None, 3), "int8")], (None, 3), "int8"),
    ("argsort_none", lambda x: ops.argsort(x, axis=None), [((None, 3), "float32")], (None,), "int32"),
    ("argsort_known", lambda x: ops.argsort(x, axis=None), [((2, 3), "float32")], (6,), "int32"),
    ("searchsorted", ops.searchsorted, [((None,), "float32"), ((None, 2), "float32")], (None, 2), "int32"),
    ("digitize", ops.digitize, [((None, 2), "float32"), ((4,), "float32")], (None, 2), "int32"),
    ("bincount", ops.bincount, [((None,), "int32")], (None,), "int32"),
    ("bincount_2d_w", lambda x, w: ops.bincount(x, weights=w), [((4, None), "int32"), ((4, None), "float16")],
     (4, None), "float16"),
    ("select", lambda c, a: ops.select([c], [a]), [((None, 3), "bool"), ((None, 3), "int8")], (None, 3), "int8"),
]


@pytest.mark.parametrize("case", SYMBOLIC, ids=_ids(SYMBOLIC))
def test_symbolic_none_dims(case):
    _, fn, inputs, shape, dtype = case
    out = fn(*[lamina.KerasTensor(s, dtype=d) for s, d in inputs])
    assert out.shape == shape and out.dtype == dtype


def test_symbolic_nonzero_and_one_arg_where():
    x = lamina.KerasTensor((None, 3))
    for out in (ops.nonzero(x), ops.where(x)):
        assert isinstance(out, tuple) and len(out) == 2
        assert all(o.shape == (None,) and o.dtype == "int32" for o in out)


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda: ops.where(lamina.KerasTensor((2,)), 1), ValueError, "where: pass both x1 and x2"),
        (lambda: ops.where(ops.convert_to_tensor(V > 1), None, 1), ValueError, "where: pass both x1 and x2"),
        (lambda: ops.take_along_axis(lamina.KerasTensor((2, 3)), lamina.KerasTensor((2,), dtype="int32"), 1),
         ValueError, "take_along_axis: x and indices must have the same rank"),
        (lambda: ops.searchsorted(lamina.KerasTensor((2, 3)), lamina.KerasTensor((2,))), ValueError,
         "searchsorted: sorted_sequence must be 1-D"),
        (lambda: ops.searchsorted(ops.convert_to_tensor(M), ops.convert_to_tensor(V)), ValueError,
         "searchsorted: sorted_sequence must be 1-D"),
        (lambda: ops.searchsorted(ops.convert_to_tensor(V), 1.0, side="middle"), ValueError, "side must be"),
        (lambda: ops.select([lamina.KerasTensor((2,), dtype="bool")], []), ValueError, "select: condlist and choicelist"),
        (lambda: ops.select([ops.convert_to_tensor(V)], [ops.convert_to_tensor(V)]), TypeError,
         "select: conditions must be boolean"),
        (lambda: ops.argpartition(ops.convert_to_tensor(V), 1.5), ValueError, "argpartition: kth must be an integer"),
        (lambda: ops.argpartition(lamina.KerasTensor((3,)), 3), ValueError, "argpartition: kth=3 is out of bounds"),
        (lambda: ops.bincount(ops.convert_to_tensor(V)), TypeError, "bincount: x must hold non-negative integers"),
        (lambda: ops.bincount(ops.convert_to_tensor(I8), sparse=True), ValueError, "bincount: sparse=True"),
        (lambda: ops.histogram(ops.convert_to_tensor(M)), ValueError, "histogram: x must be 1-D"),
        (lambda: ops.histogram(ops.convert_to_tensor(V), bins=0), ValueError, "histogram: bins must be"),
        (lambda: ops.take(ops.convert_to_tensor(V), ops.convert_to_tensor(V)), TypeError, "take: indices must be integers"),
        (lambda: ops.sort(lamina.KerasTensor((2, 3)), axis=2), ValueError, "sort: axis 2 is out of bounds"),
        (lambda: ops.where(lamina.KerasTensor((2,), dtype="bool"), lamina.KerasTensor((3,)), 0), ValueError,
         "where: input shapes"),
        (lambda: lamina.KerasTensor((2, 3))[:, ::0], ValueError, "slice step cannot be zero"),
    ],
)
def test_bad_input_errors_name_the_op(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---------------------------------------------------------------- dtype and value parity with Keras
ORACLE = [
    ("argsort", lambda o: o.argsort(M)),
    ("sort_int8", lambda o: o.sort(I8)),
    ("nonzero", lambda o: o.nonzero(M > 2)[1]),
    ("searchsorted", lambda o: o.searchsorted(np.sort(V), V)),
    ("digitize", lambda o: o.digitize(V, np.array([1.0, 3.0], "float32"))),
    ("bincount", lambda o: o.bincount(I8)),
    ("bincount_weights", lambda o: o.bincount(I8, weights=np.ones(7, "float16"))),
    ("take", lambda o: o.take(M, np.array([0, 2], "int32"), axis=1)),
    ("take_along_axis", lambda o: o.take_along_axis(M, np.array([[0], [1], [3]], "int32"), axis=1)),
    ("where", lambda o: o.where(M > 2, M, 0)),
    ("select", lambda o: o.select([M > 5, M < 0], [M, -M])),
    ("get_item", lambda o: o.get_item(M, (slice(None), 1))),
    ("unique", lambda o: o.unique(I8)),
]


@pytest.mark.parametrize("case", ORACLE, ids=_ids(ORACLE))
def test_dtype_and_values_match_keras(keras, case):
    _, call = case
    ours, theirs = call(ops), call(keras.ops)
    assert standardize_dtype(ours.dtype) == standardize_dtype(theirs.dtype)
    np.testing.assert_array_equal(to_np(ours), keras.ops.convert_to_numpy(theirs))
