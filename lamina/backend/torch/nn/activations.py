"""torch kernels: activation functions: relu, gelu, softmax, log_softmax, silu, ...."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401


def relu(x):
    return F.relu(t(x))


def sigmoid(x):
    return torch.sigmoid(to_float(x))


def softmax(x, axis=-1):
    return torch.softmax(to_float(x), dim=axis)
