"""torch kernels for ``lamina.ops.nn``, one file per family."""

from lamina.backend.torch.nn import activations
from lamina.backend.torch.nn import convolution
from lamina.backend.torch.nn import pooling
from lamina.backend.torch.nn import losses
from lamina.backend.torch.nn import normalization
from lamina.backend.torch.nn import encoding
from lamina.backend.torch.nn import attention
from lamina.utils.exports import export_functions

export_functions(globals(), activations, convolution, pooling, losses, normalization, encoding, attention)
