"""jax kernels for ``lamina.ops.nn``, one file per family."""

from lamina.backend.jax.nn import activations
from lamina.backend.jax.nn import convolution
from lamina.backend.jax.nn import pooling
from lamina.backend.jax.nn import losses
from lamina.backend.jax.nn import normalization
from lamina.backend.jax.nn import encoding
from lamina.backend.jax.nn import attention
from lamina.utils.exports import export_functions

export_functions(globals(), activations, convolution, pooling, losses, normalization, encoding, attention)
