"""Control-flow and structural ops (lamina/ops/control_flow.py) against NumPy references and Keras 3."""

import numpy as np
import pytest

import lamina
from lamina.utils import tree
from lamina import ops
from lamina.core.keras_tensor import KerasTensor
from lamina.backend.common.scopes import SymbolicScope
from tests.conftest import BACKEND, assert_close, requires_training, to_np

T = ops.convert_to_tensor


def np_of(structure):
    return tree.map_structure(lambda v: None if v is None else to_np(v), structure)


# --- cond / switch ---------------------------------------------------------------

@pytest.mark.parametrize("pred", [True, False, np.bool_(True), "tensor_true", "tensor_false"])
def test_cond_picks_branch(pred):
    if isinstance(pred, str):
        pred = T(pred == "tensor_true")
    x = T(np.array([1.0, 2.0], "float32"))
    out = ops.cond(pred, lambda: (x * 2, {"a": x + 1}), lambda: (x * 0, {"a": x - 1}))
    taken = bool(to_np(pred)) if not isinstance(pred, bool) else pred
    assert_close(out[0], [2.0, 4.0] if taken else [0.0, 0.0])
    assert_close(out[1]["a"], [2.0, 3.0] if taken else [0.0, 1.0])


def test_cond_matches_keras(keras):
    for p in (True, False):
        ours = ops.cond(T(p), lambda: T(np.float32(3.0)), lambda: T(np.float32(-3.0)))
        theirs = keras.ops.cond(keras.ops.convert_to_tensor(p), lambda: 3.0, lambda: -3.0)
        assert_close(ours, keras.ops.convert_to_numpy(theirs))


def test_cond_errors():
    with pytest.raises(ValueError, match="cond: `pred` must be a scalar"):
        ops.cond(T([True, False]), lambda: 1, lambda: 2)
    with pytest.raises(TypeError, match="cond: `true_fn` must be callable"):
        ops.cond(True, 1, lambda: 2)


def test_cond_symbolic_spec_and_node():
    x = KerasTensor((None, 3))
    pred = KerasTensor((), dtype="bool")
    out = ops.cond(pred, lambda: x * 2, lambda: x - 1)
    assert out.shape == (None, 3) and out.dtype == "float32"
    assert out._keras_history.operation.op_name == "cond"
    y = KerasTensor((4, 3))
    merged = ops.cond(pred, lambda: x, lambda: y)  # known and unknown dims merge to None
    assert merged.shape == (None, 3)
    with pytest.raises(ValueError, match="same shape and dtype"):
        ops.cond(pred, lambda: x, lambda: KerasTensor((None, 4)))
    with pytest.raises(ValueError, match="same structure"):
        ops.cond(pred, lambda: (x, x), lambda: x)


@pytest.mark.parametrize("index,expected", [(0, 7.0), (1, 3.0), (2, 10.0), (-4, 7.0), (9, 10.0)])
def test_switch_clamps_index(index, expected):
    branches = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b]
    a, b = T(np.float32(5.0)), T(np.float32(2.0))
    assert_close(ops.switch(index, branches, a, b), expected)
    assert_close(ops.switch(T(np.int32(index)), branches, a, b), expected)


def test_switch_matches_keras_and_symbolic(keras):
    branches = [lambda a: a + 1.0, lambda a: a * 3.0]
    for i in (0, 1):
        ours = ops.switch(i, branches, T(np.array([1.0, 2.0], "float32")))
        theirs = keras.ops.switch(i, branches, keras.ops.convert_to_tensor(np.array([1.0, 2.0], "float32")))
        assert_close(ours, keras.ops.convert_to_numpy(theirs))
    spec = ops.switch(KerasTensor((), dtype="int32"), branches, KerasTensor((None, 2)))
    assert spec.shape == (None, 2) and spec.dtype == "float32"
    with pytest.raises(ValueError, match="switch: `branches` must be a non-empty list"):
        ops.switch(0, [], T(1.0))


# --- while_loop / fori_loop ------------------------------------------------------

def test_while_loop_scalar_tuple_list_dict(keras):
    assert int(to_np(ops.while_loop(lambda i: i < 10, lambda i: i + 1, 0))) == 10
    out = ops.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), (0, 0))
    assert isinstance(out, tuple) and [int(to_np(v)) for v in out] == [5, 10]
    out = ops.while_loop(lambda i, s: i < 3, lambda i, s: [i + 1, s * 2.0], [0, T(np.float32(1.0))])
    assert isinstance(out, list) and float(to_np(out[1])) == 8.0
    out = ops.while_loop(lambda d: d["n"] < 4, lambda d: {"n": d["n"] + 1, "v": d["v"] * 2}, {"n": 0, "v": T([1, 2])})
    assert int(to_np(out["n"])) == 4 and to_np(out["v"]).tolist() == [16, 32]
    theirs = keras.ops.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), (0, 0))
    assert [int(keras.ops.convert_to_numpy(v)) for v in theirs] == [5, 10]


def test_while_loop_maximum_iterations():
    out = ops.while_loop(lambda i: i < 100, lambda i: i + 1, T(np.int32(0)), maximum_iterations=7)
    assert int(to_np(out)) == 7
    out = ops.while_loop(lambda i: i < 3, lambda i: i + 1, T(np.int32(0)), maximum_iterations=7)
    assert int(to_np(out)) == 3
    out = ops.while_loop(lambda i: i < 3, lambda i: i + 1, T(np.int32(0)), maximum_iterations=0)
    assert int(to_np(out)) == 0


def test_while_loop_carry_must_keep_dtype_and_structure():
    with pytest.raises((ValueError, TypeError), match="dtype|type"):
        ops.while_loop(lambda x: x < 3, lambda x: T(np.float32(5.0)), T(np.int32(0)))
    with pytest.raises(ValueError, match="while_loop: the loop body returned 1 values, expected 2"):
        ops.while_loop(lambda a, b: a < 3, lambda a, b: (a + 1,), (0, 0))
    with pytest.raises(TypeError, match="while_loop: `body` must be callable"):
        ops.while_loop(lambda a: a < 3, None, 0)


def test_fori_loop_values(keras):
    assert int(to_np(ops.fori_loop(0, 10, lambda i, s: s + i, 0))) == 45
    out = ops.fori_loop(2, 5, lambda i, s: (s[0] + i, s[1] * 2.0), (0, T(np.float32(1.0))))
    assert int(to_np(out[0])) == 9 and float(to_np(out[1])) == 8.0
    assert int(to_np(ops.fori_loop(T(np.int32(0)), T(np.int32(4)), lambda i, s: s + 1, 0))) == 4
    theirs = keras.ops.fori_loop(0, 10, lambda i, s: s + i, 0)
    assert int(keras.ops.convert_to_numpy(theirs)) == 45


def test_loop_specs_on_keras_tensors():
    x = KerasTensor((None, 4), dtype="float16")
    out = ops.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v), (KerasTensor((), dtype="int32"), x))
    assert [(o.shape, o.dtype) for o in out] == [((), "int32"), ((None, 4), "float16")]
    assert out[1]._keras_history.operation.op_name == "while_loop"
    d = ops.while_loop(lambda s: True, lambda s: s, {"a": x})
    assert d["a"].shape == (None, 4)
    f = ops.fori_loop(0, 3, lambda i, v: v, x)
    assert f.shape == (None, 4) and f.dtype == "float16"


# --- scan ------------------------------------------------------------------------

def scan_reference(f, init, xs, reverse=False):
    carry, ys = init, []
    order = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
    out = [None] * len(xs)
    for i in order:
        carry, y = f(carry, xs[i])
        out[i] = y
    return carry, np.stack(out)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_cumulative_sum_matches_reference_and_keras(reverse, keras):
    xs = np.array([1.0, 2.0, 3.0, 4.0, 5.0], "float32")
    f = lambda c, x: (c + x, c * x)  # noqa: E731
    carry, ys = ops.scan(f, T(np.float32(0.0)), T(xs), reverse=reverse)
    ref_c, ref_y = scan_reference(f, np.float32(0.0), xs, reverse)
    assert_close(carry, ref_c)
    assert_close(ys, ref_y)
    assert to_np(ys).dtype == np.float32
    k_c, k_y = keras.ops.scan(f, keras.ops.convert_to_tensor(np.float32(0.0)), keras.ops.convert_to_tensor(xs),
                              reverse=reverse)
    assert_close(ys, keras.ops.convert_to_numpy(k_y))
    assert_close(carry, keras.ops.convert_to_numpy(k_c))


def test_scan_structures_length_and_none_ys():
    xs = {"a": T(np.arange(4, dtype="float32")), "b": T(np.ones((4, 2), "float32"))}
    carry, ys = ops.scan(lambda c, x: ((c[0] + x["a"], c[1] + x["b"]), {"s": x["a"] * 2, "t": x["b"]}),
                         (T(np.float32(0.0)), T(np.zeros(2, "float32"))), xs)
    assert float(to_np(carry[0])) == 6.0 and to_np(carry[1]).tolist() == [4.0, 4.0]
    assert to_np(ys["s"]).tolist() == [0.0, 2.0, 4.0, 6.0] and to_np(ys["t"]).shape == (4, 2)
    c, ys = ops.scan(lambda c, _: (c * 2, c), T(np.int32(1)), length=5)
    assert int(to_np(c)) == 32 and to_np(ys).tolist() == [1, 2, 4, 8, 16]
    c, ys = ops.scan(lambda c, x: (c + x, None), T(np.float32(0.0)), T(np.ones(3, "float32")))
    assert float(to_np(c)) == 3.0 and ys is None


def test_scan_errors():
    with pytest.raises(ValueError, match="scan: pass `xs`"):
        ops.scan(lambda c, x: (c, x), 0)
    with pytest.raises(ValueError, match="`unroll` must be a positive integer"):
        ops.scan(lambda c, x: (c, x), 0, T([1, 2]), unroll=0)
    with pytest.raises(ValueError, match="`length`=3 does not match the leading dimension 2"):
        ops.scan(lambda c, x: (c, x), 0, T([1, 2]), length=3)
    with pytest.raises(ValueError, match="same leading dimension"):
        ops.scan(lambda c, x: (c, x), 0, (T([1, 2]), T([1, 2, 3])))
    with pytest.raises(ValueError, match="scan: `f` must return a pair"):
        ops.scan(lambda c, x: c, T(np.int32(0)), T(np.array([1, 2], "int32")))


def test_scan_symbolic_spec():
    xs = KerasTensor((7, None, 3))
    carry, ys = ops.scan(lambda c, x: (c + x, {"y": x * 2}), KerasTensor((None, 3)), xs)
    assert carry.shape == (None, 3)
    assert ys["y"].shape == (7, None, 3) and ys["y"].dtype == "float32"
    assert ys["y"]._keras_history.operation.op_name == "scan"
    c, ys = ops.scan(lambda c, _: (c, c), KerasTensor((2,), dtype="int32"), length=4)
    assert ys.shape == (4, 2) and ys.dtype == "int32"


# --- associative_scan --------------------------------------------------------------

@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan_sum(reverse):
    for n in (1, 2, 3, 5, 8, 9):  # lengths around powers of two
        x = np.arange(1, n + 1, dtype="float32")
        out = ops.associative_scan(lambda a, b: a + b, T(x), reverse=reverse)
        expected = np.cumsum(x[::-1])[::-1] if reverse else np.cumsum(x)
        assert_close(out, expected)


@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan_non_commutative_structure(reverse):
    # Composition of affine maps v -> a * v + b, applied in order: associative, not commutative.
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 1.5, (6, 2)).astype("float32")
    b = rng.uniform(-1, 1, (6, 2)).astype("float32")

    def compose(first, second):
        return {"a": first["a"] * second["a"], "b": second["a"] * first["b"] + second["b"]}

    out = ops.associative_scan(compose, {"a": T(a), "b": T(b)}, reverse=reverse)
    idx = range(5, -1, -1) if reverse else range(6)
    ra, rb, acc = np.zeros_like(a), np.zeros_like(b), None
    for i in idx:
        cur = {"a": a[i], "b": b[i]}
        acc = cur if acc is None else compose(acc, cur)
        ra[i], rb[i] = acc["a"], acc["b"]
    assert_close(out["a"], ra, atol=1e-5)
    assert_close(out["b"], rb, atol=1e-5)


def test_associative_scan_axis_matches_keras(keras):
    x = np.arange(12, dtype="float32").reshape(3, 4)
    out = ops.associative_scan(lambda a, b: a + b, T(x), axis=1)
    assert_close(out, np.cumsum(x, axis=1))
    theirs = keras.ops.associative_scan(lambda a, b: a + b, keras.ops.convert_to_tensor(x), axis=-1)
    assert_close(ops.associative_scan(lambda a, b: a + b, T(x), axis=-1), keras.ops.convert_to_numpy(theirs))
    spec = ops.associative_scan(lambda a, b: a * b, KerasTensor((None, 4)), axis=1)
    assert spec.shape == (None, 4)
    with pytest.raises(ValueError, match="same size along axis"):
        ops.associative_scan(lambda a, b: a, [T(np.ones(3)), T(np.ones(4))])


# --- map / vectorized_map ----------------------------------------------------------

def test_map_values_structures_and_keras(keras):
    xs = np.arange(5, dtype="float32")
    out = ops.map(lambda x: {"sq": x * x, "ten": x * 10}, T(xs))
    assert_close(out["sq"], xs ** 2)
    assert_close(out["ten"], xs * 10)
    pair = ops.map(lambda p: p[0] + p[1], (T(xs), T(np.ones(5, "float32"))))
    assert_close(pair, xs + 1)
    theirs = keras.ops.map(lambda x: x * x, keras.ops.convert_to_tensor(xs))
    assert_close(ops.map(lambda x: x * x, T(xs)), keras.ops.convert_to_numpy(theirs))
    spec = ops.map(lambda x: x * 2, KerasTensor((6, None)))
    assert spec.shape == (6, None)


def test_vectorized_map(keras):
    x = np.arange(12, dtype="float32").reshape(3, 4)
    out = ops.vectorized_map(lambda row: row * 2 + 1, T(x))
    assert_close(out, x * 2 + 1)
    out = ops.vectorized_map(lambda rows: rows[0] * rows[1], [T(x), T(x)])
    assert_close(out, x * x)
    theirs = keras.ops.vectorized_map(lambda row: row * 2 + 1, keras.ops.convert_to_tensor(x))
    assert_close(ops.vectorized_map(lambda row: row * 2 + 1, T(x)), keras.ops.convert_to_numpy(theirs))
    spec = ops.vectorized_map(lambda row: row[:2], KerasTensor((None, 4)))
    assert spec.shape == (None, 2)


# --- slice / slice_update -----------------------------------------------------------

def test_slice_values_and_clamping(keras):
    x = np.arange(30, dtype="float32").reshape(5, 6)
    assert_close(ops.slice(T(x), (1, 2), (2, 3)), x[1:3, 2:5])
    assert_close(ops.slice(T(x), T(np.array([3, 0], "int32")), (2, 6)), x[3:5, :])
    assert_close(ops.slice(T(x), (2, 4), (-1, -1)), x[2:, 4:])
    # Start indices are clamped so the window fits, as jax.lax.dynamic_slice does.
    assert_close(ops.slice(T(x), (4, 5), (2, 2)), x[3:5, 4:6])
    theirs = keras.ops.slice(keras.ops.convert_to_tensor(x), (1, 2), (2, 3))
    assert_close(ops.slice(T(x), (1, 2), (2, 3)), keras.ops.convert_to_numpy(theirs))


def test_slice_errors_and_spec():
    x = T(np.zeros((4, 4), "float32"))
    with pytest.raises(ValueError, match="slice: `start_indices` must hold one index per dimension"):
        ops.slice(x, (0,), (2, 2))
    with pytest.raises(ValueError, match="slice: the slice shape must have one size per dimension"):
        ops.slice(x, (0, 0), (2,))
    with pytest.raises(ValueError, match=r"slice: slice sizes must lie in \[0, dim\]"):
        ops.slice(x, (0, 0), (5, 1))
    spec = ops.slice(KerasTensor((None, 8), dtype="int32"), (0, 3), (2, -1))
    assert spec.shape == (2, 5) and spec.dtype == "int32"
    assert ops.slice(KerasTensor((None, 8)), (0, 3), (-1, 4)).shape == (None, 4)


def test_slice_update_out_of_place(keras):
    x = np.zeros((4, 5), "float32")
    xt = T(x)
    out = ops.slice_update(xt, (1, 2), T(np.ones((2, 3), "float32")))
    expected = x.copy()
    expected[1:3, 2:5] = 1.0
    assert_close(out, expected)
    assert to_np(xt).sum() == 0  # inputs unchanged
    out = ops.slice_update(T(np.zeros(4, "int32")), T(np.array([1], "int32")), T(np.array([7.9, 2.1], "float32")))
    assert to_np(out).dtype == np.int32 and to_np(out).tolist() == [0, 7, 2, 0]
    theirs = keras.ops.slice_update(keras.ops.convert_to_tensor(x), (1, 2), keras.ops.ones((2, 3)))
    assert_close(ops.slice_update(T(x), (1, 2), T(np.ones((2, 3), "float32"))), keras.ops.convert_to_numpy(theirs))
    with pytest.raises(ValueError, match="slice_update: `updates` must have the rank of `inputs`"):
        ops.slice_update(xt, (0, 0), T(np.ones(3, "float32")))
    assert ops.slice_update(KerasTensor((None, 5)), (0, 0), KerasTensor((1, 2))).shape == (None, 5)


# --- scatter / scatter_update -------------------------------------------------------

def test_scatter_sums_duplicates_and_slices(keras):
    out = ops.scatter(T(np.array([[0, 1], [1, 1], [0, 1]], "int32")), T(np.array([1.0, 2.0, 3.0], "float32")), (2, 2))
    assert_close(out, [[0.0, 4.0], [0.0, 2.0]])
    rows = ops.scatter(T(np.array([[2], [0]], "int32")), T(np.ones((2, 3), "float32")), (4, 3))
    assert_close(rows, [[1, 1, 1], [0, 0, 0], [1, 1, 1], [0, 0, 0]])
    theirs = keras.ops.scatter(np.array([[0, 1], [1, 1]]), np.array([1.0, 1.0], "float32"), (2, 2))
    assert_close(ops.scatter([[0, 1], [1, 1]], np.array([1.0, 1.0], "float32"), (2, 2)),
                 keras.ops.convert_to_numpy(theirs))
    spec = ops.scatter(KerasTensor((None, 2), dtype="int32"), KerasTensor((None,), dtype="float16"), (3, 3))
    assert spec.shape == (3, 3) and spec.dtype == "float16"


@pytest.mark.parametrize("reduction,ufunc", [
    (None, None), ("add", np.add), ("max", np.maximum), ("min", np.minimum), ("mul", np.multiply),
])
def test_scatter_update_reductions(reduction, ufunc):
    base = np.array([1.0, 5.0, -2.0, 3.0], "float32")
    idx = np.array([[0], [2], [2], [3]], "int32")
    upd = np.array([4.0, 1.0, -3.0, 0.5], "float32")
    inputs = T(base)
    out = ops.scatter_update(inputs, T(idx), T(upd), reduction=reduction)
    expected = base.copy()
    if ufunc is None:
        expected[[0, 3]] = [4.0, 0.5]  # index 2 is written twice: either write may win
        got = to_np(out)
        assert got[2] in (1.0, -3.0)
        expected[2] = got[2]
    else:
        ufunc.at(expected, idx[:, 0], upd)
    assert_close(out, expected)
    assert_close(inputs, base)  # out-of-place


def test_scatter_update_slices_keras_and_errors(keras):
    x = np.zeros((3, 2, 2), "float32")
    idx = [[1, 0], [2, 1]]
    upd = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")
    out = ops.scatter_update(T(x), idx, T(upd))
    expected = x.copy()
    expected[1, 0], expected[2, 1] = upd
    assert_close(out, expected)
    theirs = keras.ops.scatter_update(keras.ops.convert_to_tensor(x), idx, keras.ops.convert_to_tensor(upd))
    assert_close(out, keras.ops.convert_to_numpy(theirs))
    with pytest.raises(ValueError, match="scatter_update: invalid reduction 'sum'"):
        ops.scatter_update(T(x), idx, T(upd), reduction="sum")
    with pytest.raises(ValueError, match="each index has 4 coordinates but the target has rank 3"):
        ops.scatter_update(T(x), [[0, 0, 0, 0]], T(np.ones(1, "float32")))
    spec = ops.scatter_update(KerasTensor((None, 4)), KerasTensor((2, 2), dtype="int32"), KerasTensor((2,)))
    assert spec.shape == (None, 4)


# --- unstack / saturate_cast / stop_gradient ---------------------------------------------

@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack(axis, keras):
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    out = ops.unstack(T(x), axis=axis)
    expected = [np.take(x, i, axis=axis) for i in range(x.shape[axis])]
    assert isinstance(out, list) and len(out) == len(expected)
    for o, e in zip(out, expected):
        assert_close(o, e)
    theirs = keras.ops.unstack(keras.ops.convert_to_tensor(x), axis=axis)
    assert len(theirs) == len(out)


def test_unstack_errors_and_spec():
    with pytest.raises(ValueError, match="unstack: `num`=3 does not match dimension 2"):
        ops.unstack(T(np.zeros((2, 3))), num=3)
    specs = ops.unstack(KerasTensor((None, 3), dtype="int8"), axis=1)
    assert len(specs) == 3 and specs[0].shape == (None,) and specs[0].dtype == "int8"
    assert len(ops.unstack(KerasTensor((None, 3)), num=5)) == 5
    with pytest.raises(ValueError, match="unstack: cannot infer `num`"):
        ops.unstack(KerasTensor((None, 3)))


@pytest.mark.parametrize("values,in_dtype,out_dtype", [
    ([-1.0, 256.0, 3.7, np.inf, -np.inf], "float32", "uint8"),
    ([-300, 5, 300], "int32", "int8"),
    ([70000.0, -70000.0, 1.0], "float32", "float16"),
    ([1.0, 0.0, 2.0], "float32", "bool"),
])
def test_saturate_cast_matches_keras(values, in_dtype, out_dtype, keras):
    x = np.array(values, dtype=in_dtype)
    out = ops.saturate_cast(T(x), out_dtype)
    assert ops.dtype(out) == out_dtype
    theirs = keras.ops.saturate_cast(keras.ops.convert_to_tensor(x), out_dtype)
    np.testing.assert_array_equal(to_np(out), keras.ops.convert_to_numpy(theirs))
    spec = ops.saturate_cast(KerasTensor((None, 2)), out_dtype)
    assert spec.dtype == out_dtype and spec.shape == (None, 2)


def test_saturate_cast_clips_range():
    out = to_np(ops.saturate_cast(T(np.array([-1.0, 256.0, 100.4], "float32")), "uint8"))
    assert out.tolist() == [0, 255, 100]
    # int32's max is not a float32: the bound steps down to the largest float32 below it, so
    # 3e9 stays positive (Keras 3.15 compares in float32, skips that step and wraps to -2**31).
    out = to_np(ops.saturate_cast(T(np.array([3e9, -3e9, 1.5], "float32")), "int32"))
    assert out.tolist() == [2147483520, -2147483648, 1]


def test_stop_gradient_values_and_spec():
    x = T(np.array([1.0, 2.0], "float32"))
    assert_close(ops.stop_gradient(x), [1.0, 2.0])
    v = lamina.Variable(np.array([3.0], "float32"))
    assert_close(ops.stop_gradient(v), [3.0])
    spec = ops.stop_gradient(KerasTensor((None, 2), dtype="float16"))
    assert spec.shape == (None, 2) and spec.dtype == "float16"


def test_graph_node_replays_op():
    """The node recorded on KerasTensors reruns the op on real values."""
    x = KerasTensor((3,))
    carry, ys = ops.scan(lambda c, v: (c + v, c), KerasTensor(()), x)
    op = ys._keras_history.operation
    node = op._inbound_nodes[0]
    real_c, real_ys = op.call(node.call_args[0], T(np.float32(1.0)), T(np.array([1.0, 2.0, 3.0], "float32")))
    assert float(to_np(real_c)) == 7.0 and to_np(real_ys).tolist() == [1.0, 2.0, 4.0]


def test_tracing_in_symbolic_scope_adds_no_nodes():
    x = KerasTensor((None, 2))
    with SymbolicScope():
        out = ops.cond(KerasTensor((), dtype="bool"), lambda: x, lambda: x)
    assert out._keras_history is None


# --- custom_gradient ---------------------------------------------------------------------

def _log1pexp_keras_style():
    @ops.custom_gradient
    def f(x):
        e = x * 0 + 2.0

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return upstream * e  # a deliberately "wrong" gradient: 2 everywhere

        return x * x, grad

    return f


def _jax_style():
    @ops.custom_gradient
    def f(x):
        def grad(upstream):
            return upstream * 3.0

        return x * x, grad

    return f


def _torch_style():
    @ops.custom_gradient
    def f(x):
        def grad(*args, upstream):
            return upstream * 4.0

        return x * x, grad

    return f


def test_custom_gradient_forward_value():
    x = T(np.array([1.0, 3.0], "float32"))
    for make in (_log1pexp_keras_style, _jax_style, _torch_style):
        assert_close(make()(x), [1.0, 9.0])
    assert make()(KerasTensor((None,))).shape == (None,)


@requires_training
@pytest.mark.parametrize("make,expected", [(_log1pexp_keras_style, 2.0), (_jax_style, 3.0), (_torch_style, 4.0)])
def test_custom_gradient_is_used(make, expected):
    f = make()
    x = np.array([1.0, 3.0], "float32")
    if BACKEND == "jax":
        import jax

        g = jax.grad(lambda v: f(v).sum())(T(x))
    else:
        import torch

        v = torch.tensor(x, requires_grad=True)
        f(v).sum().backward()
        g = v.grad
    assert_close(g, [expected, expected])


# --- autodiff and jit through the loops ---------------------------------------------------

def _loss_through_everything(w):
    """A scalar built with scan, while_loop, fori_loop, cond, slice_update and scatter_update."""
    _, ys = ops.scan(lambda c, x: (c * w, c * x), w, T(np.array([1.0, 2.0, 3.0], "float32")))
    (v,) = ops.while_loop(lambda a: True, lambda a: (a * w,), (w,), maximum_iterations=2)
    s = ops.fori_loop(0, 3, lambda i, acc: acc + w, w * 0)
    c = ops.cond(T(True), lambda: w * 5.0, lambda: w)
    u = ops.slice_update(T(np.zeros(3, "float32")), (1,), ops.stop_gradient(w)[None] + w[None])
    z = ops.scatter_update(T(np.zeros(2, "float32")), [[1]], w[None], reduction="add")
    return ys.sum() + v + s + c + u.sum() + z.sum()


@requires_training
def test_gradients_flow_through_loops():
    w0 = 1.5
    # ys = [w, 2w^2, 3w^3]; v = w^3; s = 3w; c = 5w; u = stop(w) + w; z = w
    expected = 1 + 4 * w0 + 9 * w0 ** 2 + 3 * w0 ** 2 + 3 + 5 + 1 + 1
    if BACKEND == "jax":
        import jax

        g = jax.grad(_loss_through_everything)(T(np.float32(w0)))
    else:
        import torch

        w = torch.tensor(w0, requires_grad=True)
        _loss_through_everything(w).backward()
        g = w.grad
    assert_close(g, expected, rtol=1e-5)


@pytest.mark.skipif(BACKEND != "jax", reason="jax.jit is a jax feature")
def test_ops_work_under_jax_jit():
    import jax

    @jax.jit
    def run(n, x, i):
        count = ops.while_loop(lambda k, acc: k < n, lambda k, acc: (k + 1, acc + k), (0, 0))[1]
        carry, ys = ops.scan(lambda c, v: (c + v, c), x[0], x)
        picked = ops.cond(n > 2, lambda: x * 2, lambda: x)
        branch = ops.switch(i, [lambda v: v + 1, lambda v: v - 1], x)
        window = ops.slice(x, (i,), (2,))
        return count, carry, ys, picked, branch, window

    x = T(np.array([1.0, 2.0, 3.0], "float32"))
    count, carry, ys, picked, branch, window = run(T(np.int32(5)), x, T(np.int32(1)))
    assert int(count) == 10 and float(carry) == 7.0
    assert to_np(ys).tolist() == [1.0, 2.0, 4.0]
    assert to_np(picked).tolist() == [2.0, 4.0, 6.0] and to_np(branch).tolist() == [0.0, 1.0, 2.0]
    assert to_np(window).tolist() == [2.0, 3.0]


def test_scan_eager_and_traced_paths_agree():
    """Outside jit, jax's scan loops in Python (no compile per call); both paths give the same result."""
    def step(carry, x):
        new = carry * 0.5 + x
        return new, {"out": new * 2.0, "pair": (new, -new)}

    xs = np.arange(12, dtype="float32").reshape(4, 3)
    for reverse in (False, True):
        carry, ys = ops.scan(step, np.zeros(3, "float32"), xs, reverse=reverse)
        c, expected = np.zeros(3, "float32"), [None] * 4
        for i in (range(3, -1, -1) if reverse else range(4)):
            c = c * 0.5 + xs[i]
            expected[i] = c
        np.testing.assert_allclose(ops.convert_to_numpy(carry), c, rtol=1e-6)
        np.testing.assert_allclose(ops.convert_to_numpy(ys["out"]), 2 * np.stack(expected), rtol=1e-6)
        np.testing.assert_allclose(ops.convert_to_numpy(ys["pair"][1]), -np.stack(expected), rtol=1e-6)
