"""Shape and dtype inference helpers for ops called on KerasTensors.

Each op's spec function takes the op's own arguments and returns KerasTensor(s)
without computing anything. ``None`` stands for an unknown dimension.
"""

from __future__ import annotations

from lamina import config
from lamina.backend.common.dtypes import result_type, standardize_dtype
from lamina.core.keras_tensor import KerasTensor


def shape_of(x) -> tuple:
    """Static shape of a KerasTensor, Variable, backend tensor, array or Python value."""
    if isinstance(x, (int, float, bool, complex)):
        return ()
    s = getattr(x, "shape", None)
    if s is None:
        import numpy as np

        return tuple(np.shape(x))
    return tuple(d if d is None or type(d) is int else _dim(d) for d in s)


def _dim(d):
    """An int for a concrete dimension; a symbolic one (torch.SymInt while exporting) stays as it is."""
    return d if type(d).__name__ == "SymInt" else int(d)


def dtype_of(x):
    """dtype string; Python scalars give their *type* (a weak type for promotion)."""
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, (int, float, complex)):
        return type(x)
    d = getattr(x, "dtype", None)
    if d is None:
        from lamina.backend.common.python_values import infer_python_dtype

        return infer_python_dtype(x) or config.floatx()
    return standardize_dtype(d)


def float_dtype_of(x) -> str:
    """The dtype of a float-producing op applied to ``x`` (ints and bools become floatx)."""
    d = dtype_of(x)
    d = result_type(d)
    return d if d in ("bfloat16", "float16", "float32", "float64", "complex64", "complex128") else config.floatx()


def broadcast_shapes(*shapes) -> tuple:
    """NumPy broadcasting over static shapes, with None for unknown dimensions."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(ndim):
        dims = [s[i - ndim + len(s)] for s in shapes if i - ndim + len(s) >= 0]
        known = [d for d in dims if d is not None and d != 1]
        if known:
            if len(set(known)) > 1:
                raise ValueError(f"Cannot broadcast shapes {list(shapes)}: dimension {i} differs ({known}).")
            out.append(known[0])
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def canonical_axes(axis, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for a tensor of rank {ndim}.")
        out.append(a % ndim if ndim else 0)
    return tuple(out)


def reduce_shape(shape: tuple, axis=None, keepdims: bool = False) -> tuple:
    axes = canonical_axes(axis, len(shape))
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def unary_spec(x, *args, **kwargs):
    """Same shape and dtype as the input."""
    return KerasTensor(shape_of(x), dtype=result_type(dtype_of(x)))


def unary_float_spec(x, *args, **kwargs):
    """Same shape; ints become floatx (sqrt, exp, ...)."""
    return KerasTensor(shape_of(x), dtype=float_dtype_of(x))


def same_dtype_spec(x, *args, **kwargs):
    """Same shape and exactly the input's dtype (64-bit kept; Python scalars as Keras types them)."""
    d = dtype_of(x)
    return KerasTensor(shape_of(x), dtype=d if isinstance(d, str) else result_type(d))


def unary_float_keep_spec(x, *args, **kwargs):
    """Same shape; every float dtype is kept (float64 too), ints and bools become floatx
    (Keras's rule for the nn activations)."""
    d = dtype_of(x)
    if not (isinstance(d, str) and d in ("bfloat16", "float16", "float32", "float64")):
        d = config.floatx()
    return KerasTensor(shape_of(x), dtype=d)


def unary_bool_spec(x, *args, **kwargs):
    return KerasTensor(shape_of(x), dtype="bool")


def binary_spec(x1, x2, *args, **kwargs):
    """Broadcast shapes, promoted dtype (add, multiply, maximum, ...)."""
    return KerasTensor(broadcast_shapes(shape_of(x1), shape_of(x2)),
                       dtype=result_type(dtype_of(x1), dtype_of(x2)))


def binary_float_spec(x1, x2, *args, **kwargs):
    """Broadcast shapes, promoted dtype made float (true_divide, arctan2, ...)."""
    d = result_type(dtype_of(x1), dtype_of(x2))
    if d not in ("bfloat16", "float16", "float32", "float64", "complex64", "complex128"):
        d = config.floatx()
    return KerasTensor(broadcast_shapes(shape_of(x1), shape_of(x2)), dtype=d)


def binary_bool_spec(x1, x2, *args, **kwargs):
    """Broadcast shapes, bool dtype (comparisons, logical ops)."""
    return KerasTensor(broadcast_shapes(shape_of(x1), shape_of(x2)), dtype="bool")


def reduction_spec(x, axis=None, keepdims=False, **kwargs):
    """Reduce over ``axis``, keeping the dtype (sum promotes bools and small ints per op)."""
    return KerasTensor(reduce_shape(shape_of(x), axis, keepdims), dtype=result_type(dtype_of(x)))
