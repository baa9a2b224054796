"""Shape-manipulation ops (lamina.ops.numpy.shape) against NumPy, the Keras oracle, and on KerasTensors."""

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

A = np.arange(24, dtype="float32").reshape(2, 3, 4)
M = np.arange(12, dtype="float32").reshape(3, 4) - 5
V = np.array([3, -1, 4, 1, 5], dtype="int32")
I8 = np.array([[1, -2, 3], [4, 5, -6]], dtype="int8")
U8 = np.array([[7, 8, 9]], dtype="uint8")
F16 = np.array([[0.5, 1.5, 2.5]], dtype="float16")
B = np.array([[True, False], [False, True]])
COL = np.arange(3, dtype="float32").reshape(3, 1)
S = np.arange(5, dtype="float32")


# (id, lamina call, NumPy reference, inputs, expected dtype or None for the reference's)
CASES = [
    ("reshape", lambda x: ops.reshape(x, (4, -1)), lambda x: x.reshape(4, -1), [A], None),
    ("transpose_default", lambda x: ops.transpose(x), np.transpose, [A], None),
    ("transpose_axes", lambda x: ops.transpose(x, (2, 0, -2)), lambda x: np.transpose(x, (2, 0, 1)), [A], None),
    ("transpose_int8", lambda x: ops.transpose(x), np.transpose, [I8], None),
    ("expand_dims_0", lambda x: ops.expand_dims(x, 0), lambda x: np.expand_dims(x, 0), [A], None),
    ("expand_dims_neg", lambda x: ops.expand_dims(x, -1), lambda x: np.expand_dims(x, -1), [A], None),
    ("expand_dims_tuple", lambda x: ops.expand_dims(x, (0, -1, 2)), lambda x: np.expand_dims(x, (0, -1, 2)), [M], None),
    ("squeeze_all", lambda x: ops.squeeze(x), np.squeeze, [COL[None]], None),
    ("squeeze_axis", lambda x: ops.squeeze(x, -1), lambda x: np.squeeze(x, -1), [COL[None]], None),
    ("squeeze_tuple", lambda x: ops.squeeze(x, (0, 2)), lambda x: np.squeeze(x, (0, 2)), [COL[None]], None),
    ("ravel", ops.ravel, np.ravel, [A], None),
    ("broadcast_to", lambda x: ops.broadcast_to(x, (2, 3, 5)), lambda x: np.broadcast_to(x, (2, 3, 5)), [S], None),
    ("broadcast_to_col", lambda x: ops.broadcast_to(x, (2, 3, 4)), lambda x: np.broadcast_to(x, (2, 3, 4)), [COL], None),
    ("concat_0", lambda a, b: ops.concatenate([a, b]), lambda a, b: np.concatenate([a, b]), [M, M[:1]], None),
    ("concat_neg", lambda a, b: ops.concatenate([a, b], axis=-1), lambda a, b: np.concatenate([a, b], -1), [M, COL], None),
    ("concat_none", lambda a, b: ops.concatenate([a, b], axis=None), lambda a, b: np.concatenate([a, b], axis=None), [M, A], None),
    ("concat_int8_float", lambda a, b: ops.concatenate([a, b]), lambda a, b: np.concatenate([a, b]), [I8, M[:2, :3]], None),
    ("concat_int8_uint8", lambda a, b: ops.concatenate([a, b]), lambda a, b: np.concatenate([a, b]), [I8, U8], "int16"),
    ("concat_int8_float16", lambda a, b: ops.concatenate([a, b]), lambda a, b: np.concatenate([a, b]), [I8, F16], "float16"),
    ("concat_bool_uint8", lambda a, b: ops.concatenate([a, b], 1), lambda a, b: np.concatenate([a, b], 1), [B[:1], U8], None),
    ("stack_0", lambda a, b: ops.stack([a, b]), lambda a, b: np.stack([a, b]), [M, M * 2], None),
    ("stack_neg", lambda a, b: ops.stack([a, b], axis=-1), lambda a, b: np.stack([a, b], -1), [M, M], None),
    ("stack_mixed", lambda a, b: ops.stack([a, b], axis=1), lambda a, b: np.stack([a, b], 1), [I8[:1], F16], "float16"),
    ("hstack_1d", lambda a, b: ops.hstack([a, b]), lambda a, b: np.hstack([a, b]), [S, S], None),
    ("hstack_2d", lambda a, b: ops.hstack([a, b]), lambda a, b: np.hstack([a, b]), [M, COL], None),
    ("vstack_1d", lambda a, b: ops.vstack([a, b]), lambda a, b: np.vstack([a, b]), [S, S], None),
    ("vstack_2d", lambda a, b: ops.vstack([a, b]), lambda a, b: np.vstack([a, b]), [M, M[:1]], None),
    ("dstack_1d", lambda a, b: ops.dstack([a, b]), lambda a, b: np.dstack([a, b]), [S, S], None),
    ("dstack_2d", lambda a, b: ops.dstack([a, b]), lambda a, b: np.dstack([a, b]), [M, M], None),
    ("append_flat", lambda a, b: ops.append(a, b), lambda a, b: np.append(a, b), [M, S], None),
    ("append_axis", lambda a, b: ops.append(a, b, axis=1), lambda a, b: np.append(a, b, axis=1), [M, COL], None),
    ("append_mixed", lambda a, b: ops.append(a, b), lambda a, b: np.append(a, b), [I8, U8], "int16"),
    ("split_sections", lambda x: ops.split(x, 2, axis=2), lambda x: np.split(x, 2, axis=2), [A], None),
    ("split_indices", lambda x: ops.split(x, [1, 3], axis=-1), lambda x: np.split(x, [1, 3], axis=-1), [A], None),
    ("split_neg_indices", lambda x: ops.split(x, [-3, 4, 9]), lambda x: np.split(x, [-3, 4, 9]), [S], None),
    ("split_default_axis", lambda x: ops.split(x, 3), lambda x: np.split(x, 3), [M], None),
    ("array_split_uneven", lambda x: ops.array_split(x, 3, axis=1), lambda x: np.array_split(x, 3, axis=1), [A], None),
    ("array_split_1d", lambda x: ops.array_split(x, 2), lambda x: np.array_split(x, 2), [S], None),
    ("array_split_idx", lambda x: ops.array_split(x, [2]), lambda x: np.array_split(x, [2]), [S], None),
    ("hsplit_2d", lambda x: ops.hsplit(x, 2), lambda x: np.hsplit(x, 2), [M], None),
    ("hsplit_1d", lambda x: ops.hsplit(x, [2]), lambda x: np.hsplit(x, [2]), [S], None),
    ("vsplit", lambda x: ops.vsplit(x, [1]), lambda x: np.vsplit(x, [1]), [M], None),
    ("dsplit", lambda x: ops.dsplit(x, 2), lambda x: np.dsplit(x, 2), [A], None),
    ("tile_int", lambda x: ops.tile(x, 2), lambda x: np.tile(x, 2), [M], None),
    ("tile_longer", lambda x: ops.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3)), [M], None),
    ("tile_shorter", lambda x: ops.tile(x, (2,)), lambda x: np.tile(x, (2,)), [A], None),
    ("repeat_flat", lambda x: ops.repeat(x, 2), lambda x: np.repeat(x, 2), [M], None),
    ("repeat_axis", lambda x: ops.repeat(x, 3, axis=1), lambda x: np.repeat(x, 3, axis=1), [I8], None),
    ("repeat_list", lambda x: ops.repeat(x, [1, 0, 2], axis=0), lambda x: np.repeat(x, [1, 0, 2], axis=0), [M], None),
    ("repeat_list_flat", lambda x: ops.repeat(x, [1, 0, 2, 1, 3]), lambda x: np.repeat(x, [1, 0, 2, 1, 3]), [S], None),
    ("flip_all", lambda x: ops.flip(x), np.flip, [A], None),
    ("flip_axis", lambda x: ops.flip(x, 1), lambda x: np.flip(x, 1), [A], None),
    ("flip_tuple", lambda x: ops.flip(x, (0, -1)), lambda x: np.flip(x, (0, -1)), [A], None),
    ("fliplr", ops.fliplr, np.fliplr, [A], None),
    ("flipud", ops.flipud, np.flipud, [S], None),
    ("roll_flat", lambda x: ops.roll(x, 2), lambda x: np.roll(x, 2), [M], None),
    ("roll_axis", lambda x: ops.roll(x, -1, axis=1), lambda x: np.roll(x, -1, axis=1), [M], None),
    ("roll_tuple", lambda x: ops.roll(x, (1, 2), axis=(0, 2)), lambda x: np.roll(x, (1, 2), axis=(0, 2)), [A], None),
    ("roll_shifts_one_axis", lambda x: ops.roll(x, (1, 2), axis=1), lambda x: np.roll(x, (1, 2), axis=1), [M], None),
    ("rot90_1", lambda x: ops.rot90(x), np.rot90, [M], None),
    ("rot90_2", lambda x: ops.rot90(x, 2), lambda x: np.rot90(x, 2), [M], None),
    ("rot90_neg", lambda x: ops.rot90(x, -1, axes=(1, 2)), lambda x: np.rot90(x, -1, axes=(1, 2)), [A], None),
    ("moveaxis", lambda x: ops.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1), [A], None),
    ("moveaxis_tuple", lambda x: ops.moveaxis(x, (0, 1), (2, 0)), lambda x: np.moveaxis(x, (0, 1), (2, 0)), [A], None),
    ("swapaxes", lambda x: ops.swapaxes(x, 0, 2), lambda x: np.swapaxes(x, 0, 2), [A], None),
    ("pad_int", lambda x: ops.pad(x, 1), lambda x: np.pad(x, 1), [M], None),
    ("pad_pairs", lambda x: ops.pad(x, ((0, 1), (2, 0), (1, 1))), lambda x: np.pad(x, ((0, 1), (2, 0), (1, 1))), [A], None),
    ("pad_pair_all_axes", lambda x: ops.pad(x, (1, 2)), lambda x: np.pad(x, (1, 2)), [M], None),
    ("pad_value", lambda x: ops.pad(x, 2, constant_values=7), lambda x: np.pad(x, 2, constant_values=7), [I8], None),
    ("pad_bool", lambda x: ops.pad(x, 1, constant_values=True), lambda x: np.pad(x, 1, constant_values=True), [B], None),
    ("pad_circular", lambda x: ops.pad(x, 2, mode="circular"), lambda x: np.pad(x, 2, mode="wrap"), [M], None),
    ("tril", ops.tril, np.tril, [M], None),
    ("tril_k", lambda x: ops.tril(x, 1), lambda x: np.tril(x, 1), [A], None),
    ("tril_1d", lambda x: ops.tril(x, -1), lambda x: np.tril(x, -1), [S], None),
    ("triu", lambda x: ops.triu(x, -1), lambda x: np.triu(x, -1), [I8], None),
    ("triu_bool", ops.triu, np.triu, [B], None),
    ("diag_vec", lambda x: ops.diag(x, 1), lambda x: np.diag(x, 1), [V], None),
    ("diag_vec_neg", lambda x: ops.diag(x, -2), lambda x: np.diag(x, -2), [S], None),
    ("diag_mat", lambda x: ops.diag(x, 1), lambda x: np.diag(x, 1), [M], None),
    ("diag_mat_neg", lambda x: ops.diag(x, -1), lambda x: np.diag(x, -1), [M], None),
    ("diagonal", lambda x: ops.diagonal(x), np.diagonal, [M], None),
    ("diagonal_3d", lambda x: ops.diagonal(x, 1, 1, 2), lambda x: np.diagonal(x, 1, 1, 2), [A], None),
    ("diagonal_neg_axes", lambda x: ops.diagonal(x, -1, -1, 0), lambda x: np.diagonal(x, -1, -1, 0), [A], None),
    ("diagflat", lambda x: ops.diagflat(x), np.diagflat, [I8], None),
    ("diagflat_k", lambda x: ops.diagflat(x, -1), lambda x: np.diagflat(x, -1), [S], None),
    ("unravel_index", lambda i: ops.unravel_index(i, (3, 4)), lambda i: np.unravel_index(i, (3, 4)),
     [np.array([0, 5, 11], "int32")], "int32"),
]

PAD_MODES = ["edge", "reflect", "symmetric", "wrap", "maximum", "minimum", "mean", "median"]


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
        np.testing.assert_array_equal(got, r.astype(got.dtype))


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_values_match_numpy(case):
    _, fn, ref, inputs, dtype = case
    out = fn(*[ops.convert_to_tensor(x) for x in inputs])
    _check(out, ref(*inputs), dtype)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_symbolic_spec_matches_real_output(case):
    """On KerasTensors of the same shapes, the inferred shapes and dtypes equal the real ones."""
    _, fn, _, inputs, _ = case
    real = _as_list(fn(*[ops.convert_to_tensor(x) for x in inputs]))
    sym = _as_list(fn(*[lamina.KerasTensor(x.shape, dtype=x.dtype.name) for x in inputs]))
    assert [s.shape for s in sym] == [tuple(r.shape) for r in real]
    assert [s.dtype for s in sym] == [standardize_dtype(r.dtype) for r in real]


@pytest.mark.parametrize("mode", PAD_MODES)
@pytest.mark.parametrize("x", [M, I8, np.arange(4, dtype="int32")], ids=["f32_2d", "int8_2d", "int32_1d"])
def test_pad_modes_match_numpy(mode, x):
    # Widths larger than the axis exercise the repeated reflections/wraps.
    widths = ((1, 6), (5, 2))[: x.ndim]
    out = ops.pad(ops.convert_to_tensor(x), widths, mode=mode)
    _check(out, np.pad(x, widths, mode=mode))  # integer mean/median are rounded, as in NumPy


def test_pad_rank3_reflect_matches_numpy():
    out = ops.pad(ops.convert_to_tensor(A), ((1, 1), (2, 2), (3, 3)), mode="reflect")
    _check(out, np.pad(A, ((1, 1), (2, 2), (3, 3)), mode="reflect"))


def test_pad_errors_name_the_op():
    x = ops.convert_to_tensor(M)
    with pytest.raises(ValueError, match="pad: unknown mode 'mirror'"):
        ops.pad(x, 1, mode="mirror")
    with pytest.raises(ValueError, match="pad: constant_values can only be given"):
        ops.pad(x, 1, mode="edge", constant_values=1)
    with pytest.raises(ValueError, match="pad: pad_width"):
        ops.pad(x, ((1, 2, 3),))
    with pytest.raises(ValueError, match="non-negative"):
        ops.pad(x, -1)


def test_repeat_with_tensor_repeats():
    out = ops.repeat(ops.convert_to_tensor(S), ops.convert_to_tensor(np.array([0, 1, 2, 0, 1], "int32")))
    _check(out, np.repeat(S, [0, 1, 2, 0, 1]))


def test_unravel_index_python_int_and_int8():
    out = ops.unravel_index(7, (2, 4))
    assert [int(to_np(o)) for o in out] == [1, 3]
    assert all(standardize_dtype(o.dtype) == "int32" for o in out)
    out = ops.unravel_index(ops.convert_to_tensor(np.array([5, 9], "int8")), (3, 4))
    _check(out, [np.array([1, 2]), np.array([1, 1])], "int8")


def test_size_and_ndim():
    x = ops.convert_to_tensor(A)
    assert ops.size(x) == 24 and ops.ndim(x) == 3
    assert ops.size([[1, 2, 3]]) == 3
    k = lamina.KerasTensor((None, 3, 4))
    assert ops.ndim(k) == 3
    s = ops.size(k)
    assert isinstance(s, lamina.KerasTensor) and s.shape == () and s.dtype == "int32"


def test_list_inputs_use_keras_python_dtypes():
    out = ops.flip([1, 2, 3])
    _check(out, np.array([3, 2, 1]), "int32")
    out = ops.transpose([[1.0, 2.0]])
    _check(out, np.array([[1.0], [2.0]]), "float32")


def test_variable_inputs():
    v = lamina.Variable(M)
    _check(ops.transpose(v), M.T)
    _check(ops.concatenate([v, v], axis=1), np.concatenate([M, M], 1))


# ---------------------------------------------------------------- symbolic shapes with None dims
SYMBOLIC = [
    ("transpose", lambda x: ops.transpose(x), [(None, 3, 4)], (4, 3, None)),
    ("expand_dims", lambda x: ops.expand_dims(x, (1, -1)), [(None, 3)], (None, 1, 3, 1)),
    ("squeeze_none", lambda x: ops.squeeze(x), [(None, 1, 3)], (None, 3)),
    ("squeeze_axis", lambda x: ops.squeeze(x, 1), [(None, 1, 3)], (None, 3)),
    ("ravel", ops.ravel, [(None, 3)], (None,)),
    ("ravel_known", ops.ravel, [(2, 3)], (6,)),
    ("broadcast_to", lambda x: ops.broadcast_to(x, (2, 5, 3)), [(5, 1)], (2, 5, 3)),
    ("concat_none_axis", lambda a, b: ops.concatenate([a, b]), [(None, 3), (2, 3)], (None, 3)),
    ("concat_other_axis", lambda a, b: ops.concatenate([a, b], 1), [(None, 3), (None, 2)], (None, 5)),
    ("concat_merge_known", lambda a, b: ops.concatenate([a, b], 1), [(None, 3), (4, 2)], (4, 5)),
    ("concat_flat", lambda a, b: ops.concatenate([a, b], None), [(None, 3), (4, 2)], (None,)),
    ("stack", lambda a, b: ops.stack([a, b], 1), [(None, 3), (2, None)], (2, 2, 3)),
    ("hstack", lambda a, b: ops.hstack([a, b]), [(None, 3), (None, 2)], (None, 5)),
    ("vstack", lambda a, b: ops.vstack([a, b]), [(None, 3), (3,)], (None, 3)),
    ("dstack", lambda a, b: ops.dstack([a, b]), [(None, 3), (None, 3)], (None, 3, 2)),
    ("append", lambda a, b: ops.append(a, b), [(None, 3), (2,)], (None,)),
    ("tile", lambda x: ops.tile(x, (2, 2)), [(None, 3)], (None, 6)),
    ("repeat_axis", lambda x: ops.repeat(x, 2, axis=1), [(None, 3)], (None, 6)),
    ("repeat_list", lambda x: ops.repeat(x, [1, 2, 3], axis=1), [(None, 3)], (None, 6)),
    ("repeat_flat", lambda x: ops.repeat(x, 2), [(None, 3)], (None,)),
    ("flip", lambda x: ops.flip(x, 1), [(None, 3)], (None, 3)),
    ("roll", lambda x: ops.roll(x, 1, 0), [(None, 3)], (None, 3)),
    ("rot90", lambda x: ops.rot90(x), [(None, 3, 2)], (3, None, 2)),
    ("rot90_even", lambda x: ops.rot90(x, 2), [(None, 3)], (None, 3)),
    ("moveaxis", lambda x: ops.moveaxis(x, 0, -1), [(None, 3, 4)], (3, 4, None)),
    ("swapaxes", lambda x: ops.swapaxes(x, 0, 1), [(None, 3)], (3, None)),
    ("pad", lambda x: ops.pad(x, ((1, 2), (0, 1))), [(None, 3)], (None, 4)),
    ("tril", ops.tril, [(None, 3, 3)], (None, 3, 3)),
    ("diag_vec", ops.diag, [(None,)], (None, None)),
    ("diag_mat", ops.diag, [(None, 3)], (None,)),
    ("diagonal", lambda x: ops.diagonal(x, 0, 1, 2), [(None, 3, 4)], (None, 3)),
    ("diagflat", ops.diagflat, [(None, 2)], (None, None)),
    ("reshape", lambda x: ops.reshape(x, (-1, 6)), [(None, 2, 3)], (None, 6)),
]


@pytest.mark.parametrize("case", SYMBOLIC, ids=_ids(SYMBOLIC))
def test_symbolic_none_dims(case):
    _, fn, shapes, expected = case
    out = fn(*[lamina.KerasTensor(s, dtype="int8") for s in shapes])
    assert out.shape == expected
    assert out.dtype == "int8"


def test_symbolic_split_none_dims():
    x = lamina.KerasTensor((None, 6))
    assert [p.shape for p in ops.split(x, 3, axis=1)] == [(None, 2)] * 3
    assert [p.shape for p in ops.split(x, 2)] == [(None, 6)] * 2
    assert [p.shape for p in ops.split(x, [2, 5])] == [(2, 6), (3, 6), (None, 6)]
    assert [p.shape for p in ops.array_split(lamina.KerasTensor((7, None)), 3)] == [(3, None), (2, None), (2, None)]
    assert [p.shape for p in ops.hsplit(x, [1])] == [(None, 1), (None, 5)]


def test_symbolic_op_records_node_and_replays():
    x = lamina.KerasTensor((None, 3), dtype="float32")
    y = ops.concatenate([x, x], axis=0)
    op = y._keras_history.operation
    assert op.op_name == "concatenate"
    real = ops.convert_to_tensor(M[:, :3])
    node = op._inbound_nodes[0]
    replay = op.call([real, real], *node.call_args[1:], **node.call_kwargs)
    _check(replay, np.concatenate([M[:, :3], M[:, :3]]))


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: ops.squeeze(lamina.KerasTensor((None, 3)), 1), "squeeze: cannot squeeze axis 1"),
        (lambda: ops.split(lamina.KerasTensor((5, 2)), 2), "split: the size of axis 0 \\(5\\)"),
        (lambda: ops.concatenate([lamina.KerasTensor((2, 3)), lamina.KerasTensor((2, 3, 1))]), "concatenate: all inputs must have the same rank"),
        (lambda: ops.concatenate([lamina.KerasTensor((2, 3)), lamina.KerasTensor((4, 2))], 1), "concatenate: .*sizes differ"),
        (lambda: ops.concatenate([]), "concatenate: expected a non-empty list"),
        (lambda: ops.stack([lamina.KerasTensor((2, 3)), lamina.KerasTensor((3, 3))]), "stack: .*sizes differ"),
        (lambda: ops.transpose(lamina.KerasTensor((2, 3)), (0, 0)), "transpose: axes must be a permutation"),
        (lambda: ops.expand_dims(lamina.KerasTensor((2, 3)), 3), "expand_dims: axis 3 is out of bounds"),
        (lambda: ops.repeat(lamina.KerasTensor((2, 3)), [1, 2], axis=1), "repeat: 2 repeats were given for an axis of size 3"),
        (lambda: ops.moveaxis(lamina.KerasTensor((2, 3)), (0, 1), 0), "moveaxis: source"),
        (lambda: ops.broadcast_to(lamina.KerasTensor((2, 3)), (3, 3)), "broadcast_to: cannot broadcast"),
        (lambda: ops.diag(lamina.KerasTensor((2, 3, 4))), "diag: x must be 1-D or 2-D"),
        (lambda: ops.rot90(lamina.KerasTensor((2, 3)), axes=(0, 0)), "rot90: axes must be a pair"),
        (lambda: ops.vsplit(lamina.KerasTensor((4,)), 2), "vsplit: requires a tensor of rank >= 2"),
        (lambda: ops.fliplr(ops.convert_to_tensor(S)), "fliplr: requires a tensor of rank >= 2"),
        (lambda: ops.reshape(lamina.KerasTensor((2, 3)), (4, -1)), "reshape: cannot reshape"),
    ],
)
def test_bad_input_errors_name_the_op(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_real_tensor_errors():
    with pytest.raises(ValueError, match="squeeze: cannot squeeze axis"):
        ops.squeeze(ops.convert_to_tensor(M), 0)
    with pytest.raises(ValueError, match="split: the size of axis"):
        ops.split(ops.convert_to_tensor(S), 2)


# ---------------------------------------------------------------- dtype parity with the Keras oracle
ORACLE = [
    ("concatenate", lambda o: o.concatenate([I8, F16])),
    ("concatenate_uint8", lambda o: o.concatenate([I8, U8])),
    ("stack", lambda o: o.stack([I8[:1], U8])),
    ("append", lambda o: o.append(I8, np.ones(2, "float32"))),
    ("pad", lambda o: o.pad(I8, ((1, 1), (2, 0)))),
    ("repeat", lambda o: o.repeat(I8, 2)),
    ("tile", lambda o: o.tile(U8, 2)),
    ("tril", lambda o: o.tril(I8)),
    ("diagflat", lambda o: o.diagflat(U8)),
    ("unravel_index", lambda o: o.unravel_index(np.array([1, 5], "int32"), (3, 4))[0]),
    ("broadcast_to", lambda o: o.broadcast_to(F16, (2, 1, 3))),
]


@pytest.mark.parametrize("case", ORACLE, ids=_ids(ORACLE))
def test_dtype_and_values_match_keras(keras, case):
    _, call = case
    ours, theirs = call(ops), call(keras.ops)
    assert standardize_dtype(ours.dtype) == standardize_dtype(theirs.dtype)
    np.testing.assert_array_equal(to_np(ours), keras.ops.convert_to_numpy(theirs))
