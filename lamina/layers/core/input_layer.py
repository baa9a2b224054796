"""InputLayer and Input: the entry points of a Functional model."""

from __future__ import annotations

from lamina import config
from lamina.backend.common.dtypes import standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.core.node import Node
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class InputLayer(Layer):
    """The layer behind :func:`Input`: it owns the model's symbolic input tensor."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional: bool = False, name: str | None = None, ragged=None, **kwargs):
        for legacy in ("input_shape", "batch_input_shape"):
            if legacy in kwargs:
                value = tuple(kwargs.pop(legacy))
                if legacy == "input_shape":
                    shape = value
                else:
                    batch_shape = value
        super().__init__(name=name, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("InputLayer: pass `shape` or `batch_shape`, not both.")
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError(f"InputLayer: input_tensor must be a KerasTensor, received {type(input_tensor).__name__}.")
            batch_shape = input_tensor.shape
            dtype = dtype or input_tensor.dtype
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    "InputLayer needs a `shape` (without the batch dimension) or a `batch_shape`; received neither."
                )
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self._batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self._dtype = standardize_dtype(dtype if dtype is not None else config.floatx())
        self.sparse = bool(sparse)
        self.optional = optional
        self.built = True
        if input_tensor is None:
            input_tensor = KerasTensor(self._batch_shape, dtype=self._dtype, sparse=self.sparse, name=self.name)
        tensor = input_tensor
        self._input_tensor = tensor
        Node(self, (), {}, tensor)

    @property
    def batch_shape(self) -> tuple:
        return self._batch_shape

    @property
    def dtype(self) -> str:
        return self._dtype

    def call(self):
        return None

    def get_config(self) -> dict:
        return {"batch_shape": list(self._batch_shape), "dtype": self._dtype, "sparse": self.sparse,
                "ragged": False, "name": self.name, "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("ragged", None)
        return cls(**config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name: str | None = None,
          tensor=None, optional: bool = False, ragged=None) -> KerasTensor:
    """A symbolic input of a Functional model.

    Example:
        >>> x = lamina.Input((20,), name="features")
        >>> x.shape
        (None, 20)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape,
                       name=name, input_tensor=tensor, optional=optional)
    return layer._input_tensor
