"""Deterministic initializers: Constant, Zeros, Ones, Identity."""

from __future__ import annotations

from lamina import ops
from lamina.backend.common.dtypes import standardize_dtype
from lamina.initializers.initializer import Initializer
from lamina.saving.serialization import builtin, deserialize_keras_object, serialize_keras_object

_MODULE = "keras.initializers"


@builtin(_MODULE)
class Constant(Initializer):
    """Fills the tensor with one value (a scalar, converted to the requested dtype).

    Example:
        >>> Constant(10.0)((2, 2))   # [[10., 10.], [10., 10.]]
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        dtype = standardize_dtype(dtype)
        return ops.full(shape, ops.cast(self.value, dtype), dtype=dtype)

    def get_config(self) -> dict:
        return {"value": serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config: dict):
        return cls(deserialize_keras_object(config.get("value", 0.0)))


@builtin(_MODULE)
class Zeros(Initializer):
    """Fills the tensor with 0.

    Example:
        >>> Zeros()((2,), dtype="int32")   # [0, 0]
    """

    def __call__(self, shape, dtype=None):
        return ops.zeros(shape, dtype=standardize_dtype(dtype))


@builtin(_MODULE)
class Ones(Initializer):
    """Fills the tensor with 1.

    Example:
        >>> Ones()((2,))   # [1., 1.]
    """

    def __call__(self, shape, dtype=None):
        return ops.ones(shape, dtype=standardize_dtype(dtype))


@builtin(_MODULE)
class Identity(Initializer):
    """``gain`` times the identity matrix (2D shapes only; non-square shapes get ones on the main diagonal).

    Example:
        >>> Identity(gain=2.0)((2, 3))   # [[2., 0., 0.], [0., 2., 0.]]
    """

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) != 2:
            raise ValueError(
                f"Identity initializer: expected a 2D shape (rows, columns), received shape={shape} "
                f"of rank {len(shape)}."
            )
        dtype = standardize_dtype(dtype)
        return ops.multiply(self.gain, ops.eye(shape[0], shape[1], dtype=dtype))

    def get_config(self) -> dict:
        # Keras 3 writes an empty config here (it drops `gain`); lamina does the same for the
        # default gain, and keeps a non-default gain so that it survives a save and load.
        return {} if self.gain == 1.0 else {"gain": self.gain}
