"""Products: matmul, dot, tensordot, einsum, outer, inner, cross, trace, kron (part of ``lamina.ops.numpy``).

Every op runs the backend kernel on real tensors; on KerasTensors its spec
function infers the output shape (``None`` for unknown dimensions) and dtype.
Dtypes follow Keras 3: inputs are promoted together (Python scalars weakly),
except that ``matmul`` and ``einsum`` of int8 operands give int32, ``trace``
accumulates bools and small ints in 32 bits, and ``correlate`` is a float op.

Example:
    >>> from lamina import ops
    >>> ops.einsum("bij,bjk->bik", ops.KerasTensor((None, 2, 3)), ops.KerasTensor((None, 3, 4))).shape
    (None, 2, 4)
"""

from __future__ import annotations

import builtins
import operator

from lamina import config
from lamina.backend import impl as B
from lamina.backend.common.dtypes import result_type
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec

_KERNEL_ERRORS = (ValueError, TypeError, IndexError, RuntimeError)
_CORRELATE_MODES = ("valid", "same", "full")


# --------------------------------------------------------------------------
# private helpers
# --------------------------------------------------------------------------
def _std_dtype(x) -> str:
    """The dtype ``x`` has as a tensor (Python scalars: int32 / floatx / bool)."""
    d = _spec.dtype_of(x)
    return result_type(d) if isinstance(d, type) else d


def _promoted(*xs) -> str:
    return result_type(*[_spec.dtype_of(x) for x in xs])


def _merge(op: str, a, b, what: str):
    """Two static sizes of one contracted dimension: the known one, or an error if they differ."""
    if a is None:
        return b
    if b is not None and a != b:
        raise ValueError(f"{op}: {what} must match; received sizes {a} and {b}.")
    return a


def _axis(op: str, axis, ndim: int, name: str = "axis") -> int:
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, received {axis!r}.") from None
    if not -ndim <= a < ndim:
        raise ValueError(f"{op}: {name} {a} is out of bounds for a tensor of rank {ndim}.")
    return a % ndim


def _prod_or_none(dims):
    p = 1
    for d in dims:
        if d is None:
            return None
        p *= d
    return p


def _describe(*xs) -> str:
    parts = []
    for x in xs:
        try:
            parts.append(f"shape {_spec.shape_of(x)} ({_std_dtype(x)})")
        except Exception:  # pragma: no cover - not tensor-like at all
            parts.append(repr(x))
    return " and ".join(parts)


def _fail(op: str, exc: Exception, *xs, spec=None, args=None) -> Exception:
    """A clear error for a kernel failure. If the spec function finds the problem, its message wins."""
    if spec is not None:
        try:
            spec(*args)
        except (ValueError, TypeError) as spec_error:
            return spec_error
    cls = TypeError if isinstance(exc, TypeError) else ValueError
    return cls(f"{op}: cannot compute for inputs of {_describe(*xs)}: {exc}")


def _call(op: str, kernel, spec, *args, **kwargs):
    """Run ``kernel``; turn a framework error into one naming the op and the inputs."""
    try:
        return kernel(*args, **kwargs)
    except _KERNEL_ERRORS as e:
        tensors = [a for a in args if not isinstance(a, str)]
        raise _fail(op, e, *tensors, spec=lambda *a: spec(*a, **kwargs), args=args) from e


# --------------------------------------------------------------------------
# matmul, dot, vdot, inner, outer
# --------------------------------------------------------------------------
def _matmul_spec(x1, x2):
    s1, s2 = _spec.shape_of(x1), _spec.shape_of(x2)
    if len(s1) == 0 or len(s2) == 0:
        raise ValueError(f"matmul: inputs must have rank >= 1 (use multiply for scalars); received shapes {s1} and {s2}.")
    a = (1,) + s1 if len(s1) == 1 else s1
    b = s2 + (1,) if len(s2) == 1 else s2
    if a[-1] is not None and b[-2] is not None and a[-1] != b[-2]:
        raise ValueError(
            f"matmul: the last dimension of x1 ({a[-1]}) must equal the second-to-last of x2 "
            f"({b[-2]}); received shapes {s1} and {s2}."
        )
    try:
        batch = _spec.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions do not broadcast; received shapes {s1} and {s2}.") from None
    out = batch + (a[-2], b[-1])
    if len(s1) == 1:
        out = out[:-2] + out[-1:]
    if len(s2) == 1:
        out = out[:-1]
    d1, d2 = _std_dtype(x1), _std_dtype(x2)
    dtype = "int32" if d1 == "int8" and d2 == "int8" else _promoted(x1, x2)
    return KerasTensor(out, dtype=dtype)


@symbolic_op(_matmul_spec)
def matmul(x1, x2):
    """Matrix product with NumPy's rules: 1-D operands are vectors, leading dimensions broadcast.

    int8 @ int8 gives int32.

    Example:
        >>> ops.matmul(ops.ones((5, 2, 3)), ops.ones((3, 4))).shape
        (5, 2, 4)
    """
    return _call("matmul", B.numpy.matmul, _matmul_spec, x1, x2)


def _dot_spec(x1, x2):
    s1, s2 = _spec.shape_of(x1), _spec.shape_of(x2)
    dtype = _promoted(x1, x2)
    if not s1 or not s2:
        return KerasTensor(s2 if not s1 else s1, dtype=dtype)
    if len(s2) == 1:
        _merge("dot", s1[-1], s2[0], f"the last dimension of x1 {s1} and the length of x2 {s2}")
        return KerasTensor(s1[:-1], dtype=dtype)
    _merge("dot", s1[-1], s2[-2], f"the last dimension of x1 {s1} and the second-to-last of x2 {s2}")
    return KerasTensor(s1[:-1] + s2[:-2] + s2[-1:], dtype=dtype)


@symbolic_op(_dot_spec)
def dot(x1, x2):
    """NumPy's ``dot``: scalars multiply, 1-D·1-D is the inner product, otherwise sum over
    the last axis of ``x1`` and the second-to-last of ``x2``.

    Example:
        >>> ops.dot(ops.ones((2, 3)), ops.ones((4, 3, 5))).shape
        (2, 4, 5)
    """
    return _call("dot", B.numpy.dot, _dot_spec, x1, x2)


def _vdot_spec(x1, x2):
    n1, n2 = _prod_or_none(_spec.shape_of(x1)), _prod_or_none(_spec.shape_of(x2))
    _merge("vdot", n1, n2, "the number of elements of x1 and x2")
    return KerasTensor((), dtype=_promoted(x1, x2))


@symbolic_op(_vdot_spec)
def vdot(x1, x2):
    """Dot product of the flattened inputs (the first one conjugated)."""
    return _call("vdot", B.numpy.vdot, _vdot_spec, x1, x2)


def _inner_spec(x1, x2):
    s1, s2 = _spec.shape_of(x1), _spec.shape_of(x2)
    dtype = _promoted(x1, x2)
    if not s1 or not s2:
        return KerasTensor(s2 if not s1 else s1, dtype=dtype)
    _merge("inner", s1[-1], s2[-1], f"the last dimensions of x1 {s1} and x2 {s2}")
    return KerasTensor(s1[:-1] + s2[:-1], dtype=dtype)


@symbolic_op(_inner_spec)
def inner(x1, x2):
    """Sum of products over the last axes: shape ``x1.shape[:-1] + x2.shape[:-1]``."""
    return _call("inner", B.numpy.inner, _inner_spec, x1, x2)


def _outer_spec(x1, x2):
    shape = (_prod_or_none(_spec.shape_of(x1)), _prod_or_none(_spec.shape_of(x2)))
    return KerasTensor(shape, dtype=_promoted(x1, x2))


@symbolic_op(_outer_spec)
def outer(x1, x2):
    """Outer product of the flattened inputs: shape ``(x1.size, x2.size)``."""
    return _call("outer", B.numpy.outer, _outer_spec, x1, x2)


# --------------------------------------------------------------------------
# tensordot
# --------------------------------------------------------------------------
def _tensordot_axes(axes, r1: int, r2: int) -> tuple:
    """``axes`` as two equal-length tuples of non-negative axes."""
    if isinstance(axes, int):
        if not 0 <= axes <= builtins.min(r1, r2):
            raise ValueError(
                f"tensordot: axes={axes} must be between 0 and the smaller rank ({builtins.min(r1, r2)})."
            )
        return tuple(range(r1 - axes, r1)), tuple(range(axes))
    try:
        a, b = axes
    except (TypeError, ValueError):
        raise ValueError(f"tensordot: axes must be an int or a pair of axis lists, received {axes!r}.") from None
    a = tuple(a) if isinstance(a, (list, tuple)) else (a,)
    b = tuple(b) if isinstance(b, (list, tuple)) else (b,)
    if len(a) != len(b):
        raise ValueError(f"tensordot: the two axis lists must have the same length, received {axes!r}.")
    return (tuple(_axis("tensordot", i, r1) for i in a), tuple(_axis("tensordot", i, r2) for i in b))


def _tensordot_spec(x1, x2, axes=2):
    s1, s2 = _spec.shape_of(x1), _spec.shape_of(x2)
    a, b = _tensordot_axes(axes, len(s1), len(s2))
    for i, j in zip(a, b):
        _merge("tensordot", s1[i], s2[j], f"contracted dimensions (x1 axis {i} of {s1}, x2 axis {j} of {s2})")
    out = tuple(d for i, d in enumerate(s1) if i not in a) + tuple(d for j, d in enumerate(s2) if j not in b)
    return KerasTensor(out, dtype=_promoted(x1, x2))


@symbolic_op(_tensordot_spec)
def tensordot(x1, x2, axes=2):
    """Sum of products over the given axes.

    ``axes`` is an int N (the last N axes of ``x1`` with the first N of ``x2``)
    or a pair ``(axes_of_x1, axes_of_x2)``.

    Example:
        >>> ops.tensordot(ops.ones((2, 3, 4)), ops.ones((4, 3, 5)), axes=([1, 2], [1, 0])).shape
        (2, 5)
    """
    return _call("tensordot", B.numpy.tensordot, _tensordot_spec, x1, x2, axes=axes)


# --------------------------------------------------------------------------
# einsum
# --------------------------------------------------------------------------
def _einsum_merge(a, b):
    """Sizes of one label across operands, NumPy-style: 1 broadcasts; None is unknown."""
    known = [d for d in (a, b) if d is not None and d != 1]
    if known:
        if len(set(known)) > 1:
            raise ValueError(f"sizes {known[0]} and {known[1]} differ")
        return known[0]
    return None if None in (a, b) else 1


def _einsum_spec(subscripts, *operands, **kwargs):
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string such as 'ij,jk->ik', received {subscripts!r}.")
    s = subscripts.replace(" ", "")
    if s.count("->") > 1:
        raise ValueError(f"einsum: at most one '->' is allowed, received {subscripts!r}.")
    lhs, out = s.split("->") if "->" in s else (s, None)
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(
            f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s) but {len(operands)} were given."
        )
    sizes: dict = {}
    counts: dict = {}
    ellipses = []
    for k, (term, x) in enumerate(zip(terms, operands)):
        shape = _spec.shape_of(x)
        if "." in term.replace("...", "", 1):
            raise ValueError(f"einsum: invalid subscript {term!r} (an ellipsis is written '...', at most once).")
        if "..." in term:
            pre, post = term.split("...")
            n_ell = len(shape) - len(pre) - len(post)
            if n_ell < 0:
                raise ValueError(f"einsum: operand {k} has rank {len(shape)}, fewer than the labels in {term!r}.")
            letters = pre + post
            dims = shape[: len(pre)] + shape[len(shape) - len(post):]
            ellipses.append(shape[len(pre): len(pre) + n_ell])
        else:
            if len(term) != len(shape):
                raise ValueError(
                    f"einsum: subscript {term!r} has {len(term)} labels but operand {k} has rank {len(shape)} "
                    f"(shape {shape})."
                )
            letters, dims = term, shape
        for c, d in zip(letters, dims):
            if not c.isalpha():
                raise ValueError(f"einsum: invalid label {c!r} in {subscripts!r}; labels are letters.")
            try:
                sizes[c] = _einsum_merge(sizes[c], d) if c in sizes else d
            except ValueError as e:
                raise ValueError(f"einsum: label {c!r} has inconsistent sizes: {e} (operand {k}, shape {shape}).")
            counts[c] = counts.get(c, 0) + 1
    try:
        ell = _spec.broadcast_shapes(*ellipses) if ellipses else ()
    except ValueError:
        raise ValueError(f"einsum: the dimensions covered by '...' do not broadcast: {ellipses}.") from None
    if out is None:
        out = ("..." if ellipses else "") + "".join(sorted(c for c, n in counts.items() if n == 1))
    elif ell and "..." not in out:
        raise ValueError(
            f"einsum: the output {out!r} must contain '...' to keep the broadcast dimensions {ell}."
        )
    out_letters = out.replace("...", "")
    if len(set(out_letters)) != len(out_letters):
        raise ValueError(f"einsum: output subscript {out!r} repeats a label.")
    for c in out_letters:
        if c not in sizes:
            raise ValueError(f"einsum: output label {c!r} does not appear in the inputs of {subscripts!r}.")
    if "..." in out:
        pre, post = out.split("...")
        shape = [sizes[c] for c in pre] + list(ell) + [sizes[c] for c in post]
    else:
        shape = [sizes[c] for c in out]
    dtypes = {_std_dtype(x) for x in operands}
    dtype = "int32" if dtypes == {"int8"} else result_type(*[_spec.dtype_of(x) for x in operands])
    return KerasTensor(tuple(shape), dtype=dtype)


@symbolic_op(_einsum_spec)
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation, NumPy's notation (implicit or explicit output, '...' broadcasting).

    Operands of int8 only give int32.

    Example:
        >>> ops.einsum("...ij,...jk->...ik", ops.ones((5, 2, 3)), ops.ones((3, 4))).shape
        (5, 2, 4)
    """
    try:
        return B.numpy.einsum(subscripts, *operands, **kwargs)
    except _KERNEL_ERRORS as e:
        try:
            _einsum_spec(subscripts, *operands)
        except (ValueError, TypeError) as spec_error:
            raise spec_error from e
        raise ValueError(f"einsum: cannot compute {subscripts!r} for operands of {_describe(*operands)}: {e}") from e


# --------------------------------------------------------------------------
# cross, kron, trace, correlate
# --------------------------------------------------------------------------
def _cross_spec(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    s1, s2 = list(_spec.shape_of(x1)), list(_spec.shape_of(x2))
    if not s1 or not s2:
        raise ValueError(f"cross: inputs must have rank >= 1, received shapes {tuple(s1)} and {tuple(s2)}.")
    a = _axis("cross", axisa, len(s1), "axisa")
    b = _axis("cross", axisb, len(s2), "axisb")
    n1, n2 = s1.pop(a), s2.pop(b)
    for n, which in ((n1, "x1"), (n2, "x2")):
        if n is not None and n not in (2, 3):
            raise ValueError(f"cross: the vectors of {which} must have 2 or 3 components, received {n}.")
    if _std_dtype(x1) == "bool" and _std_dtype(x2) == "bool":
        raise TypeError("cross: boolean inputs are not supported (the cross product subtracts).")
    try:
        batch = list(_spec.broadcast_shapes(tuple(s1), tuple(s2)))
    except ValueError:
        raise ValueError(
            f"cross: the non-vector dimensions {tuple(s1)} and {tuple(s2)} do not broadcast."
        ) from None
    if n1 == 2 and n2 == 2:
        out = batch
    else:
        c = _axis("cross", axisc, len(batch) + 1, "axisc")
        out = batch[:c] + [3] + batch[c:]
    return KerasTensor(tuple(out), dtype=_promoted(x1, x2))


@symbolic_op(_cross_spec)
def cross(x1, x2, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis=None):
    """Cross product of 2- or 3-component vectors along ``axisa`` / ``axisb``, written along ``axisc``.

    ``axis``, when given, sets all three. Two 2-vectors give the z component only.

    Example:
        >>> ops.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])   # [0, 0, 1]
    """
    return _call("cross", B.numpy.cross, _cross_spec, x1, x2, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


def _kron_spec(x1, x2):
    s1, s2 = _spec.shape_of(x1), _spec.shape_of(x2)
    n = builtins.max(len(s1), len(s2))
    s1 = (1,) * (n - len(s1)) + s1
    s2 = (1,) * (n - len(s2)) + s2
    shape = tuple(None if a is None or b is None else a * b for a, b in zip(s1, s2))
    return KerasTensor(shape, dtype=_promoted(x1, x2))


@symbolic_op(_kron_spec)
def kron(x1, x2):
    """Kronecker product (blocks of ``x2`` scaled by each element of ``x1``).

    Example:
        >>> ops.kron(ops.eye(2), ops.ones((2, 3))).shape
        (4, 6)
    """
    return _call("kron", B.numpy.kron, _kron_spec, x1, x2)


def _trace_dtype(x) -> str:
    d = _std_dtype(x)
    if d in ("bool", "int8", "int16"):
        return "int32"
    if d in ("uint8", "uint16"):
        d = "uint32"
    if d == "uint32" and config.backend() == "torch":
        return "int32"
    return d


def _trace_spec(x, offset=0, axis1=0, axis2=1):
    shape = _spec.shape_of(x)
    if len(shape) < 2:
        raise ValueError(f"trace: the input must have rank >= 2, received shape {shape}.")
    a1 = _axis("trace", axis1, len(shape), "axis1")
    a2 = _axis("trace", axis2, len(shape), "axis2")
    if a1 == a2:
        raise ValueError(f"trace: axis1 and axis2 must differ, received axis1={axis1}, axis2={axis2}.")
    out = tuple(d for i, d in enumerate(shape) if i not in (a1, a2))
    return KerasTensor(out, dtype=_trace_dtype(x))


@symbolic_op(_trace_spec)
def trace(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """Sum along a diagonal (``offset`` above the main one) of the ``axis1``/``axis2`` planes.

    Example:
        >>> ops.trace(ops.eye(3))   # 3.0
    """
    return _call("trace", B.numpy.trace, _trace_spec, x, offset=offset, axis1=axis1, axis2=axis2)


def _correlate_spec(x1, x2, mode="valid"):
    s1, s2 = _spec.shape_of(x1), _spec.shape_of(x2)
    if mode not in _CORRELATE_MODES:
        raise ValueError(f"correlate: mode must be one of {list(_CORRELATE_MODES)}, received {mode!r}.")
    if len(s1) != 1 or len(s2) != 1:
        raise ValueError(f"correlate: inputs must be 1-D, received shapes {s1} and {s2}.")
    n, m = s1[0], s2[0]
    if n == 0 or m == 0:
        raise ValueError(f"correlate: inputs must not be empty, received shapes {s1} and {s2}.")
    if n is None or m is None:
        length = None
    elif mode == "valid":
        length = builtins.max(n, m) - builtins.min(n, m) + 1
    elif mode == "same":
        length = builtins.max(n, m)
    else:
        length = n + m - 1
    d = _promoted(x1, x2)
    return KerasTensor((length,), dtype=d if d in ("bfloat16", "float16") else "float32")


@symbolic_op(_correlate_spec)
def correlate(x1, x2, mode: str = "valid"):
    """Cross-correlation of two 1-D sequences, NumPy's ``correlate`` (modes "valid", "same", "full").

    The result is a float tensor (float16/bfloat16 inputs keep their type).

    Example:
        >>> ops.correlate([1.0, 2.0, 3.0], [0.0, 1.0, 0.5], mode="same")   # [2.0, 3.5, 3.0]
    """
    if mode not in _CORRELATE_MODES:
        raise ValueError(f"correlate: mode must be one of {list(_CORRELATE_MODES)}, received {mode!r}.")
    return _call("correlate", B.numpy.correlate, _correlate_spec, x1, x2, mode=mode)
