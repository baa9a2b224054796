"""NumPy-style ops (``lamina.ops.numpy``; also at ``lamina.ops`` top level). One file per family."""

from lamina.ops.numpy import elementwise
from lamina.ops.numpy import creation
from lamina.ops.numpy import reductions
from lamina.ops.numpy import shape
from lamina.ops.numpy import extras
from lamina.ops.numpy import indexing
from lamina.ops.numpy import linear
from lamina.utils.exports import export_functions

export_functions(globals(), elementwise, creation, reductions, shape, indexing, linear, extras)
