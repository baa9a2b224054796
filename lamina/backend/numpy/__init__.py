"""The NumPy backend: inference and evaluation only (no autodiff)."""

from lamina.backend.numpy import control_flow, core, image, linalg, math, nn, numpy, random, trainer  # noqa: F401

NAME = "numpy"
CAN_TRAIN = False
