"""Neural-network ops (``lamina.ops.nn``; also at ``lamina.ops`` top level). One file per family."""

from lamina.ops.nn import activations
from lamina.ops.nn import convolution
from lamina.ops.nn import pooling
from lamina.ops.nn import losses
from lamina.ops.nn import normalization
from lamina.ops.nn import encoding
from lamina.ops.nn import attention
from lamina.utils.exports import export_functions

export_functions(globals(), activations, convolution, pooling, losses, normalization, encoding, attention)
