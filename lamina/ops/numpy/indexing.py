"""Indexing, selection and sorting: take, where, get_item, sort, argsort, searchsorted (part of ``lamina.ops.numpy``).

``KerasTensor.__getitem__`` and ``Variable.__getitem__`` route to :func:`get_item`,
which follows NumPy's indexing rules on every backend (negative steps,
``None``/``Ellipsis``, integer and boolean tensor indices).

Example:
    >>> from lamina import ops
    >>> ops.argsort(ops.convert_to_tensor([3.0, 1.0, 2.0]))
    # [1, 2, 0] (int32)
"""

from __future__ import annotations

import operator

from lamina import config
from lamina.backend import impl as B
from lamina.backend.common.dtypes import FLOAT_TYPES, result_type
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec


def _axis(op: str, axis, ndim: int) -> int:
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be an integer or None, received {axis!r}.") from None
    if not -ndim <= a < ndim:
        raise ValueError(f"{op}: axis {a} is out of bounds for a tensor of rank {ndim}.")
    return a % ndim


def _numel(shape):
    n = 1
    for d in shape:
        if d is None:
            return None
        n *= d
    return n


def _broadcast(op: str, *shapes) -> tuple:
    try:
        return _spec.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{op}: input shapes {list(shapes)} cannot be broadcast together.") from None


# --------------------------------------------------------------------------
# get_item
# --------------------------------------------------------------------------
def _is_index_array(k) -> bool:
    return isinstance(k, (list, KerasTensor)) or (hasattr(k, "shape") and hasattr(k, "dtype"))


def _index_info(k):
    """(shape, is_bool, static bool count or None) of an array-like index."""
    if isinstance(k, KerasTensor):
        return k.shape, k.dtype == "bool", None
    import numpy as np

    arr = np.asarray(B.core.convert_to_numpy(k) if B.core.is_tensor(k) else k)
    if arr.dtype == bool:
        return arr.shape, True, int(arr.sum())
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise IndexError(f"get_item: array indices must be integers or booleans, received dtype {arr.dtype}.")
    return arr.shape, False, None


def _get_item_spec(x, key):
    shape = _spec.shape_of(x)
    items = list(key) if type(key) is tuple else [key]
    if sum(1 for k in items if k is Ellipsis) > 1:
        raise IndexError(f"get_item: an index can only have a single Ellipsis, received {key!r}.")
    # How many axes of x each item consumes.
    parsed = []
    for k in items:
        if k is None or k is Ellipsis:
            parsed.append((k, 0, None))
        elif isinstance(k, bool):
            parsed.append(("bool0", 0, k))
        elif isinstance(k, slice):
            parsed.append((k, 1, None))
        elif _is_index_array(k):
            kshape, is_bool, count = _index_info(k)
            if is_bool:
                parsed.append(("mask", len(kshape), (kshape, count)))
            else:
                parsed.append(("array", 1, kshape))
        else:
            try:
                parsed.append(("int", 1, operator.index(k)))
            except TypeError:
                raise IndexError(
                    f"get_item: unsupported index {k!r} of type {type(k).__name__}; expected ints, slices, "
                    "None, Ellipsis or integer/boolean tensors."
                ) from None
    consumed = sum(p[1] for p in parsed)
    if consumed > len(shape):
        raise IndexError(f"get_item: too many indices ({key!r}) for a tensor of rank {len(shape)}.")
    if not any(p[0] is Ellipsis for p in parsed):
        parsed.append((Ellipsis, 0, None))
    has_array = any(p[0] in ("array", "mask") for p in parsed)
    out = []
    adv_shapes = []
    adv_groups = []  # positions in `out` where an advanced group starts, one per contiguous run
    prev_adv = False
    dim = 0
    for kind, n, info in parsed:
        advanced = kind in ("array", "mask", "bool0") or (kind == "int" and has_array)
        if advanced:
            if not prev_adv:
                adv_groups.append(len(out))
            if kind == "array":
                adv_shapes.append(info)
            elif kind == "mask":
                kshape, count = info
                for i, d in enumerate(kshape):
                    if d is not None and shape[dim + i] is not None and d != shape[dim + i]:
                        raise IndexError(
                            f"get_item: boolean index of shape {kshape} does not match axes of size "
                            f"{shape[dim:dim + len(kshape)]}."
                        )
                adv_shapes.append((count,))
            elif kind == "bool0":
                adv_shapes.append((1 if info else 0,))
            else:
                adv_shapes.append(())
            if kind == "int":
                _check_int_bound(info, shape[dim], key, shape)
            dim += n
            prev_adv = True
            continue
        prev_adv = False
        if kind is None:
            out.append(1)
        elif kind is Ellipsis:
            rest = len(shape) - consumed
            out.extend(shape[dim:dim + rest])
            dim += rest
        elif isinstance(kind, slice):
            d, static = shape[dim], _static_slice(kind)
            if static is not None and static.step == 0:
                raise ValueError("get_item: slice step cannot be zero.")
            out.append(None if d is None or static is None else len(range(d)[static]))
            dim += 1
        else:  # plain int, no array indices: the axis disappears
            _check_int_bound(info, shape[dim], key, shape)
            dim += 1
    if adv_shapes:
        try:
            bshape = _spec.broadcast_shapes(*adv_shapes)
        except ValueError:
            raise IndexError(f"get_item: index arrays of shapes {adv_shapes} cannot be broadcast together.") from None
        pos = adv_groups[0] if len(adv_groups) == 1 else 0
        out = out[:pos] + list(bshape) + out[pos:]
    return KerasTensor(tuple(out), dtype=_spec.dtype_of(x))


def _static_slice(s: slice):
    """``s`` with plain int bounds, or None when a bound is symbolic."""
    try:
        return slice(*(None if v is None else operator.index(v) for v in (s.start, s.stop, s.step)))
    except TypeError:
        return None


def _check_int_bound(i, size, key, shape):
    if size is not None and not -size <= i < size:
        raise IndexError(f"get_item: index {i} is out of bounds for an axis of size {size} (key {key!r}, shape {shape}).")


@symbolic_op(_get_item_spec)
def get_item(x, key):
    """``x[key]`` with NumPy's indexing rules on every backend.

    Example:
        >>> x = lamina.KerasTensor((None, 5, 4))
        >>> x[:, 1:4, None, ::-1].shape
        (None, 3, 1, 4)
    """
    return B.numpy.get_item(x, key)


# --------------------------------------------------------------------------
# take, take_along_axis
# --------------------------------------------------------------------------
def _indices_shape(indices):
    if isinstance(indices, int):
        return ()
    return _spec.shape_of(indices)


def _take_spec(x, indices, axis=None):
    shape = _spec.shape_of(x)
    ishape = _indices_shape(indices)
    if axis is None:
        return KerasTensor(ishape, dtype=_spec.dtype_of(x))
    a = _axis("take", axis, len(shape))
    return KerasTensor(shape[:a] + ishape + shape[a + 1:], dtype=_spec.dtype_of(x))


@symbolic_op(_take_spec)
def take(x, indices, axis=None):
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` when None).

    Negative indices count from the end.

    Example:
        >>> ops.take(ops.ones((3, 4)), ops.convert_to_tensor([[0, -1]]), axis=1).shape
        (3, 1, 2)
    """
    return B.numpy.take(x, indices, axis=axis)


def _take_along_axis_spec(x, indices, axis=None):
    shape = _spec.shape_of(x)
    ishape = _spec.shape_of(indices)
    if axis is None:
        shape = (_numel(shape),)
        axis = 0
        if len(ishape) != 1:
            raise ValueError(f"take_along_axis: with axis=None, indices must be 1-D; received shape {ishape}.")
    if len(shape) != len(ishape):
        raise ValueError(
            f"take_along_axis: x and indices must have the same rank, received shapes {shape} and {ishape}."
        )
    a = _axis("take_along_axis", axis, len(shape))
    base = list(shape)
    base[a] = ishape[a]
    try:
        out = _spec.broadcast_shapes(tuple(base), ishape)
    except ValueError:
        raise ValueError(
            f"take_along_axis: shapes {shape} and {ishape} do not broadcast outside axis {a}."
        ) from None
    return KerasTensor(out, dtype=_spec.dtype_of(x))


@symbolic_op(_take_along_axis_spec)
def take_along_axis(x, indices, axis=None):
    """Pick values along ``axis`` with an index tensor of the same rank (as from argsort)."""
    return B.numpy.take_along_axis(x, indices, axis=axis)


# --------------------------------------------------------------------------
# where, nonzero, select
# --------------------------------------------------------------------------
def _nonzero_spec(x):
    return tuple(KerasTensor((None,), dtype="int32") for _ in _spec.shape_of(x))


@symbolic_op(_nonzero_spec)
def nonzero(x):
    """A tuple of int32 index tensors, one per axis, of the non-zero elements of ``x``."""
    return B.numpy.nonzero(x)


def _where_spec(condition, x1=None, x2=None):
    if x1 is None and x2 is None:
        return _nonzero_spec(condition)
    if x1 is None or x2 is None:
        raise ValueError("where: pass both x1 and x2, or neither (to get the indices where condition is true).")
    shape = _broadcast("where", _spec.shape_of(condition), _spec.shape_of(x1), _spec.shape_of(x2))
    return KerasTensor(shape, dtype=result_type(_spec.dtype_of(x1), _spec.dtype_of(x2)))


@symbolic_op(_where_spec)
def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` is true, else ``x2`` (broadcast, dtypes promoted).

    With only ``condition``, the same as :func:`nonzero`.

    Example:
        >>> ops.where(ops.convert_to_tensor([True, False]), 1.0, 0)
        # [1.0, 0.0]
    """
    if x1 is None and x2 is None:
        return B.numpy.nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("where: pass both x1 and x2, or neither (to get the indices where condition is true).")
    return B.numpy.where(condition, x1, x2)


def _check_select(condlist, choicelist):
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise TypeError("select: condlist and choicelist must be lists of tensors.")
    if len(condlist) != len(choicelist):
        raise ValueError(
            f"select: condlist and choicelist must have the same length, received {len(condlist)} "
            f"and {len(choicelist)}."
        )
    if not condlist:
        raise ValueError("select: condlist must not be empty.")


def _select_spec(condlist, choicelist, default=0):
    _check_select(condlist, choicelist)
    for c in condlist:
        if _spec.dtype_of(c) != "bool":
            raise TypeError(f"select: conditions must be boolean tensors, received dtype {_spec.dtype_of(c)}.")
    shapes = [_spec.shape_of(e) for e in list(condlist) + list(choicelist)] + [_spec.shape_of(default)]
    dtype = result_type(*[_spec.dtype_of(c) for c in choicelist], _spec.dtype_of(default))
    return KerasTensor(_broadcast("select", *shapes), dtype=dtype)


@symbolic_op(_select_spec)
def select(condlist, choicelist, default=0):
    """For each element, the choice of the first true condition (``default`` where none is).

    Example:
        >>> x = ops.arange(6)
        >>> ops.select([x < 2, x > 3], [x, x * 10], default=-1)
        # [0, 1, -1, -1, 40, 50]
    """
    _check_select(condlist, choicelist)
    return B.numpy.select(condlist, choicelist, default)


# --------------------------------------------------------------------------
# sorting and searching
# --------------------------------------------------------------------------
def _sorted_shape(op, x, axis):
    shape = _spec.shape_of(x)
    if axis is None:
        return (_numel(shape),)
    if len(shape) == 0:
        raise ValueError(f"{op}: requires a tensor of rank >= 1 (or axis=None), received a scalar.")
    _axis(op, axis, len(shape))
    return shape


def _sort_spec(x, axis=-1):
    return KerasTensor(_sorted_shape("sort", x, axis), dtype=result_type(_spec.dtype_of(x)))


@symbolic_op(_sort_spec)
def sort(x, axis=-1):
    """``x`` sorted in ascending order along ``axis`` (flattened when None)."""
    return B.numpy.sort(x, axis=axis)


def _argsort_spec(x, axis=-1):
    return KerasTensor(_sorted_shape("argsort", x, axis), dtype="int32")


@symbolic_op(_argsort_spec)
def argsort(x, axis=-1):
    """int32 indices that sort ``x`` along ``axis`` (ties keep their order)."""
    return B.numpy.argsort(x, axis=axis)


def _argpartition_spec(x, kth, axis=-1):
    shape = _sorted_shape("argpartition", x, axis)
    _check_kth(kth, shape[-1 if axis is None else _axis("argpartition", axis, len(shape))])
    return KerasTensor(shape, dtype="int32")


def _check_kth(kth, n):
    if not isinstance(kth, int) or isinstance(kth, bool):
        raise ValueError(f"argpartition: kth must be an integer, received {kth!r}.")
    if n is not None and not -n <= kth < n:
        raise ValueError(f"argpartition: kth={kth} is out of bounds for an axis of size {n}.")


@symbolic_op(_argpartition_spec)
def argpartition(x, kth, axis=-1):
    """int32 indices that put the ``kth`` element in sorted position along ``axis``.

    Smaller elements come before it and larger ones after, in no particular order.
    """
    if not isinstance(kth, int) or isinstance(kth, bool):
        raise ValueError(f"argpartition: kth must be an integer, received {kth!r}.")
    return B.numpy.argpartition(x, kth, axis=axis)


def _searchsorted_spec(sorted_sequence, values, side="left"):
    _check_side(side)
    if len(_spec.shape_of(sorted_sequence)) != 1:
        raise ValueError(
            f"searchsorted: sorted_sequence must be 1-D, received shape {_spec.shape_of(sorted_sequence)}."
        )
    return KerasTensor(_spec.shape_of(values), dtype="int32")


def _check_side(side):
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', received {side!r}.")


@symbolic_op(_searchsorted_spec)
def searchsorted(sorted_sequence, values, side="left"):
    """int32 positions where ``values`` would be inserted to keep the 1-D ``sorted_sequence`` sorted.

    Example:
        >>> ops.searchsorted(ops.convert_to_tensor([1.0, 2.0, 3.0]), 2.0, side="right")
        # 2
    """
    _check_side(side)
    return B.numpy.searchsorted(sorted_sequence, values, side=side)


def _digitize_spec(x, bins):
    if len(_spec.shape_of(bins)) != 1:
        raise ValueError(f"digitize: bins must be 1-D, received shape {_spec.shape_of(bins)}.")
    return KerasTensor(_spec.shape_of(x), dtype="int32")


@symbolic_op(_digitize_spec)
def digitize(x, bins):
    """int32 index of the bin of each value: ``i`` with ``bins[i-1] <= x < bins[i]`` (increasing bins)."""
    return B.numpy.digitize(x, bins)


def _bincount_spec(x, weights=None, minlength=0, sparse=False):
    shape = _spec.shape_of(x)
    if len(shape) not in (1, 2):
        raise ValueError(f"bincount: x must be 1-D or 2-D, received shape {shape}.")
    dtype = "int32" if weights is None else result_type(_spec.dtype_of(x), _spec.dtype_of(weights))
    return KerasTensor(shape[:-1] + (None,), dtype=dtype)


@symbolic_op(_bincount_spec)
def bincount(x, weights=None, minlength=0, sparse=False):
    """Count the occurrences of each non-negative int in ``x`` (summing ``weights`` if given).

    A 2-D ``x`` is counted row by row. The length is ``max(max(x) + 1, minlength)``.

    Example:
        >>> ops.bincount(ops.convert_to_tensor([1, 2, 2, 3]))
        # [0, 1, 2, 1] (int32)
    """
    if sparse:
        raise ValueError("bincount: sparse=True is not supported by lamina's backends.")
    if not isinstance(minlength, int) or minlength < 0:
        raise ValueError(f"bincount: minlength must be a non-negative int, received {minlength!r}.")
    return B.numpy.bincount(x, weights=weights, minlength=minlength)


def _unique_spec(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
                 axis=None, size=None, fill_value=None):
    shape = _spec.shape_of(x)
    if axis is None:
        values = (size,)
        inverse = shape
    else:
        a = _axis("unique", axis, len(shape))
        values = shape[:a] + (size,) + shape[a + 1:]
        inverse = (shape[a],)
    outs = [KerasTensor(values, dtype=_spec.dtype_of(x))]
    if return_index:
        outs.append(KerasTensor((size,), dtype="int32"))
    if return_inverse:
        outs.append(KerasTensor(inverse, dtype="int32"))
    if return_counts:
        outs.append(KerasTensor((size,), dtype="int32"))
    return outs[0] if len(outs) == 1 else tuple(outs)


@symbolic_op(_unique_spec)
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    """The sorted unique elements of ``x`` (or unique slices along ``axis``).

    Optionally also returns int32 tensors: the index of each value's first
    occurrence, the inverse indices that rebuild ``x``, and the counts. With
    ``size`` the outputs have that fixed length (padded with ``fill_value``,
    default 0, or truncated). The values are always sorted.

    Example:
        >>> ops.unique(ops.convert_to_tensor([3, 1, 2, 1]), return_counts=True)
        # ([1, 2, 3], [2, 1, 1])
    """
    if size is not None and (not isinstance(size, int) or size < 0):
        raise ValueError(f"unique: size must be a non-negative int or None, received {size!r}.")
    out = B.numpy.unique(x, return_index=return_index, return_inverse=return_inverse,
                         return_counts=return_counts, axis=axis, size=size, fill_value=fill_value)
    return out[0] if len(out) == 1 else tuple(out)


def _histogram_args(bins, range):
    if not isinstance(bins, int) or isinstance(bins, bool) or bins <= 0:
        raise ValueError(f"histogram: bins must be a positive int, received {bins!r}.")
    if range is not None:
        if not isinstance(range, (tuple, list)) or len(range) != 2:
            raise ValueError(f"histogram: range must be a (min, max) pair, received {range!r}.")
        if range[1] < range[0]:
            raise ValueError(f"histogram: range max must be >= min, received {range!r}.")


def _histogram_spec(x, bins=10, range=None):
    _histogram_args(bins, range)
    if len(_spec.shape_of(x)) != 1:
        raise ValueError(f"histogram: x must be 1-D, received shape {_spec.shape_of(x)}.")
    d = result_type(_spec.dtype_of(x))
    d = d if d in FLOAT_TYPES else config.floatx()
    return KerasTensor((bins,), dtype=d), KerasTensor((bins + 1,), dtype=d)


@symbolic_op(_histogram_spec)
def histogram(x, bins=10, range=None):
    """Counts of the 1-D ``x`` in ``bins`` equal bins over ``range`` (default: min to max), and the bin edges.

    Both are returned in ``x``'s float dtype (floatx for integer inputs); the
    last bin includes its upper edge.
    """
    _histogram_args(bins, range)
    return B.numpy.histogram(x, bins=bins, range=range)
