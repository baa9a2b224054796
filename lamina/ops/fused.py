"""Fused layer bodies: one backend kernel where the backend has one, the general ops elsewhere.

The result always equals the general ops' (float tolerance): a backend kernel declines (returns
None) any case whose dtypes or shapes it does not cover, and the general path runs instead.

Example:
    >>> from lamina.ops import fused
    >>> y = fused.dense(x, layer.kernel, layer.bias)   # == ops.add(ops.matmul(x, kernel), bias)
"""

from __future__ import annotations

from lamina.backend import impl as B
from lamina.core.operation import any_symbolic
from lamina.ops.numpy import add, matmul


def dense(inputs, kernel, bias=None):
    """``inputs @ kernel + bias`` (``bias`` may be None), as ``Dense`` computes it."""
    kernels = getattr(B, "fused", None)
    if kernels is not None and not any_symbolic((inputs,)):
        out = kernels.dense(inputs, kernel, bias)
        if out is not None:
            return out
    out = matmul(inputs, kernel)
    return out if bias is None else add(out, bias)
