"""numpy kernels: reductions and scans: sum, mean, max, std, argmax, cumsum, median, quantile."""

from __future__ import annotations

import numpy as np

from lamina.backend.numpy._convert import promote, promote_many, t, to_float  # noqa: F401


def sum(x, axis=None, keepdims=False):
    return np.sum(t(x), axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return np.mean(to_float(x), axis=axis, keepdims=keepdims)
