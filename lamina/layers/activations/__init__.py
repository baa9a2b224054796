"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax (Activation itself lives in lamina.layers.core)."""

from lamina.layers.activations.prelu import PReLU  # noqa: F401
from lamina.layers.activations.relu import ELU, LeakyReLU, ReLU  # noqa: F401
from lamina.layers.activations.softmax import Softmax  # noqa: F401

__all__ = [
    "PReLU",
    "ELU",
    "LeakyReLU",
    "ReLU",
    "Softmax",
]
