"""numpy kernels: shape manipulation: reshape, transpose, concatenate, stack, split, pad, tile, flip, tril."""

from __future__ import annotations

import numpy as np

from lamina.backend.numpy._convert import promote, promote_many, t, to_float  # noqa: F401


def reshape(x, newshape):
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    return np.reshape(t(x), newshape)
