"""torch kernels: products: matmul, dot, tensordot, einsum, outer, inner, cross, trace, kron."""

from __future__ import annotations

import torch

from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401


def matmul(x1, x2):
    x1, x2 = promote(x1, x2)
    return torch.matmul(x1, x2)
