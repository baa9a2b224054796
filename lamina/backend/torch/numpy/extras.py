"""torch kernels: slogdet, vectorize, view."""

from __future__ import annotations

import torch

from lamina.backend.torch._convert import t, to_float
from lamina.backend.torch.core import to_native_dtype


def slogdet(x):
    sign, logabs = torch.linalg.slogdet(to_float(x))
    return sign, logabs


def vectorize(pyfunc, *, excluded=None, signature=None):
    if excluded or signature:
        raise NotImplementedError("ops.vectorize on torch supports neither `excluded` nor `signature`.")

    def mapped(*args):
        args = [t(a) for a in args]
        shapes = torch.broadcast_shapes(*[a.shape for a in args])
        flat = [a.expand(shapes).reshape(-1) for a in args]
        out = torch.vmap(pyfunc)(*flat) if flat and flat[0].numel() else pyfunc(*args)
        return out.reshape(shapes)

    return mapped


def view(x, dtype):
    return t(x).view(to_native_dtype(dtype))
