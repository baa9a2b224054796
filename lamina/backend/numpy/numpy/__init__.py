"""numpy kernels for ``lamina.ops.numpy``, one file per family."""

from lamina.backend.numpy.numpy import elementwise
from lamina.backend.numpy.numpy import creation
from lamina.backend.numpy.numpy import reductions
from lamina.backend.numpy.numpy import shape
from lamina.backend.numpy.numpy import extras
from lamina.backend.numpy.numpy import indexing
from lamina.backend.numpy.numpy import linear
from lamina.utils.exports import export_functions

export_functions(globals(), elementwise, creation, reductions, shape, indexing, linear, extras)
