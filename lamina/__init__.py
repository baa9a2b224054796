"""lamina: the Keras 3 API on PyTorch, JAX and NumPy.

Importing lamina imports only the selected backend's framework.

Example:
    >>> import lamina as keras
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model(np.ones((1, 4))).shape
"""

from lamina import config  # noqa: F401  (selects the backend first)
from lamina import backend  # noqa: F401
from lamina import ops  # noqa: F401
from lamina.core.dtype_policy import DTypePolicy, FloatDTypePolicy  # noqa: F401
from lamina.core.keras_tensor import KerasTensor  # noqa: F401
from lamina.core.operation import Operation  # noqa: F401
from lamina.core.variable import Variable  # noqa: F401
from lamina.core.name_scope import name_scope  # noqa: F401
from lamina.version import __version__, version  # noqa: F401
from lamina import activations, constraints, initializers, regularizers  # noqa: F401,E402
from lamina import random  # noqa: F401,E402
from lamina import callbacks, losses, metrics, optimizers  # noqa: F401,E402
from lamina import layers, models, saving, utils  # noqa: F401,E402
from lamina import applications, datasets, export, preprocessing  # noqa: F401,E402
from lamina.layers import Input, InputSpec, Layer  # noqa: F401,E402
from lamina.models import Functional, Model, Sequential  # noqa: F401,E402
