"""lamina.backend: backend selection, plus the ``keras.backend`` utility namespace.

``impl`` is the selected backend's package (``lamina.backend.numpy``,
``.torch`` or ``.jax``); only it imports a framework. Its submodules are
``core`` (tensors, dtypes, variable storage, control flow), ``numpy``,
``nn``, ``math``, ``linalg``, ``image`` and ``random`` (the kernels).

Example:
    >>> import lamina
    >>> lamina.backend.backend()
    'torch'
"""

from __future__ import annotations

import importlib

from lamina import config
from lamina.backend.common.dtypes import (  # noqa: F401
    is_float_dtype,
    is_int_dtype,
    result_type,
    standardize_dtype,
)
from lamina.config import (  # noqa: F401
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)

impl = importlib.import_module(f"lamina.backend.{config.backend()}")


def is_keras_tensor(x) -> bool:
    """True for a symbolic KerasTensor."""
    from lamina.core.keras_tensor import KerasTensor

    return isinstance(x, KerasTensor)


def is_tensor(x) -> bool:
    """True for a tensor of the selected backend."""
    return impl.core.is_tensor(x)


def clear_session() -> None:
    """Reset generated layer names (and, on jax, compiled-function caches)."""
    from lamina.utils.naming import reset_names

    reset_names()
    impl.core.clear_session()
