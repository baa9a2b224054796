"""jax kernels for ``lamina.ops.numpy``, one file per family."""

from lamina.backend.jax.numpy import elementwise
from lamina.backend.jax.numpy import creation
from lamina.backend.jax.numpy import reductions
from lamina.backend.jax.numpy import shape
from lamina.backend.jax.numpy import extras
from lamina.backend.jax.numpy import indexing
from lamina.backend.jax.numpy import linear
from lamina.utils.exports import export_functions

export_functions(globals(), elementwise, creation, reductions, shape, indexing, linear, extras)
