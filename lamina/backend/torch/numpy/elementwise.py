"""torch kernels: element-wise math, comparison, logic and bitwise ops."""

from __future__ import annotations

import torch

from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401


def add(x1, x2):
    x1, x2 = promote(x1, x2)
    return torch.add(x1, x2)


def subtract(x1, x2):
    x1, x2 = promote(x1, x2)
    return torch.subtract(x1, x2)


def multiply(x1, x2):
    x1, x2 = promote(x1, x2)
    return torch.multiply(x1, x2)
