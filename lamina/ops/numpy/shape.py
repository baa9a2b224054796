"""Shape manipulation: reshape, transpose, concatenate, stack, split, pad, tile, flip, tril (part of ``lamina.ops.numpy``)."""

from __future__ import annotations

from lamina.backend import impl as B
from lamina.core.keras_tensor import KerasTensor  # noqa: F401
from lamina.core.operation import symbolic_op  # noqa: F401
from lamina.ops import _spec  # noqa: F401


def _prod(dims):
    p = 1
    for d in dims:
        p *= d
    return p


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
