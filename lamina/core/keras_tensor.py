"""KerasTensor: a symbolic tensor (shape and dtype, no data) used to build Functional models.

Example:
    >>> import lamina
    >>> x = lamina.KerasTensor((None, 3))
    >>> (x + 1).shape
    (None, 3)
"""

from __future__ import annotations

from lamina.backend.common.dtypes import standardize_dtype
from lamina.utils.naming import auto_name


class KerasTensor:
    """A placeholder with a shape (``None`` for unknown dimensions) and a dtype."""

    __slots__ = ("_shape", "_dtype", "sparse", "ragged", "name", "record_history", "_keras_history", "_keras_mask", "__weakref__")

    def __init__(self, shape, dtype="float32", sparse: bool = False, ragged: bool = False,
                 record_history: bool = True, name: str | None = None):
        self._shape = tuple(None if d is None else int(d) for d in shape)
        self._dtype = standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.record_history = record_history
        self.name = name or auto_name("keras_tensor")
        self._keras_history = None
        self._keras_mask = None

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def dtype(self) -> str:
        return self._dtype

    @property
    def ndim(self) -> int:
        return len(self._shape)

    def __repr__(self):
        return f"<KerasTensor shape={self._shape}, dtype={self._dtype}, sparse={self.sparse}, name={self.name}>"

    def __len__(self):
        if not self._shape or self._shape[0] is None:
            raise TypeError(f"len() is unknown for the symbolic tensor {self.name} of shape {self._shape}.")
        return self._shape[0]

    def __iter__(self):
        raise TypeError(
            f"A symbolic tensor ({self.name}, shape {self._shape}) cannot be iterated: it holds no data. "
            "Use lamina.ops inside a layer's call() instead of Python control flow on it."
        )

    def __bool__(self):
        raise TypeError(
            f"A symbolic tensor ({self.name}) has no truth value: it is a placeholder for data that a "
            "Functional model will receive later. Use lamina.ops.cond or ops.where."
        )

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"A symbolic tensor ({self.name}, shape {self._shape}) cannot be converted to a NumPy array: "
            "it is a placeholder used to build a model. Build the model, then call it on real data."
        )

    def __hash__(self):
        return id(self)

    # Methods and operators route through lamina.ops (imported lazily to keep the core light).
    def reshape(self, *shape):
        from lamina import ops
        return ops.reshape(self, shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)

    def squeeze(self, axis=None):
        from lamina import ops
        return ops.squeeze(self, axis=axis)

    def astype(self, dtype):
        from lamina import ops
        return ops.cast(self, dtype)

    @property
    def T(self):
        from lamina import ops
        return ops.transpose(self)


def _bind_operators(cls):
    """Give ``cls`` Python's arithmetic, comparison and indexing operators via lamina.ops."""
    from lamina.core.operators import OPERATOR_METHODS

    for name, fn in OPERATOR_METHODS.items():
        setattr(cls, name, fn)
    return cls


def is_keras_tensor(x) -> bool:
    """True for a symbolic :class:`KerasTensor`."""
    return isinstance(x, KerasTensor)

_bind_operators(KerasTensor)
