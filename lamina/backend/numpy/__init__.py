"""The NumPy backend: inference and evaluation only (no autodiff)."""

from lamina.backend.numpy import core, image, linalg, math, nn, numpy, random  # noqa: F401

NAME = "numpy"
CAN_TRAIN = False
