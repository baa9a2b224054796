"""NumPy-style ops built from other ops: diff, isin, trapezoid, corrcoef, slogdet, vectorize, view, rearrange."""

from __future__ import annotations

import re

from lamina.backend import impl as B
from lamina.backend.common.dtypes import result_type, standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec


def _ops():
    from lamina import ops

    return ops


def _diff_spec(a, n=1, axis=-1):
    shape = list(_spec.shape_of(a))
    ax = _spec.canonical_axes(axis, len(shape))[0]
    if shape[ax] is not None:
        shape[ax] = max(shape[ax] - n, 0)
    return KerasTensor(tuple(shape), dtype=result_type(_spec.dtype_of(a)))


@symbolic_op(_diff_spec)
def diff(a, n=1, axis=-1):
    """The n-th discrete difference along ``axis``."""
    ops = _ops()
    a = ops.convert_to_tensor(a)
    rank = len(a.shape)
    ax = _spec.canonical_axes(axis, rank)[0]
    for _ in range(n):
        size = a.shape[ax]
        hi = [slice(None)] * rank
        lo = [slice(None)] * rank
        hi[ax] = slice(1, size)
        lo[ax] = slice(0, size - 1)
        a = ops.subtract(ops.get_item(a, tuple(hi)), ops.get_item(a, tuple(lo)))
    return a


def _isin_spec(x1, x2, assume_unique=False, invert=False):
    return KerasTensor(_spec.shape_of(x1), dtype="bool")


@symbolic_op(_isin_spec)
def isin(x1, x2, assume_unique=False, invert=False):
    """Element-wise: is each value of ``x1`` in ``x2``?"""
    ops = _ops()
    x1, x2 = ops.convert_to_tensor(x1), ops.reshape(ops.convert_to_tensor(x2), (-1,))
    found = ops.any(ops.equal(ops.expand_dims(x1, -1), x2), axis=-1)
    return ops.logical_not(found) if invert else found


def _trapezoid_spec(y, x=None, dx=1.0, axis=-1):
    shape = _spec.reduce_shape(_spec.shape_of(y), axis)
    return KerasTensor(shape, dtype=_spec.float_dtype_of(y))


@symbolic_op(_trapezoid_spec)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integrate ``y`` along ``axis`` with the trapezoidal rule."""
    ops = _ops()
    y = ops.convert_to_tensor(y)
    if not str(y.dtype).startswith(("float", "bfloat")):
        y = ops.cast(y, _spec.float_dtype_of(y))
    rank = len(y.shape)
    ax = _spec.canonical_axes(axis, rank)[0]
    size = y.shape[ax]
    hi = [slice(None)] * rank
    lo = [slice(None)] * rank
    hi[ax], lo[ax] = slice(1, size), slice(0, size - 1)
    avg = ops.divide(ops.add(ops.get_item(y, tuple(hi)), ops.get_item(y, tuple(lo))), 2.0)
    if x is None:
        return ops.multiply(ops.sum(avg, axis=ax), ops.cast(dx, avg.dtype))
    widths = diff(ops.cast(x, avg.dtype), axis=-1 if len(ops.shape(x)) == 1 else ax)
    if len(ops.shape(x)) == 1 and rank > 1:
        shape = [1] * rank
        shape[ax] = -1
        widths = ops.reshape(widths, tuple(shape))
    return ops.sum(ops.multiply(avg, widths), axis=ax)


def _corrcoef_spec(x):
    shape = _spec.shape_of(x)
    n = shape[0] if len(shape) == 2 else 1
    return KerasTensor((n, n), dtype=_spec.float_dtype_of(x))


@symbolic_op(_corrcoef_spec)
def corrcoef(x):
    """Pearson correlation coefficients between the rows of ``x``."""
    ops = _ops()
    x = ops.convert_to_tensor(x)
    if not str(x.dtype).startswith(("float", "bfloat")):
        x = ops.cast(x, _spec.float_dtype_of(x))
    if len(x.shape) == 1:
        x = ops.expand_dims(x, 0)
    centered = ops.subtract(x, ops.mean(x, axis=1, keepdims=True))
    cov = ops.matmul(centered, ops.transpose(centered))
    std = ops.sqrt(ops.diagonal(cov))
    corr = ops.divide(cov, ops.multiply(ops.expand_dims(std, 1), ops.expand_dims(std, 0)))
    return ops.clip(corr, -1.0, 1.0)


def _slogdet_spec(x):
    shape = _spec.shape_of(x)[:-2]
    dtype = _spec.float_dtype_of(x)
    return KerasTensor(shape, dtype=dtype), KerasTensor(shape, dtype=dtype)


@symbolic_op(_slogdet_spec)
def slogdet(x):
    """``(sign, log|det|)`` of square matrices."""
    return B.numpy.slogdet(x)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """A version of ``pyfunc`` that maps over leading axes (NumPy's vectorize semantics)."""
    return B.numpy.vectorize(pyfunc, excluded=excluded, signature=signature)


def _view_spec(x, dtype=None):
    from lamina.backend.common.dtypes import standardize_dtype as std

    shape = list(_spec.shape_of(x))
    src = _spec.dtype_of(x)
    if dtype is None:
        return KerasTensor(tuple(shape), dtype=src)
    new = std(dtype)
    a, b = _itemsize(src), _itemsize(new)
    if a != b and shape and shape[-1] is not None:
        shape[-1] = shape[-1] * a // b
    return KerasTensor(tuple(shape), dtype=new)


def _itemsize(dtype) -> int:
    import numpy as np

    return 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize


@symbolic_op(_view_spec)
def view(x, dtype=None):
    """Reinterpret the bytes of ``x`` as ``dtype`` (the last axis rescales when item sizes differ)."""
    if dtype is None:
        return B.core.convert_to_tensor(x)
    return B.numpy.view(x, standardize_dtype(dtype))


_TOKEN = re.compile(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*|\.\.\.|1")


def _parse_side(side: str):
    groups, current, depth = [], None, 0
    for tok in _TOKEN.findall(side):
        if tok == "(":
            if depth:
                raise ValueError(f"rearrange: nested parentheses are not supported in {side!r}.")
            depth, current = 1, []
        elif tok == ")":
            depth = 0
            groups.append(current)
            current = None
        elif depth:
            current.append(tok)
        else:
            groups.append([tok])
    return groups


def rearrange(tensor, pattern: str, **axes_lengths):
    """Reorder, merge and split axes with an einops-style pattern, e.g. ``"b h w c -> b (h w) c"``."""
    ops = _ops()
    if "->" not in pattern:
        raise ValueError(f"rearrange: pattern must contain '->', received {pattern!r}.")
    left, right = (s.strip() for s in pattern.split("->"))
    in_groups, out_groups = _parse_side(left), _parse_side(right)
    shape = list(ops.shape(tensor))
    if len(in_groups) != len(shape):
        raise ValueError(f"rearrange: pattern {left!r} names {len(in_groups)} axes; the tensor has rank {len(shape)}.")
    sizes = dict(axes_lengths)
    for group, dim in zip(in_groups, shape):
        unknown = [n for n in group if n not in sizes and n != "1"]
        known = 1
        for n in group:
            if n in sizes:
                known *= sizes[n]
        if len(unknown) == 1:
            sizes[unknown[0]] = dim // known if dim is not None else None
        elif len(unknown) > 1:
            raise ValueError(f"rearrange: cannot infer the sizes of {unknown} in {left!r}; pass them as keywords.")
    elementary = [n for g in in_groups for n in g if n != "1"]
    x = ops.reshape(tensor, tuple(-1 if sizes[n] is None else sizes[n] for n in elementary)) \
        if any(len(g) > 1 for g in in_groups) or any("1" in g for g in in_groups) else tensor
    out_names = [n for g in out_groups for n in g if n != "1"]
    if sorted(out_names) != sorted(elementary):
        raise ValueError(f"rearrange: the axes on both sides of {pattern!r} must match.")
    perm = tuple(elementary.index(n) for n in out_names)
    if perm != tuple(range(len(perm))):
        x = ops.transpose(x, perm)
    out_shape = []
    for g in out_groups:
        size = 1
        for n in g:
            size = None if size is None or sizes.get(n, 1) is None else size * (1 if n == "1" else sizes[n])
        out_shape.append(-1 if size is None else size)
    if len(out_shape) != len(out_names) or any(len(g) != 1 or g == ["1"] for g in out_groups):
        x = ops.reshape(x, tuple(out_shape))
    return x
