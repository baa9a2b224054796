"""torch kernels for ``lamina.ops.numpy``, one file per family."""

from lamina.backend.torch.numpy import elementwise
from lamina.backend.torch.numpy import creation
from lamina.backend.torch.numpy import reductions
from lamina.backend.torch.numpy import shape
from lamina.backend.torch.numpy import extras
from lamina.backend.torch.numpy import indexing
from lamina.backend.torch.numpy import linear
from lamina.utils.exports import export_functions

export_functions(globals(), elementwise, creation, reductions, shape, indexing, linear, extras)
