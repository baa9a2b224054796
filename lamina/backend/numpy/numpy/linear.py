"""numpy kernels: products: matmul, dot, tensordot, einsum, outer, inner, cross, trace, kron."""

from __future__ import annotations

import numpy as np

from lamina.backend.numpy._convert import promote, promote_many, t, to_float  # noqa: F401


def matmul(x1, x2):
    x1, x2 = promote(x1, x2)
    return np.matmul(x1, x2)
