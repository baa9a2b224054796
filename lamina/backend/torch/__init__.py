"""The PyTorch backend: eager autograd, optional torch.compile; tensors on the GPU when present."""

from lamina.backend.torch import control_flow, core, fused, image, linalg, math, nn, numpy, optimizers, random, rnn, trainer  # noqa: F401,E501

NAME = "torch"
CAN_TRAIN = True
