"""Shape manipulation: reshape, transpose, concatenate, stack, split, pad, tile, flip, tril (part of ``lamina.ops.numpy``).

Every op runs the backend kernel on real tensors; on KerasTensors its spec
function infers the output shape (``None`` for unknown dimensions) and dtype.

Example:
    >>> from lamina import ops
    >>> ops.concatenate([ops.ones((2, 3)), ops.zeros((1, 3))], axis=0).shape
    (3, 3)
"""

from __future__ import annotations

import builtins
import operator

from lamina.backend import impl as B
from lamina.backend.common.dtypes import result_type
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec


# --------------------------------------------------------------------------
# private helpers shared by the spec functions
# --------------------------------------------------------------------------
def _prod(dims):
    p = 1
    for d in dims:
        p *= d
    return p


def _prod_or_none(dims):
    return None if any(d is None for d in dims) else _prod(dims)


def _axis(op: str, axis, ndim: int) -> int:
    """``axis`` as a non-negative int, or a ValueError naming ``op``."""
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be an integer, received {axis!r}.") from None
    if not -ndim <= a < ndim:
        raise ValueError(f"{op}: axis {a} is out of bounds for a tensor of rank {ndim}.")
    return a % ndim


def _axes(op: str, axis, ndim: int) -> tuple:
    """An int or a sequence of ints as a tuple of distinct non-negative axes."""
    seq = axis if isinstance(axis, (list, tuple)) else (axis,)
    out = tuple(_axis(op, a, ndim) for a in seq)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}.")
    return out


def _merge_dim(op: str, a, b, what: str = "dimension"):
    """Two static sizes of the same dimension: the known one, or an error if they differ."""
    if a is None:
        return b
    if b is not None and a != b:
        raise ValueError(f"{op}: {what} sizes differ ({a} vs {b}).")
    return a


def _dtypes(xs):
    return [_spec.dtype_of(x) for x in xs]


def _check_sequence(op: str, xs):
    if not isinstance(xs, (list, tuple)) or len(xs) == 0:
        raise ValueError(f"{op}: expected a non-empty list of tensors, received {xs!r}.")


def _static_ints(op: str, what: str, value) -> list | None:
    """A Python int / sequence / concrete array as a list of ints; None for a symbolic tensor."""
    if isinstance(value, KerasTensor):
        return None
    if isinstance(value, int):
        return [value]
    if hasattr(value, "shape") and not isinstance(value, (list, tuple)):
        import numpy as np

        value = B.core.convert_to_numpy(value) if B.core.is_tensor(value) else np.asarray(value)
        return [int(v) for v in value.reshape(-1)]
    try:
        return [operator.index(v) for v in value]
    except TypeError:
        raise TypeError(f"{op}: {what} must be integers, received {value!r}.") from None


# --------------------------------------------------------------------------
# reshape, transpose, expand_dims, squeeze, ravel, broadcast_to
# --------------------------------------------------------------------------
def _reshape_spec(x, newshape):
    shape = _spec.shape_of(x)
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    known = [d for d in newshape if d is not None and d != -1]
    unknown = [i for i, d in enumerate(newshape) if d is None or d == -1]
    dtype = _spec.dtype_of(x)
    if len(unknown) > 1:
        return KerasTensor(tuple(None if d in (None, -1) else d for d in newshape), dtype=dtype)
    total = None if any(d is None for d in shape) else _prod(shape)
    if unknown:
        i = unknown[0]
        if total is not None:
            rest = _prod(known)
            if rest == 0 or total % rest:
                raise ValueError(f"reshape: cannot reshape a tensor of shape {shape} into {newshape}.")
            newshape = newshape[:i] + (total // rest,) + newshape[i + 1:]
        else:
            newshape = newshape[:i] + (None,) + newshape[i + 1:]
    elif total is not None and _prod(newshape) != total:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {shape} ({total} values) into {newshape}.")
    return KerasTensor(newshape, dtype=dtype)


@symbolic_op(_reshape_spec)
def reshape(x, newshape):
    """Give ``x`` a new shape (one dimension may be -1)."""
    return B.numpy.reshape(x, newshape)


def _permutation(op: str, axes, ndim: int) -> tuple:
    if axes is None:
        return tuple(range(ndim - 1, -1, -1))
    perm = tuple(_axis(op, a, ndim) for a in axes)
    if sorted(perm) != list(range(ndim)):
        raise ValueError(f"{op}: axes must be a permutation of 0..{ndim - 1}, received {tuple(axes)}.")
    return perm


def _transpose_spec(x, axes=None):
    shape = _spec.shape_of(x)
    perm = _permutation("transpose", axes, len(shape))
    return KerasTensor(tuple(shape[p] for p in perm), dtype=_spec.dtype_of(x))


@symbolic_op(_transpose_spec)
def transpose(x, axes=None):
    """Permute the axes of ``x`` (reverse them when ``axes`` is None).

    Example:
        >>> ops.transpose(ops.ones((2, 3, 4)), axes=(2, 0, 1)).shape
        (4, 2, 3)
    """
    return B.numpy.transpose(x, axes)


def _expand_dims_shape(shape: tuple, axis) -> tuple:
    seq = axis if isinstance(axis, (list, tuple)) else (axis,)
    out_ndim = len(shape) + len(seq)
    axes = set(_axes("expand_dims", seq, out_ndim))
    it = iter(shape)
    return tuple(1 if i in axes else next(it) for i in range(out_ndim))


def _expand_dims_spec(x, axis):
    return KerasTensor(_expand_dims_shape(_spec.shape_of(x), axis), dtype=_spec.dtype_of(x))


@symbolic_op(_expand_dims_spec)
def expand_dims(x, axis):
    """Insert length-1 axes at ``axis`` (an int or a tuple of positions in the output).

    Example:
        >>> ops.expand_dims(ops.ones((2, 3)), (0, -1)).shape
        (1, 2, 3, 1)
    """
    return B.numpy.expand_dims(x, axis)


def _squeeze_spec(x, axis=None):
    shape = _spec.shape_of(x)
    if axis is None:
        return KerasTensor(tuple(d for d in shape if d != 1), dtype=_spec.dtype_of(x))
    axes = _axes("squeeze", axis, len(shape))
    for a in axes:
        if shape[a] is not None and shape[a] != 1:
            raise ValueError(
                f"squeeze: cannot squeeze axis {a} of a tensor of shape {shape}: its size is {shape[a]}, not 1."
            )
    return KerasTensor(tuple(d for i, d in enumerate(shape) if i not in axes), dtype=_spec.dtype_of(x))


@symbolic_op(_squeeze_spec)
def squeeze(x, axis=None):
    """Remove length-1 axes (all of them, or those in ``axis``)."""
    return B.numpy.squeeze(x, axis)


def _ravel_spec(x):
    return KerasTensor((_prod_or_none(_spec.shape_of(x)),), dtype=_spec.dtype_of(x))


@symbolic_op(_ravel_spec)
def ravel(x):
    """``x`` flattened to one dimension."""
    return B.numpy.ravel(x)


def _broadcast_to_spec(x, shape):
    target = (shape,) if isinstance(shape, int) else tuple(shape)
    source = _spec.shape_of(x)
    if len(source) > len(target):
        raise ValueError(f"broadcast_to: cannot broadcast a tensor of shape {source} to the shorter shape {target}.")
    for s, d in zip(source[::-1], target[::-1]):
        if s is not None and d is not None and s != 1 and s != d:
            raise ValueError(f"broadcast_to: cannot broadcast a tensor of shape {source} to shape {target}.")
    return KerasTensor(target, dtype=_spec.dtype_of(x))


@symbolic_op(_broadcast_to_spec)
def broadcast_to(x, shape):
    """Broadcast ``x`` to ``shape`` with NumPy's rules.

    Example:
        >>> ops.broadcast_to(ops.ones((3,)), (2, 3)).shape
        (2, 3)
    """
    return B.numpy.broadcast_to(x, (shape,) if isinstance(shape, int) else tuple(shape))


# --------------------------------------------------------------------------
# joining
# --------------------------------------------------------------------------
def _concat_shapes(op: str, shapes, axis) -> tuple:
    if axis is None:
        sizes = [_prod_or_none(s) for s in shapes]
        return (None if None in sizes else builtins.sum(sizes),)
    ndim = len(shapes[0])
    if ndim == 0:
        raise ValueError(f"{op}: zero-dimensional tensors cannot be concatenated.")
    for s in shapes:
        if len(s) != ndim:
            raise ValueError(f"{op}: all inputs must have the same rank, received shapes {list(shapes)}.")
    a = _axis(op, axis, ndim)
    out = []
    for i in range(ndim):
        dims = [s[i] for s in shapes]
        if i == a:
            out.append(None if None in dims else builtins.sum(dims))
        else:
            d = None
            for v in dims:
                d = _merge_dim(op, d, v, f"inputs' dimension {i} (shapes {list(shapes)})")
            out.append(d)
    return tuple(out)


def _concatenate_spec(xs, axis=0):
    _check_sequence("concatenate", xs)
    shapes = [_spec.shape_of(x) for x in xs]
    return KerasTensor(_concat_shapes("concatenate", shapes, axis), dtype=result_type(*_dtypes(xs)))


@symbolic_op(_concatenate_spec)
def concatenate(xs, axis=0):
    """Join tensors along an existing axis (flattened first when ``axis`` is None).

    Inputs of different dtypes are promoted to a common dtype.

    Example:
        >>> ops.concatenate([ops.ones((2, 3)), ops.ones((2, 1))], axis=1).shape
        (2, 4)
    """
    _check_sequence("concatenate", xs)
    return B.numpy.concatenate(xs, axis=axis)


def _stack_spec(x, axis=0):
    _check_sequence("stack", x)
    shapes = [_spec.shape_of(e) for e in x]
    ndim = len(shapes[0])
    for s in shapes:
        if len(s) != ndim:
            raise ValueError(f"stack: all inputs must have the same shape, received shapes {shapes}.")
    common = tuple(
        _merge_dim_all("stack", [s[i] for s in shapes], shapes) for i in range(ndim)
    )
    a = _axis("stack", axis, ndim + 1)
    return KerasTensor(common[:a] + (len(x),) + common[a:], dtype=result_type(*_dtypes(x)))


def _merge_dim_all(op, dims, shapes):
    d = None
    for v in dims:
        d = _merge_dim(op, d, v, f"input (shapes {shapes})")
    return d


@symbolic_op(_stack_spec)
def stack(x, axis=0):
    """Join same-shaped tensors along a new axis.

    Example:
        >>> ops.stack([ops.ones((2,)), ops.zeros((2,))], axis=1).shape
        (2, 2)
    """
    _check_sequence("stack", x)
    return B.numpy.stack(x, axis=axis)


def _at_least(shape: tuple, n: int) -> tuple:
    """The shape NumPy's atleast_{1,2,3}d gives."""
    if len(shape) >= n:
        return shape
    if n == 1:
        return (1,)
    if n == 2:
        return (1,) + shape if len(shape) == 1 else (1, 1)
    if len(shape) == 0:
        return (1, 1, 1)
    if len(shape) == 1:
        return (1,) + shape + (1,)
    return shape + (1,)


def _hstack_spec(xs):
    _check_sequence("hstack", xs)
    shapes = [_at_least(_spec.shape_of(x), 1) for x in xs]
    axis = 0 if len(shapes[0]) == 1 else 1
    return KerasTensor(_concat_shapes("hstack", shapes, axis), dtype=result_type(*_dtypes(xs)))


@symbolic_op(_hstack_spec)
def hstack(xs):
    """Stack tensors column-wise (along axis 1; axis 0 for 1-D inputs)."""
    _check_sequence("hstack", xs)
    return B.numpy.hstack(xs)


def _vstack_spec(xs):
    _check_sequence("vstack", xs)
    shapes = [_at_least(_spec.shape_of(x), 2) for x in xs]
    return KerasTensor(_concat_shapes("vstack", shapes, 0), dtype=result_type(*_dtypes(xs)))


@symbolic_op(_vstack_spec)
def vstack(xs):
    """Stack tensors row-wise (1-D inputs become rows)."""
    _check_sequence("vstack", xs)
    return B.numpy.vstack(xs)


def _dstack_spec(xs):
    _check_sequence("dstack", xs)
    shapes = [_at_least(_spec.shape_of(x), 3) for x in xs]
    return KerasTensor(_concat_shapes("dstack", shapes, 2), dtype=result_type(*_dtypes(xs)))


@symbolic_op(_dstack_spec)
def dstack(xs):
    """Stack tensors depth-wise (along the third axis)."""
    _check_sequence("dstack", xs)
    return B.numpy.dstack(xs)


def _append_spec(x1, x2, axis=None):
    dtype = result_type(_spec.dtype_of(x1), _spec.dtype_of(x2))
    shapes = [_spec.shape_of(x1), _spec.shape_of(x2)]
    return KerasTensor(_concat_shapes("append", shapes, axis), dtype=dtype)


@symbolic_op(_append_spec)
def append(x1, x2, axis=None):
    """Append ``x2`` to the end of ``x1`` along ``axis`` (both flattened when None)."""
    return B.numpy.append(x1, x2, axis=axis)


# --------------------------------------------------------------------------
# splitting
# --------------------------------------------------------------------------
def _split_specs(op: str, x, indices_or_sections, axis, exact: bool):
    shape = _spec.shape_of(x)
    if len(shape) == 0:
        raise ValueError(f"{op}: cannot split a zero-dimensional tensor.")
    a = _axis(op, axis, len(shape))
    n = shape[a]
    dtype = _spec.dtype_of(x)
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise ValueError(f"{op}: the number of sections must be positive, received {k}.")
        if n is None:
            sizes = [None] * k
        elif exact:
            if n % k:
                raise ValueError(
                    f"{op}: the size of axis {a} ({n}) is not divisible into {k} equal sections; "
                    "use array_split for unequal sections."
                )
            sizes = [n // k] * k
        else:
            sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    else:
        bounds = [0] + _static_ints(op, "indices", indices_or_sections) + [n]
        sizes = []
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            if n is not None:
                sizes.append(len(range(n)[slice(lo, hi)]))
            elif lo is not None and hi is not None and lo >= 0 and hi >= 0:
                sizes.append(max(0, hi - lo))
            else:
                sizes.append(None)
    return [KerasTensor(shape[:a] + (s,) + shape[a + 1:], dtype=dtype) for s in sizes]


def _split_spec(x, indices_or_sections, axis=0):
    return _split_specs("split", x, indices_or_sections, axis, exact=True)


@symbolic_op(_split_spec)
def split(x, indices_or_sections, axis=0):
    """Split ``x`` into equal sections (an int) or at the given indices (a list).

    Example:
        >>> [p.shape for p in ops.split(ops.ones((6, 2)), [1, 4])]
        [(1, 2), (3, 2), (2, 2)]
    """
    return B.numpy.split(x, indices_or_sections, axis=axis)


def _array_split_spec(x, indices_or_sections, axis=0):
    return _split_specs("array_split", x, indices_or_sections, axis, exact=False)


@symbolic_op(_array_split_spec)
def array_split(x, indices_or_sections, axis=0):
    """Like :func:`split`, but an int number of sections need not divide the axis evenly."""
    return B.numpy.array_split(x, indices_or_sections, axis=axis)


def _hsplit_axis(x):
    ndim = len(_spec.shape_of(x))
    if ndim == 0:
        raise ValueError("hsplit: requires a tensor of rank >= 1, received a scalar.")
    return 0 if ndim == 1 else 1


def _hsplit_spec(x, indices_or_sections):
    return _split_specs("hsplit", x, indices_or_sections, _hsplit_axis(x), exact=True)


@symbolic_op(_hsplit_spec)
def hsplit(x, indices_or_sections):
    """Split horizontally (along axis 1; axis 0 for 1-D tensors)."""
    return B.numpy.split(x, indices_or_sections, axis=_hsplit_axis(x))


def _min_rank(op: str, x, n: int):
    ndim = len(_spec.shape_of(x))
    if ndim < n:
        raise ValueError(f"{op}: requires a tensor of rank >= {n}, received shape {_spec.shape_of(x)}.")


def _vsplit_spec(x, indices_or_sections):
    _min_rank("vsplit", x, 2)
    return _split_specs("vsplit", x, indices_or_sections, 0, exact=True)


@symbolic_op(_vsplit_spec)
def vsplit(x, indices_or_sections):
    """Split vertically (along axis 0) a tensor of rank >= 2."""
    _min_rank("vsplit", x, 2)
    return B.numpy.split(x, indices_or_sections, axis=0)


def _dsplit_spec(x, indices_or_sections):
    _min_rank("dsplit", x, 3)
    return _split_specs("dsplit", x, indices_or_sections, 2, exact=True)


@symbolic_op(_dsplit_spec)
def dsplit(x, indices_or_sections):
    """Split depth-wise (along axis 2) a tensor of rank >= 3."""
    _min_rank("dsplit", x, 3)
    return B.numpy.split(x, indices_or_sections, axis=2)


# --------------------------------------------------------------------------
# repetition
# --------------------------------------------------------------------------
def _tile_spec(x, repeats):
    shape = list(_spec.shape_of(x))
    reps = _static_ints("tile", "repeats", repeats)
    if reps is None:
        n = _spec.shape_of(repeats)
        if len(n) != 1 or n[0] is None:
            return KerasTensor((None,) * len(shape), dtype=_spec.dtype_of(x))
        reps = [None] * n[0]
    if any(r is not None and r < 0 for r in reps):
        raise ValueError(f"tile: repeats must be non-negative, received {repeats!r}.")
    n = max(len(shape), len(reps))
    shape = [1] * (n - len(shape)) + shape
    reps = [1] * (n - len(reps)) + list(reps)
    out = tuple(None if (d is None or r is None) else d * r for d, r in zip(shape, reps))
    return KerasTensor(out, dtype=_spec.dtype_of(x))


@symbolic_op(_tile_spec)
def tile(x, repeats):
    """Repeat the whole of ``x`` ``repeats`` times along each axis.

    Example:
        >>> ops.tile(ops.ones((2, 3)), (2, 1)).shape
        (4, 3)
    """
    return B.numpy.tile(x, repeats)


def _repeat_spec(x, repeats, axis=None):
    shape = _spec.shape_of(x)
    dtype = _spec.dtype_of(x)
    reps = _static_ints("repeat", "repeats", repeats)
    if reps is not None and any(r < 0 for r in reps):
        raise ValueError(f"repeat: repeats must be non-negative, received {repeats!r}.")
    if axis is None:
        n = _prod_or_none(shape)
        a_len = n
        out_shape = lambda size: (size,)  # noqa: E731
    else:
        a = _axis("repeat", axis, len(shape))
        a_len = shape[a]
        out_shape = lambda size: shape[:a] + (size,) + shape[a + 1:]  # noqa: E731
    if reps is None:
        return KerasTensor(out_shape(None), dtype=dtype)
    if len(reps) == 1:
        return KerasTensor(out_shape(None if a_len is None else a_len * reps[0]), dtype=dtype)
    if a_len is not None and len(reps) != a_len:
        raise ValueError(
            f"repeat: {len(reps)} repeats were given for an axis of size {a_len}; "
            "pass one int or one repeat per element."
        )
    return KerasTensor(out_shape(builtins.sum(reps)), dtype=dtype)


@symbolic_op(_repeat_spec)
def repeat(x, repeats, axis=None):
    """Repeat each element ``repeats`` times (an int, or one count per element along ``axis``).

    Example:
        >>> ops.repeat(ops.convert_to_tensor([1, 2]), [1, 3])
        # [1, 2, 2, 2]
    """
    return B.numpy.repeat(x, repeats, axis=axis)


# --------------------------------------------------------------------------
# reordering: flip, roll, rot90, moveaxis, swapaxes
# --------------------------------------------------------------------------
def _flip_spec(x, axis=None):
    shape = _spec.shape_of(x)
    if axis is not None:
        _axes("flip", axis, len(shape))
    return KerasTensor(shape, dtype=_spec.dtype_of(x))


@symbolic_op(_flip_spec)
def flip(x, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None)."""
    return B.numpy.flip(x, axis=axis)


def _fliplr_spec(x):
    _min_rank("fliplr", x, 2)
    return KerasTensor(_spec.shape_of(x), dtype=_spec.dtype_of(x))


@symbolic_op(_fliplr_spec)
def fliplr(x):
    """Reverse the columns (axis 1) of a tensor of rank >= 2."""
    _min_rank("fliplr", x, 2)
    return B.numpy.flip(x, axis=1)


def _flipud_spec(x):
    _min_rank("flipud", x, 1)
    return KerasTensor(_spec.shape_of(x), dtype=_spec.dtype_of(x))


@symbolic_op(_flipud_spec)
def flipud(x):
    """Reverse the rows (axis 0) of a tensor of rank >= 1."""
    _min_rank("flipud", x, 1)
    return B.numpy.flip(x, axis=0)


def _roll_spec(x, shift, axis=None):
    shape = _spec.shape_of(x)
    if axis is not None:
        axes = axis if isinstance(axis, (list, tuple)) else (axis,)
        for a in axes:
            _axis("roll", a, len(shape))
        shifts = shift if isinstance(shift, (list, tuple)) else (shift,)
        if len(shifts) != 1 and len(axes) != 1 and len(shifts) != len(axes):
            raise ValueError(f"roll: shift {shift!r} and axis {axis!r} have different lengths.")
    return KerasTensor(shape, dtype=_spec.dtype_of(x))


@symbolic_op(_roll_spec)
def roll(x, shift, axis=None):
    """Roll elements along ``axis`` (over the flattened tensor when None); they wrap around."""
    return B.numpy.roll(x, shift, axis=axis)


def _rot90_axes(shape, axes):
    if not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise ValueError(f"rot90: axes must be a pair of distinct axes, received {axes!r}.")
    if len(shape) < 2:
        raise ValueError(f"rot90: requires a tensor of rank >= 2, received shape {shape}.")
    a1, a2 = _axis("rot90", axes[0], len(shape)), _axis("rot90", axes[1], len(shape))
    if a1 == a2:
        raise ValueError(f"rot90: axes must be a pair of distinct axes, received {axes!r}.")
    return a1, a2


def _rot90_spec(array, k=1, axes=(0, 1)):
    shape = list(_spec.shape_of(array))
    a1, a2 = _rot90_axes(shape, axes)
    if k % 2:
        shape[a1], shape[a2] = shape[a2], shape[a1]
    return KerasTensor(tuple(shape), dtype=_spec.dtype_of(array))


@symbolic_op(_rot90_spec)
def rot90(array, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (from the first towards the second)."""
    return B.numpy.rot90(array, k=int(k), axes=tuple(axes))


def _moveaxis_perm(ndim, source, destination):
    src = _axes("moveaxis", source, ndim)
    dst = _axes("moveaxis", destination, ndim)
    if len(src) != len(dst):
        raise ValueError(
            f"moveaxis: source {source!r} and destination {destination!r} must have the same number of axes."
        )
    order = [i for i in range(ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return tuple(order)


def _moveaxis_spec(x, source, destination):
    shape = _spec.shape_of(x)
    perm = _moveaxis_perm(len(shape), source, destination)
    return KerasTensor(tuple(shape[p] for p in perm), dtype=_spec.dtype_of(x))


@symbolic_op(_moveaxis_spec)
def moveaxis(x, source, destination):
    """Move axes ``source`` to positions ``destination``; the others keep their order.

    Example:
        >>> ops.moveaxis(ops.ones((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
    """
    return B.numpy.moveaxis(x, source, destination)


def _swapaxes_spec(x, axis1, axis2):
    shape = list(_spec.shape_of(x))
    a1, a2 = _axis("swapaxes", axis1, len(shape)), _axis("swapaxes", axis2, len(shape))
    shape[a1], shape[a2] = shape[a2], shape[a1]
    return KerasTensor(tuple(shape), dtype=_spec.dtype_of(x))


@symbolic_op(_swapaxes_spec)
def swapaxes(x, axis1, axis2):
    """Interchange two axes."""
    return B.numpy.swapaxes(x, axis1, axis2)


# --------------------------------------------------------------------------
# pad
# --------------------------------------------------------------------------
PAD_MODES = ("constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum",
             "reflect", "symmetric", "wrap", "empty", "circular")


def _pad_widths(pad_width, ndim: int) -> tuple:
    """``pad_width`` in any of NumPy's forms as ((before, after),) * ndim."""
    import numpy as np

    try:
        arr = np.asarray(pad_width, dtype="int64")
        if arr.ndim > 2 or (arr.ndim == 2 and arr.shape[1] not in (1, 2)):
            raise ValueError
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = np.concatenate([arr, arr], axis=1)
        arr = np.broadcast_to(arr, (ndim, 2))
    except (ValueError, TypeError):
        raise ValueError(
            f"pad: pad_width must be an int, (before, after) or one (before, after) pair per axis "
            f"of a rank-{ndim} tensor; received {pad_width!r}."
        ) from None
    if (arr < 0).any():
        raise ValueError(f"pad: pad widths must be non-negative, received {pad_width!r}.")
    return tuple((int(b), int(a)) for b, a in arr)


def _check_pad_args(mode, constant_values):
    if mode not in PAD_MODES:
        raise ValueError(f"pad: unknown mode {mode!r}; expected one of {list(PAD_MODES)}.")
    if constant_values is not None and mode != "constant":
        raise ValueError(f"pad: constant_values can only be given with mode='constant', received mode={mode!r}.")


def _pad_spec(x, pad_width, mode="constant", constant_values=None):
    _check_pad_args(mode, constant_values)
    shape = _spec.shape_of(x)
    widths = _pad_widths(pad_width, len(shape))
    out = tuple(None if d is None else d + b + a for d, (b, a) in zip(shape, widths))
    return KerasTensor(out, dtype=_spec.dtype_of(x))


@symbolic_op(_pad_spec)
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad ``x`` with ``pad_width`` values before and after each axis.

    ``mode`` is one of NumPy's: "constant" (with ``constant_values``, default 0),
    "edge", "reflect", "symmetric", "wrap" (alias "circular"), "maximum",
    "minimum", "mean", "median", "linear_ramp" and "empty".

    Example:
        >>> ops.pad(ops.ones((2, 3)), ((1, 1), (0, 2))).shape
        (4, 5)
    """
    _check_pad_args(mode, constant_values)
    ndim = len(B.core.shape(x)) if hasattr(x, "shape") else len(_spec.shape_of(x))
    widths = _pad_widths(pad_width, ndim)
    return B.numpy.pad(x, widths, mode="wrap" if mode == "circular" else mode, constant_values=constant_values)


# --------------------------------------------------------------------------
# triangles and diagonals
# --------------------------------------------------------------------------
def _tri_spec(x, k=0):
    shape = _spec.shape_of(x)
    if len(shape) == 0:
        raise ValueError("tril/triu: requires a tensor of rank >= 1, received a scalar.")
    if len(shape) == 1:
        shape = (shape[0], shape[0])
    return KerasTensor(shape, dtype=_spec.dtype_of(x))


@symbolic_op(_tri_spec)
def tril(x, k=0):
    """Lower triangle of the last two axes (elements above the ``k``-th diagonal zeroed)."""
    return B.numpy.tril(x, k=k)


@symbolic_op(_tri_spec)
def triu(x, k=0):
    """Upper triangle of the last two axes (elements below the ``k``-th diagonal zeroed)."""
    return B.numpy.triu(x, k=k)


def _diag_len(rows, cols, offset):
    if rows is None or cols is None:
        return None
    if offset >= 0:
        return max(0, min(rows, cols - offset))
    return max(0, min(rows + offset, cols))


def _diag_spec(x, k=0):
    shape = _spec.shape_of(x)
    if len(shape) == 1:
        n = None if shape[0] is None else shape[0] + abs(k)
        out = (n, n)
    elif len(shape) == 2:
        out = (_diag_len(shape[0], shape[1], k),)
    else:
        raise ValueError(f"diag: x must be 1-D or 2-D, received shape {shape}.")
    return KerasTensor(out, dtype=_spec.dtype_of(x))


@symbolic_op(_diag_spec)
def diag(x, k=0):
    """A 1-D ``x`` as the ``k``-th diagonal of a square matrix; a 2-D ``x``'s ``k``-th diagonal."""
    return B.numpy.diag(x, k=k)


def _diagonal_spec(x, offset=0, axis1=0, axis2=1):
    shape = _spec.shape_of(x)
    if len(shape) < 2:
        raise ValueError(f"diagonal: requires a tensor of rank >= 2, received shape {shape}.")
    a1, a2 = _axis("diagonal", axis1, len(shape)), _axis("diagonal", axis2, len(shape))
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, received {axis1} and {axis2}.")
    rest = tuple(d for i, d in enumerate(shape) if i not in (a1, a2))
    return KerasTensor(rest + (_diag_len(shape[a1], shape[a2], offset),), dtype=_spec.dtype_of(x))


@symbolic_op(_diagonal_spec)
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of the plane (``axis1``, ``axis2``); it becomes the last axis of the result."""
    return B.numpy.diagonal(x, offset=offset, axis1=axis1, axis2=axis2)


def _diagflat_spec(x, k=0):
    n = _prod_or_none(_spec.shape_of(x))
    n = None if n is None else n + abs(k)
    return KerasTensor((n, n), dtype=_spec.dtype_of(x))


@symbolic_op(_diagflat_spec)
def diagflat(x, k=0):
    """A square matrix with the flattened ``x`` on its ``k``-th diagonal."""
    return B.numpy.diagflat(x, k=k)


# --------------------------------------------------------------------------
# sizes and index arithmetic
# --------------------------------------------------------------------------
def _size_spec(x):
    return KerasTensor((), dtype="int32")


@symbolic_op(_size_spec)
def size(x):
    """The number of elements of ``x`` (a Python int for real tensors)."""
    return _prod(B.core.shape(x)) if hasattr(x, "shape") else _prod(_spec.shape_of(x))


def ndim(x) -> int:
    """The rank of ``x`` (known statically, also for symbolic tensors)."""
    return len(_spec.shape_of(x))


def _unravel_index_spec(indices, shape):
    shape = tuple(shape)
    dtype = "int32" if isinstance(indices, int) else result_type(_spec.dtype_of(indices))
    out = _spec.shape_of(indices)
    return tuple(KerasTensor(out, dtype=dtype) for _ in shape)


@symbolic_op(_unravel_index_spec)
def unravel_index(indices, shape):
    """Flat indices into ``shape`` as a tuple of coordinate tensors, one per dimension.

    Example:
        >>> ops.unravel_index(5, (3, 3))
        # (1, 2)
    """
    return B.numpy.unravel_index(indices, tuple(int(d) for d in shape))
