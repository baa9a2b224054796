"""torch kernels: reductions and scans: sum, mean, max, std, argmax, cumsum, median, quantile."""

from __future__ import annotations

import torch

from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401


def sum(x, axis=None, keepdims=False):
    x = t(x)
    if axis is None:
        out = torch.sum(x)
        return out.reshape((1,) * x.ndim) if keepdims else out
    return torch.sum(x, dim=axis, keepdim=keepdims)


def mean(x, axis=None, keepdims=False):
    x = to_float(x)
    if axis is None:
        out = torch.mean(x)
        return out.reshape((1,) * x.ndim) if keepdims else out
    return torch.mean(x, dim=axis, keepdim=keepdims)
