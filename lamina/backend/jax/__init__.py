"""The JAX backend: the train step is one jitted, pure function over the model's state."""

from lamina.backend.jax import core, image, linalg, math, nn, numpy, random  # noqa: F401

NAME = "jax"
CAN_TRAIN = True
