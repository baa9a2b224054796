"""Products: matmul, dot, tensordot, einsum, outer, inner, cross, trace, kron (part of ``lamina.ops.numpy``)."""

from __future__ import annotations

from lamina.backend import impl as B
from lamina.core.keras_tensor import KerasTensor  # noqa: F401
from lamina.core.operation import symbolic_op  # noqa: F401
from lamina.ops import _spec  # noqa: F401
from lamina.backend.common.dtypes import result_type


def _matmul_spec(x1, x2):
    s1, s2 = _spec.shape_of(x1), _spec.shape_of(x2)
    if len(s1) == 0 or len(s2) == 0:
        raise ValueError(f"matmul: inputs must have rank >= 1, received shapes {s1} and {s2}.")
    a = (1,) + s1 if len(s1) == 1 else s1
    b = s2 + (1,) if len(s2) == 1 else s2
    if a[-1] is not None and b[-2] is not None and a[-1] != b[-2]:
        raise ValueError(
            f"matmul: the last dimension of x1 ({a[-1]}) must equal the second-to-last of x2 "
            f"({b[-2]}); received shapes {s1} and {s2}."
        )
    out = _spec.broadcast_shapes(a[:-2], b[:-2]) + (a[-2], b[-1])
    if len(s1) == 1:
        out = out[:-2] + out[-1:]
    if len(s2) == 1:
        out = out[:-1]
    dtype = result_type(_spec.dtype_of(x1), _spec.dtype_of(x2))
    if dtype in ("int8", "uint8"):
        dtype = "int32"
    return KerasTensor(out, dtype=dtype)


@symbolic_op(_matmul_spec)
def matmul(x1, x2):
    """Matrix product with NumPy's broadcasting rules."""
    return B.numpy.matmul(x1, x2)
