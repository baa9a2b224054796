"""torch kernels: shape manipulation: reshape, transpose, concatenate, stack, split, pad, tile, flip, tril."""

from __future__ import annotations

import torch

from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401


def reshape(x, newshape):
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    return torch.reshape(t(x), newshape)
