"""Products of lamina.ops.numpy: values vs NumPy, dtypes vs Keras 3, symbolic shapes (einsum parsing)."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend import standardize_dtype
from tests.conftest import BACKEND, to_np

RNG = np.random.default_rng(1)


def _arr(shape, kind="f"):
    if kind == "f":
        return RNG.standard_normal(shape).astype("float32")
    if kind == "i":
        return RNG.integers(-3, 4, shape).astype("int32")
    return RNG.integers(0, 2, shape).astype("bool")


def _check(actual, expected, atol=1e-4):
    actual = to_np(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual.astype("float64"), expected.astype("float64"), rtol=1e-4, atol=atol)


def _np_cross(a, b, **kw):
    """NumPy's cross without its deprecation of 2-vectors (pad them with a zero z)."""
    axisa, axisb, axisc = kw.get("axisa", -1), kw.get("axisb", -1), kw.get("axisc", -1)
    if kw.get("axis") is not None:
        axisa = axisb = axisc = kw["axis"]
    a, b = np.moveaxis(a, axisa, -1), np.moveaxis(b, axisb, -1)
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    pad = lambda v: np.concatenate([v, np.zeros(v.shape[:-1] + (1,), v.dtype)], -1) if v.shape[-1] == 2 else v
    return np.cross(pad(a), pad(b), axisc=axisc)


# (op, shapes, kwargs)
CASES = [
    ("matmul", [(3,), (3,)], {}), ("matmul", [(2, 3), (3,)], {}), ("matmul", [(3,), (3, 4)], {}),
    ("matmul", [(2, 3), (3, 4)], {}), ("matmul", [(5, 2, 3), (3, 4)], {}), ("matmul", [(5, 1, 2, 3), (4, 3, 2)], {}),
    ("dot", [(), (2, 3)], {}), ("dot", [(3,), (3,)], {}), ("dot", [(2, 3), (3,)], {}), ("dot", [(2, 3), (3, 4)], {}),
    ("dot", [(2, 3), (4, 3, 5)], {}), ("dot", [(3,), (2, 3, 4)], {}), ("dot", [(2, 2, 3), (3,)], {}),
    ("vdot", [(2, 3), (6,)], {}), ("vdot", [(4,), (4,)], {}),
    ("inner", [(3,), (3,)], {}), ("inner", [(2, 3), (4, 3)], {}), ("inner", [(), (2, 3)], {}),
    ("inner", [(2, 5, 3), (3,)], {}),
    ("outer", [(2, 3), (4,)], {}), ("outer", [(3,), (2, 2)], {}),
    ("tensordot", [(2, 3), (4, 5)], {"axes": 0}), ("tensordot", [(2, 3), (3, 5)], {"axes": 1}),
    ("tensordot", [(2, 3, 4), (3, 4, 5)], {"axes": 2}), ("tensordot", [(2, 3, 4), (4, 3, 5)], {"axes": ([1, 2], [1, 0])}),
    ("tensordot", [(2, 3), (5, 3)], {"axes": (1, 1)}), ("tensordot", [(2, 3), (5, 3)], {"axes": [[1], [1]]}),
    ("cross", [(3,), (3,)], {}), ("cross", [(4, 3), (3,)], {}), ("cross", [(2, 2), (2, 2)], {}),
    ("cross", [(5, 2), (5, 3)], {}), ("cross", [(5, 3), (2,)], {}), ("cross", [(3, 4), (4, 3)], {"axisa": 0}),
    ("cross", [(3, 4), (3, 4)], {"axis": 0}), ("cross", [(4, 3), (4, 3)], {"axisc": 0}),
    ("cross", [(3, 2, 5), (5, 3)], {"axisa": 0, "axisb": 1, "axisc": 1}),
    ("kron", [(2, 2), (2, 3)], {}), ("kron", [(2,), (2, 3)], {}), ("kron", [(2, 3), (3,)], {}),
    ("trace", [(3, 3)], {}), ("trace", [(3, 4)], {"offset": 1}), ("trace", [(4, 3)], {"offset": -2}),
    ("trace", [(2, 3, 4)], {"axis1": 2, "axis2": 0}), ("trace", [(2, 3, 4)], {"offset": 1, "axis1": -1, "axis2": 1}),
]
REFS = {"matmul": np.matmul, "dot": np.dot, "vdot": np.vdot, "inner": np.inner, "outer": np.outer,
        "tensordot": lambda a, b, axes=2: np.tensordot(a, b, axes=axes if isinstance(axes, int) else tuple(axes)),
        "cross": _np_cross, "kron": np.kron, "trace": np.trace}


@pytest.mark.parametrize("kind", ["f", "i"])
@pytest.mark.parametrize("name,shapes,kwargs", CASES)
def test_products_match_numpy(name, shapes, kwargs, kind):
    args = [_arr(s, kind) for s in shapes]
    expected = REFS[name](*args, **kwargs)
    out = getattr(ops, name)(*[ops.convert_to_tensor(a) for a in args], **kwargs)
    _check(out, expected)
    sym = getattr(ops, name)(*[lamina.KerasTensor(s, dtype=str(a.dtype)) for s, a in zip(shapes, args)], **kwargs)
    assert sym.shape == np.shape(expected)
    assert standardize_dtype(out.dtype) == sym.dtype


@pytest.mark.parametrize("name,shapes", [("matmul", [(2, 3), (3, 4)]), ("dot", [(2, 3), (3,)]),
                                         ("tensordot", [(2, 3), (2, 3)]), ("kron", [(2, 2), (2,)]),
                                         ("inner", [(2, 3), (2, 3)]), ("outer", [(2,), (3,)]),
                                         ("vdot", [(3,), (3,)])])
def test_bool_products_are_any_of_ands(name, shapes):
    args = [_arr(s, "b") for s in shapes]
    expected = REFS[name](*args)
    out = getattr(ops, name)(*[ops.convert_to_tensor(a) for a in args])
    assert standardize_dtype(out.dtype) == "bool"
    np.testing.assert_array_equal(to_np(out), expected)


def test_int8_matmul_and_einsum_accumulate_in_int32():
    a = np.full((2, 64), 100, "int8")
    b = np.full((64, 3), 100, "int8")
    for out in (ops.matmul(a, b), ops.einsum("ij,jk->ik", a, b)):
        assert standardize_dtype(out.dtype) == "int32"
        np.testing.assert_array_equal(to_np(out), np.full((2, 3), 640000))
    assert ops.matmul(lamina.KerasTensor((None, 64), "int8"), lamina.KerasTensor((64, 3), "int8")).dtype == "int32"
    # mixed int8 and int16 promote normally
    assert standardize_dtype(ops.matmul(a, b.astype("int16")).dtype) == "int16"


def test_python_scalars_promote_weakly():
    x8 = ops.convert_to_tensor(np.arange(6, dtype="int8").reshape(2, 3))
    assert standardize_dtype(ops.dot(2, x8).dtype) == "int8"
    _check(ops.dot(2, x8), 2 * np.arange(6).reshape(2, 3))
    assert standardize_dtype(ops.dot(x8, 2.5).dtype) == "float32"
    xh = ops.convert_to_tensor(np.ones((2, 3), "float16"))
    assert standardize_dtype(ops.inner(xh, 2.0).dtype) == "float16"
    assert ops.dot(2, lamina.KerasTensor((None, 3), "int8")).dtype == "int8"
    assert ops.dot(2, lamina.KerasTensor((None, 3), "int8")).shape == (None, 3)
    _check(ops.matmul([[1.0, 2.0]], [[3.0], [4.0]]), [[11.0]])


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("n,m", [(5, 3), (3, 5), (4, 4), (4, 1), (2, 3)])
def test_correlate_matches_numpy(mode, n, m):
    a, v = _arr((n,)), _arr((m,))
    out = ops.correlate(ops.convert_to_tensor(a), ops.convert_to_tensor(v), mode=mode)
    _check(out, np.correlate(a.astype("float64"), v.astype("float64"), mode))
    assert standardize_dtype(out.dtype) == "float32"
    assert ops.correlate(lamina.KerasTensor((n,)), lamina.KerasTensor((m,)), mode=mode).shape == to_np(out).shape
    assert ops.correlate(lamina.KerasTensor((None,)), lamina.KerasTensor((m,)), mode=mode).shape == (None,)


def test_correlate_of_ints_is_float():
    out = ops.correlate([1, 2, 3], [0, 1], mode="full")
    assert standardize_dtype(out.dtype) == "float32"
    _check(out, np.correlate([1, 2, 3], [0, 1], "full"))


# --------------------------------------------------------------------------
# einsum
# --------------------------------------------------------------------------
EINSUM_CASES = [
    ("ij,jk->ik", [(None, 3), (3, None)], [(2, 3), (3, 4)], (None, None)),
    ("bij,bjk->bik", [(None, 2, 3), (None, 3, 4)], [(5, 2, 3), (5, 3, 4)], (None, 2, 4)),
    ("...ij,...jk->...ik", [(None, 5, 2, 3), (3, 4)], [(2, 5, 2, 3), (3, 4)], (None, 5, 2, 4)),
    ("...ij,...jk", [(5, 1, 2, 3), (4, 3, 2)], [(5, 1, 2, 3), (4, 3, 2)], (5, 4, 2, 2)),
    ("ij->ji", [(None, 3)], [(2, 3)], (3, None)),
    ("ii->i", [(3, 3)], [(3, 3)], (3,)),
    ("ii", [(None, 3)], [(3, 3)], ()),
    ("ij,ij->", [(None, 3), (None, 3)], [(2, 3), (2, 3)], ()),
    ("i,j", [(None,), (4,)], [(3,), (4,)], (None, 4)),
    ("ba", [(2, 3)], [(2, 3)], (3, 2)),
    ("Ab,ab", [(2, 3), (4, 3)], [(2, 3), (4, 3)], (2, 4)),
    ("...", [(None, 2)], [(3, 2)], (None, 2)),
    ("i...,...j", [(2, 5, 1), (4, 3)], [(2, 5, 1), (4, 3)], (5, 4, 2, 3)),
    ("bhqd,bhkd->bhqk", [(None, 8, None, 16), (None, 8, None, 16)], [(2, 8, 3, 16), (2, 8, 5, 16)], (None, 8, None, None)),
    ("...i,...i->...", [(None, 1, 3), (4, 3)], [(2, 1, 3), (4, 3)], (None, 4)),
    ("i j , j k -> i k", [(2, None), (None, 4)], [(2, 3), (3, 4)], (2, 4)),
    ("ij,j->i", [(2, 1), (3,)], [(2, 1), (3,)], (2,)),
    ("abc,cd,de->abe", [(None, 2, 3), (3, 4), (4, 5)], [(2, 2, 3), (3, 4), (4, 5)], (None, 2, 5)),
]


@pytest.mark.parametrize("subscripts,sym_shapes,shapes,expected", EINSUM_CASES)
def test_einsum_shapes_and_values(subscripts, sym_shapes, shapes, expected):
    sym = ops.einsum(subscripts, *[lamina.KerasTensor(s) for s in sym_shapes])
    assert sym.shape == expected and sym.dtype == "float32"
    args = [_arr(s) for s in shapes]
    out = ops.einsum(subscripts, *[ops.convert_to_tensor(a) for a in args])
    ref = np.einsum(subscripts, *[a.astype("float64") for a in args])
    _check(out, ref)
    assert all(e is None or e == r for e, r in zip(expected, np.shape(ref)))


@pytest.mark.parametrize("subscripts,shapes", [(c[0], c[1]) for c in EINSUM_CASES
                                               if c[0] not in ("ii", "ii->i", "Ab,ab", "i j , j k -> i k")])
def test_einsum_symbolic_matches_keras(keras, subscripts, shapes):
    ours = ops.einsum(subscripts, *[lamina.KerasTensor(s) for s in shapes]).shape
    theirs = tuple(keras.ops.einsum(subscripts, *[keras.KerasTensor(s) for s in shapes]).shape)
    assert ours == theirs


def test_einsum_int_operands():
    a, b = _arr((2, 3), "i"), _arr((3, 4), "i")
    out = ops.einsum("ij,jk->ik", a, b)
    assert standardize_dtype(out.dtype) == "int32"
    np.testing.assert_array_equal(to_np(out), a @ b)
    half = ops.einsum("ij,jk->ik", a.astype("int16"), ops.convert_to_tensor(b.astype("float16")))
    assert standardize_dtype(half.dtype) == "float16"


@pytest.mark.parametrize("subscripts,shapes,match", [
    ("ij,jk->ik", [(2, 3), (4, 5)], "einsum: label 'j' has inconsistent sizes"),
    ("ij,jk->ik", [(2, 3)], "einsum: subscripts 'ij,jk->ik' name 2 operand"),
    ("ijk->i", [(2, 3)], "einsum: subscript 'ijk' has 3 labels but operand 0 has rank 2"),
    ("ij->k", [(2, 3)], "einsum: output label 'k' does not appear"),
    ("ij->ii", [(2, 3)], "einsum: output subscript 'ii' repeats a label"),
    ("...i->i", [(2, 3)], "einsum: the output 'i' must contain '...'"),
    ("i1->i", [(2, 3)], "einsum: invalid label '1'"),
    ("ij->i->j", [(2, 3)], "einsum: at most one '->'"),
])
def test_einsum_errors(subscripts, shapes, match):
    with pytest.raises(ValueError, match=match):
        ops.einsum(subscripts, *[lamina.KerasTensor(s) for s in shapes])
    with pytest.raises(ValueError, match=match):
        ops.einsum(subscripts, *[ops.convert_to_tensor(_arr(s)) for s in shapes])


# --------------------------------------------------------------------------
# symbolic shapes with None dims
# --------------------------------------------------------------------------
SHAPE_CASES = [
    ("matmul", [(None, 2, 3), (3, None)], {}, (None, 2, None)),
    ("matmul", [(None, 3), (3,)], {}, (None,)),
    ("matmul", [(3,), (None, 3, 4)], {}, (None, 4)),
    ("matmul", [(None, 1, 2, 3), (4, None, 3, 2)], {}, (4, None, 2, 2)),
    ("dot", [(None, 3), (3, None)], {}, (None, None)),
    ("dot", [(None, 3), (4, 3, 5)], {}, (None, 4, 5)),
    ("dot", [(None, 3), (3,)], {}, (None,)),
    ("vdot", [(None, 3), (None,)], {}, ()),
    ("inner", [(None, 3), (5, 3)], {}, (None, 5)),
    ("outer", [(None, 3), (4,)], {}, (None, 4)),
    ("outer", [(2, 3), (4,)], {}, (6, 4)),
    ("tensordot", [(None, 3, 4), (3, 4, 5)], {"axes": 2}, (None, 5)),
    ("tensordot", [(None, 3, 4), (4, 3, None)], {"axes": ([1, 2], [1, 0])}, (None, None)),
    ("tensordot", [(None, 3), (4, None)], {"axes": 0}, (None, 3, 4, None)),
    ("cross", [(None, 3), (None, 3)], {}, (None, 3)),
    ("cross", [(None, 2), (2,)], {}, (None,)),
    ("cross", [(3, None), (None, 3)], {"axisa": 0, "axisc": 0}, (3, None)),
    ("kron", [(None, 2), (3, 4)], {}, (None, 8)),
    ("kron", [(2,), (None, 3)], {}, (None, 6)),
    ("trace", [(None, 3, 3)], {"axis1": 1, "axis2": 2}, (None,)),
    ("trace", [(3, 3, None)], {}, (None,)),
]


@pytest.mark.parametrize("name,shapes,kwargs,expected", SHAPE_CASES)
def test_symbolic_shapes(name, shapes, kwargs, expected):
    out = getattr(ops, name)(*[lamina.KerasTensor(s) for s in shapes], **kwargs)
    assert out.shape == expected


def test_symbolic_call_records_a_graph_node():
    a, b = lamina.KerasTensor((None, 2, 3)), lamina.KerasTensor((3, 4))
    y = ops.einsum("bij,jk->bik", a, b)
    op = y._keras_history.operation
    assert op.op_name == "einsum"
    x1, x2 = _arr((5, 2, 3)), _arr((3, 4))
    _check(op.call("bij,jk->bik", x1, x2), np.einsum("bij,jk->bik", x1, x2))


# --------------------------------------------------------------------------
# dtype parity with the Keras 3 oracle
# --------------------------------------------------------------------------
DTYPES = ["bool", "uint8", "uint16", "uint32", "int8", "int16", "int32", "int64",
          "bfloat16", "float16", "float32", "float64"]
SQ = np.array([[1, 2, 0], [3, 1, 2], [0, 1, 1]], dtype="float32")

BINARY = {
    "matmul": lambda o, a, b: o.matmul(a, b),
    "dot": lambda o, a, b: o.dot(a, b),
    "vdot": lambda o, a, b: o.vdot(a, b),
    "inner": lambda o, a, b: o.inner(a, b),
    "outer": lambda o, a, b: o.outer(a, b),
    "tensordot": lambda o, a, b: o.tensordot(a, b, axes=1),
    "einsum": lambda o, a, b: o.einsum("ij,jk->ik", a, b),
    "cross": lambda o, a, b: o.cross(a, b),
    "kron": lambda o, a, b: o.kron(a, b),
}
REFUSED = {("cross", "bool", "bool")}
# every eager call compiles on jax; there, eager dtypes are checked on a subset
JAX_EAGER = ("bool", "uint8", "int8", "int32", "bfloat16", "float16", "float32")


def _tensor(lib, dtype, values=SQ):
    return lib.ops.convert_to_tensor(values.astype("bool") if dtype == "bool" else values, dtype=dtype)


def _holds(dtype):
    return not (BACKEND == "jax" and "64" in dtype)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_dtypes_match_keras(keras, name):
    fn = BINARY[name]
    mismatches = []
    for d1 in DTYPES:
        for d2 in DTYPES:
            if (name, d1, d2) in REFUSED:
                continue
            k_sym = keras.backend.standardize_dtype(
                fn(keras.ops, keras.KerasTensor((3, 3), dtype=d1), keras.KerasTensor((3, 3), dtype=d2)).dtype)
            l_sym = fn(ops, lamina.KerasTensor((3, 3), dtype=d1), lamina.KerasTensor((3, 3), dtype=d2)).dtype
            if l_sym != k_sym:
                mismatches.append(f"{d1},{d2}: symbolic {l_sym} != keras {k_sym}")
            eager = (_holds(d1) and _holds(d2)) and (
                BACKEND != "jax" or (d1 in JAX_EAGER and d2 in JAX_EAGER and (d1 == d2 or "float32" in (d1, d2))))
            if eager:
                l_eager = standardize_dtype(fn(ops, _tensor(lamina, d1), _tensor(lamina, d2)).dtype)
                if l_eager != l_sym:
                    mismatches.append(f"{d1},{d2}: eager {l_eager} != symbolic {l_sym}")
    assert not mismatches, mismatches


@pytest.mark.parametrize("name", ["trace", "correlate"])
def test_unary_style_dtypes_match_keras(keras, name):
    if name == "trace":
        fn = lambda o, x: o.trace(x)  # noqa: E731
        shape, values = (3, 3), SQ
    else:
        fn = lambda o, x: o.correlate(x, x, mode="full")  # noqa: E731
        shape, values = (3,), SQ[0]
    mismatches = []
    for dt in DTYPES:
        k_sym = keras.backend.standardize_dtype(fn(keras.ops, keras.KerasTensor(shape, dtype=dt)).dtype)
        l_sym = fn(ops, lamina.KerasTensor(shape, dtype=dt)).dtype
        if l_sym != k_sym:
            mismatches.append(f"{dt}: symbolic {l_sym} != keras {k_sym}")
        if _holds(dt):
            out = fn(ops, _tensor(lamina, dt, values))
            if standardize_dtype(out.dtype) != l_sym:
                mismatches.append(f"{dt}: eager {standardize_dtype(out.dtype)} != symbolic {l_sym}")
            if dt != "bool":
                ref = np.trace(values) if name == "trace" else np.correlate(values, values, "full")
                np.testing.assert_allclose(to_np(out).astype("float64"), ref, rtol=1e-2)
    assert not mismatches, mismatches


@pytest.mark.skipif(BACKEND == "jax", reason="jax runs with x64 disabled (no 64-bit arrays)")
def test_unsigned_and_64_bit_products():
    for dt in ("uint16", "uint32", "int64", "float64"):
        a = SQ.astype(dt)
        _check(ops.matmul(a, a), SQ @ SQ)
        _check(ops.einsum("ij,jk->ik", a, a), SQ @ SQ)
        _check(ops.tensordot(a, a, axes=1), SQ @ SQ)
        _check(ops.kron(a, a), np.kron(SQ, SQ))
        _check(ops.trace(a), np.trace(SQ))
        assert standardize_dtype(ops.matmul(a, a).dtype) == lamina.backend.result_type(dt, dt)


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
@pytest.mark.parametrize("call,match", [
    (lambda x: ops.matmul(x((2, 3)), x((4, 5))), r"matmul: the last dimension of x1 \(3\) must equal"),
    (lambda x: ops.matmul(x(()), x((2,))), r"matmul: inputs must have rank >= 1"),
    (lambda x: ops.dot(x((2, 3)), x((4, 5))), r"dot: the last dimension of x1 .* must match"),
    (lambda x: ops.vdot(x((2, 3)), x((5,))), r"vdot: the number of elements of x1 and x2 must match"),
    (lambda x: ops.inner(x((2, 3)), x((2, 4))), r"inner: the last dimensions .* must match"),
    (lambda x: ops.tensordot(x((2, 3)), x((4, 5)), axes=1), r"tensordot: contracted dimensions"),
    (lambda x: ops.tensordot(x((2, 3)), x((3, 5)), axes=3), r"tensordot: axes=3 must be between 0 and"),
    (lambda x: ops.tensordot(x((2, 3)), x((3, 5)), axes=([0, 1], [0])), r"tensordot: the two axis lists"),
    (lambda x: ops.cross(x((2, 4)), x((2, 4))), r"cross: the vectors of x1 must have 2 or 3 components, received 4"),
    (lambda x: ops.cross(x((2, 3)), x((2, 3)), axisa=2), r"cross: axisa 2 is out of bounds"),
    (lambda x: ops.trace(x((3, 3)), axis1=1, axis2=-1), r"trace: axis1 and axis2 must differ"),
    (lambda x: ops.trace(x((3,))), r"trace: the input must have rank >= 2"),
    (lambda x: ops.correlate(x((3, 2)), x((2,))), r"correlate: inputs must be 1-D"),
    (lambda x: ops.correlate(x((3,)), x((2,)), mode="circular"), r"correlate: mode must be one of"),
])
@pytest.mark.parametrize("symbolic", [False, True])
def test_errors_name_the_op(call, match, symbolic):
    make = (lambda s: lamina.KerasTensor(s)) if symbolic else (lambda s: ops.convert_to_tensor(_arr(s)))
    with pytest.raises(ValueError, match=match):
        call(make)


def test_bool_cross_is_refused():
    b = ops.convert_to_tensor(_arr((2, 3), "b"))
    with pytest.raises(TypeError, match="cross: boolean inputs are not supported"):
        ops.cross(b, b)
    with pytest.raises(TypeError, match="cross: boolean inputs are not supported"):
        ops.cross(lamina.KerasTensor((2, 3), "bool"), lamina.KerasTensor((2, 3), "bool"))
