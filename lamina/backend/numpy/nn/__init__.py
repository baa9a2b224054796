"""numpy kernels for ``lamina.ops.nn``, one file per family."""

from lamina.backend.numpy.nn import activations
from lamina.backend.numpy.nn import convolution
from lamina.backend.numpy.nn import pooling
from lamina.backend.numpy.nn import losses
from lamina.backend.numpy.nn import normalization
from lamina.backend.numpy.nn import encoding
from lamina.backend.numpy.nn import attention
from lamina.utils.exports import export_functions

export_functions(globals(), activations, convolution, pooling, losses, normalization, encoding, attention)
