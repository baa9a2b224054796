"""The PyTorch backend: eager autograd, optional torch.compile; tensors on the GPU when present."""

from lamina.backend.torch import core, image, linalg, math, nn, numpy, random  # noqa: F401

NAME = "torch"
CAN_TRAIN = True
