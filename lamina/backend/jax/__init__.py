"""The JAX backend: the train step is one jitted, pure function over the model's state."""

from lamina.backend.jax import control_flow, core, image, linalg, math, nn, numpy, random, trainer  # noqa: F401

NAME = "jax"
CAN_TRAIN = True
