"""lamina: the Keras 3 API on PyTorch, JAX and NumPy.

Example:
    >>> import lamina as keras
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model(np.ones((1, 4))).shape
"""

from lamina import config  # noqa: F401  (selects the backend first)
from lamina import backend  # noqa: F401
from lamina import ops  # noqa: F401
from lamina.core.keras_tensor import KerasTensor  # noqa: F401
from lamina.core.operation import Operation  # noqa: F401
from lamina.core.variable import Variable  # noqa: F401
from lamina.version import __version__, version  # noqa: F401
