"""numpy kernels: activation functions: relu, gelu, softmax, log_softmax, silu, ...."""

from __future__ import annotations

import numpy as np

from lamina.backend.numpy._convert import promote, promote_many, t, to_float  # noqa: F401


def relu(x):
    x = t(x)
    return np.maximum(x, np.zeros((), dtype=x.dtype))


def sigmoid(x):
    x = to_float(x)
    return (1 / (1 + np.exp(-x))).astype(x.dtype)


def softmax(x, axis=-1):
    x = to_float(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return (e / np.sum(e, axis=axis, keepdims=True)).astype(x.dtype)
