"""Tensor creation: zeros, ones, full, arange, eye, linspace, *_like, meshgrid, tri (part of ``lamina.ops.numpy``).

As in Keras 3, creation ops default to ``floatx`` (``zeros``, ``full``, ``eye``,
``tri``, the window functions), ``*_like`` ops default to the dtype of their
input, ``arange`` to the promoted dtype of its bounds (Python ints give int32)
and ``linspace`` / ``logspace`` to the promoted float dtype of their bounds.

Example:
    >>> from lamina import ops
    >>> ops.dtype(ops.zeros((2, 3)))
    'float32'
    >>> ops.dtype(ops.arange(5))
    'int32'
"""

from __future__ import annotations

import operator

from lamina import config
from lamina.backend import impl as B
from lamina.backend.common.dtypes import result_type, standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec


# --- argument helpers ------------------------------------------------------------

def _int(op: str, name: str, value, minimum: int | None = None) -> int:
    if isinstance(value, KerasTensor):
        raise TypeError(f"{op}: `{name}` must be a concrete int, received the symbolic tensor {value.name}.")
    if type(value).__name__ == "SymInt":  # a dimension torch.export keeps dynamic: never specialize it
        return value
    try:
        if isinstance(value, bool):
            raise TypeError
        out = operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: expected `{name}` to be an int, received {value!r}.") from None
    if minimum is not None and out < minimum:
        raise ValueError(f"{op}: expected `{name}` >= {minimum}, received {out}.")
    return out


def _shape(op: str, shape) -> tuple:
    """``shape`` (an int, or a sequence / 1-D tensor of ints) as a tuple of non-negative ints."""
    if isinstance(shape, KerasTensor):
        raise TypeError(f"{op}: `shape` must be concrete, received the symbolic tensor {shape.name}.")
    if not isinstance(shape, (list, tuple)) and getattr(shape, "ndim", 0) == 0:
        try:
            return (_int(op, "shape", shape, minimum=0),)
        except TypeError:
            raise TypeError(f"{op}: expected `shape` to be an int or a tuple of ints, received {shape!r}.") from None
    try:
        dims = list(shape)
    except TypeError:
        raise TypeError(f"{op}: expected `shape` to be an int or a tuple of ints, received {shape!r}.") from None
    out = []
    for d in dims:
        try:
            out.append(_int(op, "shape", d, minimum=0))
        except TypeError:
            raise TypeError(f"{op}: expected `shape` to contain only ints, received {shape!r}.") from None
        except ValueError:
            raise ValueError(f"{op}: expected `shape` to contain non-negative ints, received {shape!r}.") from None
    return tuple(out)


def _kept_dtype(x) -> str:
    """``x``'s own dtype (Python values give int32 / floatx); 64 bits stay 64."""
    d = _spec.dtype_of(x)
    return d if isinstance(d, str) else result_type(d)


def _dtype(dtype):
    return None if dtype is None else standardize_dtype(dtype)


def _weak_dtype(value):
    """The dtype Keras promotes ``value`` with: Python ints and floats are weak."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return type(value)
    if hasattr(value, "dtype"):
        return standardize_dtype(value.dtype)
    return _spec.dtype_of(value)


def _scalar(op: str, name: str, value):
    """A Python number from a scalar, a 0-d tensor or a Variable."""
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, KerasTensor):
        raise TypeError(f"{op}: `{name}` must be concrete, received the symbolic tensor {value.name}.")
    arr = B.core.convert_to_numpy(value)
    if arr.ndim != 0:
        raise ValueError(f"{op}: expected `{name}` to be a scalar, received shape {arr.shape}.")
    return arr.item()


# --- fill ----------------------------------------------------------------------------

def zeros(shape, dtype: str | None = None):
    """A tensor of zeros (dtype defaults to floatx).

    Example:
        >>> ops.zeros((2, 3)).shape
        (2, 3)
    """
    return B.numpy.zeros(_shape("zeros", shape), dtype=_dtype(dtype))


def ones(shape, dtype: str | None = None):
    """A tensor of ones (dtype defaults to floatx)."""
    return B.numpy.ones(_shape("ones", shape), dtype=_dtype(dtype))


def empty(shape, dtype: str | None = None):
    """An uninitialized tensor (dtype defaults to floatx); its values are arbitrary."""
    return B.numpy.empty(_shape("empty", shape), dtype=_dtype(dtype))


def _full_spec(shape, fill_value, dtype=None):
    return KerasTensor(_shape("full", shape), dtype=_dtype(dtype) or config.floatx())


@symbolic_op(_full_spec)
def full(shape, fill_value, dtype: str | None = None):
    """A tensor of ``shape`` filled with ``fill_value`` (dtype defaults to floatx, as in Keras).

    Example:
        >>> ops.full((2,), 7)       # [7., 7.], float32
    """
    return B.numpy.full(_shape("full", shape), fill_value, dtype=_dtype(dtype))


def _like_spec(x, dtype=None):
    return KerasTensor(_spec.shape_of(x), dtype=_dtype(dtype) or _kept_dtype(x))


def _full_like_spec(x, fill_value, dtype=None):
    return _like_spec(x, dtype)


@symbolic_op(_like_spec)
def zeros_like(x, dtype: str | None = None):
    """Zeros with the shape (and, by default, the dtype) of ``x``."""
    return B.numpy.zeros_like(x, dtype=_dtype(dtype))


@symbolic_op(_like_spec)
def ones_like(x, dtype: str | None = None):
    """Ones with the shape (and, by default, the dtype) of ``x``."""
    return B.numpy.ones_like(x, dtype=_dtype(dtype))


@symbolic_op(_like_spec)
def empty_like(x, dtype: str | None = None):
    """An uninitialized tensor with the shape (and, by default, the dtype) of ``x``."""
    return B.numpy.empty_like(x, dtype=_dtype(dtype))


@symbolic_op(_full_like_spec)
def full_like(x, fill_value, dtype: str | None = None):
    """``fill_value`` with the shape (and, by default, the dtype) of ``x``.

    Example:
        >>> ops.full_like(ops.ones(3, "int8"), 2.7)    # [2, 2, 2], int8
    """
    return B.numpy.full_like(x, fill_value, dtype=_dtype(dtype))


# --- ranges --------------------------------------------------------------------------------

def arange(start, stop=None, step=None, dtype: str | None = None):
    """Evenly spaced values in ``[start, stop)``; ``arange(n)`` counts from 0.

    The dtype defaults to the promoted dtype of the arguments given (Python
    ints give int32, Python floats floatx).

    Example:
        >>> ops.arange(1, 7, 2)      # [1, 3, 5], int32
    """
    if dtype is None:
        given = [v for v in (start, stop, step) if v is not None]
        dtype = result_type(*[_weak_dtype(v) for v in given])
    else:
        dtype = standardize_dtype(dtype)
    start = _scalar("arange", "start", start)
    if stop is None:
        start, stop = 0, start
    else:
        stop = _scalar("arange", "stop", stop)
    step = 1 if step is None else _scalar("arange", "step", step)
    if step == 0:
        raise ValueError("arange: `step` must not be 0.")
    return B.numpy.arange(start, stop, step, dtype)


def _space_dtype(op, start, stop, dtype):
    if dtype is not None:
        return standardize_dtype(dtype)
    return result_type(_weak_dtype(start), _weak_dtype(stop), float)


def _space_shape(op, start, stop, num, axis):
    shape = list(_spec.broadcast_shapes(_spec.shape_of(start), _spec.shape_of(stop)))
    rank = len(shape) + 1
    if not -rank <= axis < rank:
        raise ValueError(f"{op}: `axis` {axis} is out of bounds for an output of rank {rank}.")
    shape.insert(axis % rank, num)
    return tuple(shape)


def _check_num(op, num):
    return _int(op, "num", num, minimum=0)


def _linspace_spec(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    num = _check_num("linspace", num)
    dtype = _space_dtype("linspace", start, stop, dtype)
    out = KerasTensor(_space_shape("linspace", start, stop, num, axis), dtype=dtype)
    if retstep:
        step_shape = _spec.broadcast_shapes(_spec.shape_of(start), _spec.shape_of(stop))
        step_dtype = dtype if dtype in ("bfloat16", "float16", "float32", "float64") else config.floatx()
        return out, KerasTensor(step_shape, dtype=step_dtype)
    return out


@symbolic_op(_linspace_spec)
def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: str | None = None, axis: int = 0):
    """``num`` evenly spaced samples from ``start`` to ``stop`` (inclusive unless ``endpoint=False``).

    ``start`` and ``stop`` may be tensors; the samples are stacked along ``axis``.
    With ``retstep=True`` returns ``(samples, step)``.

    Example:
        >>> ops.linspace(0, 1, 5)    # [0., 0.25, 0.5, 0.75, 1.]
    """
    num = _check_num("linspace", num)
    dtype = _space_dtype("linspace", start, stop, dtype)
    _space_shape("linspace", start, stop, num, axis)
    return B.numpy.linspace(start, stop, num=num, endpoint=bool(endpoint), retstep=bool(retstep),
                            dtype=dtype, axis=axis)


def _logspace_spec(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    num = _check_num("logspace", num)
    return KerasTensor(_space_shape("logspace", start, stop, num, axis),
                       dtype=_space_dtype("logspace", start, stop, dtype))


@symbolic_op(_logspace_spec)
def logspace(start, stop, num: int = 50, endpoint: bool = True, base: float = 10,
             dtype: str | None = None, axis: int = 0):
    """``base ** linspace(start, stop, num)``: samples evenly spaced on a log scale.

    Example:
        >>> ops.logspace(0, 2, 3)    # [1., 10., 100.]
    """
    num = _check_num("logspace", num)
    dtype = _space_dtype("logspace", start, stop, dtype)
    _space_shape("logspace", start, stop, num, axis)
    return B.numpy.logspace(start, stop, num=num, endpoint=bool(endpoint), base=base, dtype=dtype, axis=axis)


def _geomspace_spec(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    num = _check_num("geomspace", num)
    return KerasTensor(_space_shape("geomspace", start, stop, num, axis), dtype=_dtype(dtype) or config.floatx())


@symbolic_op(_geomspace_spec)
def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype: str | None = None, axis: int = 0):
    """A geometric progression from ``start`` to ``stop`` (dtype defaults to floatx).

    Example:
        >>> ops.geomspace(1, 1000, 4)    # [1., 10., 100., 1000.]
    """
    num = _check_num("geomspace", num)
    _space_shape("geomspace", start, stop, num, axis)
    return B.numpy.geomspace(start, stop, num=num, endpoint=bool(endpoint),
                             dtype=_dtype(dtype) or config.floatx(), axis=axis)


# --- matrices ----------------------------------------------------------------------------------

def eye(N: int, M: int | None = None, k: int = 0, dtype: str | None = None):
    """A 2-D tensor with ones on the ``k``-th diagonal and zeros elsewhere (floatx by default).

    Example:
        >>> ops.eye(2, 3, k=1)    # [[0., 1., 0.], [0., 0., 1.]]
    """
    N = _int("eye", "N", N, minimum=0)
    M = N if M is None else _int("eye", "M", M, minimum=0)
    return B.numpy.eye(N, M, k=_int("eye", "k", k), dtype=_dtype(dtype))


def identity(n: int, dtype: str | None = None):
    """The ``n x n`` identity matrix (floatx by default)."""
    n = _int("identity", "n", n, minimum=0)
    return B.numpy.identity(n, dtype=_dtype(dtype))


def tri(N: int, M: int | None = None, k: int = 0, dtype: str | None = None):
    """A 2-D tensor with ones at and below the ``k``-th diagonal (floatx by default).

    Example:
        >>> ops.tri(3)     # lower-triangular ones
    """
    N = _int("tri", "N", N, minimum=0)
    M = N if M is None else _int("tri", "M", M, minimum=0)
    return B.numpy.tri(N, M, k=_int("tri", "k", k), dtype=_dtype(dtype))


def _check_indexing(indexing):
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: `indexing` must be 'xy' or 'ij', received {indexing!r}.")


def _meshgrid_spec(*x, indexing="xy"):
    _check_indexing(indexing)
    sizes = []
    for v in x:
        shape = _spec.shape_of(v)
        size = 1
        for d in shape:
            size = None if size is None or d is None else size * d
        sizes.append(size)
    if indexing == "xy" and len(sizes) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    return [KerasTensor(tuple(sizes), dtype=_kept_dtype(v)) for v in x]


@symbolic_op(_meshgrid_spec)
def meshgrid(*x, indexing: str = "xy"):
    """Coordinate grids from 1-D coordinate vectors (a list, one grid per input).

    With ``indexing="xy"`` (Cartesian) the first two output dimensions are
    swapped relative to ``"ij"`` (matrix) indexing. Each grid keeps its
    input's dtype.

    Example:
        >>> gx, gy = ops.meshgrid(ops.arange(3), ops.arange(2))
        >>> gx.shape
        (2, 3)
    """
    _check_indexing(indexing)
    return B.numpy.meshgrid(*x, indexing=indexing)


# --- conversion -------------------------------------------------------------------------------------

def _array_spec(x, dtype=None):
    return _like_spec(x, dtype)


@symbolic_op(_array_spec)
def array(x, dtype: str | None = None):
    """``x`` (array-like) as a tensor, optionally cast to ``dtype``.

    Example:
        >>> ops.dtype(ops.array([[1, 2], [3, 4]]))
        'int32'
    """
    return B.numpy.array(x, dtype=_dtype(dtype))


def _copy_spec(x):
    return KerasTensor(_spec.shape_of(x), dtype=_kept_dtype(x))


@symbolic_op(_copy_spec)
def copy(x):
    """A copy of ``x`` that shares no memory with it."""
    return B.numpy.copy(x)


def _vander_spec(x, N=None, increasing=False):
    shape = _spec.shape_of(x)
    if len(shape) != 1:
        raise ValueError(f"vander: expected a 1-D tensor, received shape {shape}.")
    cols = shape[0] if N is None else _int("vander", "N", N, minimum=0)
    return KerasTensor(shape + (cols,), dtype=_kept_dtype(x))


@symbolic_op(_vander_spec)
def vander(x, N: int | None = None, increasing: bool = False):
    """Vandermonde matrix: columns are powers of the 1-D ``x`` (decreasing unless ``increasing``).

    Example:
        >>> ops.vander([1, 2, 3], N=3)    # [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    """
    ndim = len(_spec.shape_of(x))
    if ndim != 1:
        raise ValueError(f"vander: expected a 1-D tensor, received a tensor of rank {ndim}.")
    N = None if N is None else _int("vander", "N", N, minimum=0)
    return B.numpy.vander(x, N=N, increasing=bool(increasing))


# --- window functions ---------------------------------------------------------------------------------

def _window_length(op, x) -> int:
    if isinstance(x, KerasTensor):
        raise TypeError(f"{op}: symbolic tensors are not supported; the window length must be concrete, "
                        f"received {x.name}.")
    return _int(op, "x", _scalar(op, "x", x))


def bartlett(x):
    """The Bartlett (triangular) window of length ``x`` (floatx)."""
    return B.numpy.bartlett(_window_length("bartlett", x))


def blackman(x):
    """The Blackman window of length ``x`` (floatx)."""
    return B.numpy.blackman(_window_length("blackman", x))


def hamming(x):
    """The Hamming window of length ``x`` (floatx).

    Example:
        >>> ops.hamming(5)     # [0.08, 0.54, 1., 0.54, 0.08]
    """
    return B.numpy.hamming(_window_length("hamming", x))


def hanning(x):
    """The Hann window of length ``x`` (floatx)."""
    return B.numpy.hanning(_window_length("hanning", x))


def kaiser(x, beta: float):
    """The Kaiser window of length ``x`` with shape parameter ``beta`` (floatx)."""
    length = _window_length("kaiser", x)
    if isinstance(beta, KerasTensor):
        raise TypeError(f"kaiser: `beta` must be concrete, received the symbolic tensor {beta.name}.")
    return B.numpy.kaiser(length, float(_scalar("kaiser", "beta", beta)))
