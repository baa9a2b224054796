"""Variable: a named, mutable tensor held in the backend's native storage.

Example:
    >>> import lamina
    >>> v = lamina.Variable([1.0, 2.0], name="w")
    >>> v.assign_add([1.0, 1.0])
    >>> v.numpy().tolist()
    [2.0, 3.0]
"""

from __future__ import annotations

import numpy as np

from lamina.backend import impl as B
from lamina.backend.common.dtypes import FLOAT_TYPES, standardize_dtype
from lamina.backend.common.variable_base import VariableBase
from lamina.backend.common import scopes
from lamina.core import name_scope as _name_scope
from lamina.core.operators import OPERATOR_METHODS
from lamina.utils.naming import auto_name


class Variable(VariableBase):
    """A tensor-valued state: weights, optimizer slots, metric accumulators, seed states.

    Args:
        initializer: an initial value (array-like) or a callable ``(shape, dtype) -> tensor``
            (an initializer object or its string name).
        shape: required when ``initializer`` is callable.
        dtype: defaults to the initial value's dtype, or floatx.
        trainable: whether optimizers update it (and gradients flow to it).
        autocast: whether mixed precision reads it in the compute dtype.
        name: the variable's name; ``path`` prefixes the open name scopes (the owning layers' names).
    """

    def __init__(self, initializer, shape=None, dtype=None, trainable: bool = True,
                 autocast: bool = True, aggregation: str = "none", synchronization: str = "auto",
                 name: str | None = None, constraint=None, regularizer=None):
        if not name:
            name = auto_name("Variable")  # variable, variable_1, ... as Keras names unnamed variables
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"Variable name must be a string without '/', received {name!r}.")
        self.name = name
        parent = _name_scope.current_path()  # the open name scopes (layers being built/called)
        self.path = f"{parent}/{name}" if parent else name
        self.autocast = autocast
        self.aggregation = aggregation
        self.synchronization = synchronization
        self.constraint = constraint
        self.regularizer = regularizer
        self.overwrite_with_gradient = False
        if isinstance(initializer, str) or (callable(initializer) and not _is_array_like(initializer)):
            from lamina import initializers

            init = initializers.get(initializer)
            if shape is None:
                raise ValueError(
                    f"Variable {name!r}: a callable initializer needs a `shape`; received shape=None."
                )
            dtype = standardize_dtype(dtype)
            value = init(tuple(shape), dtype=dtype)
        else:
            value = initializer
            if dtype is not None:
                dtype = standardize_dtype(dtype)
        value = B.core.convert_to_tensor(value, dtype=dtype)
        if dtype is None:
            dtype = B.core.dtype_of(value)
        if shape is not None and tuple(B.core.shape(value)) != tuple(shape):
            raise ValueError(
                f"Variable {name!r}: the initial value has shape {tuple(B.core.shape(value))}, "
                f"expected {tuple(shape)}."
            )
        self._dtype = dtype
        self._shape = tuple(int(d) for d in B.core.shape(value))
        self._trainable = bool(trainable)
        self._value = B.core.variable_storage(value, trainable=self._trainable)

    # --- reading ---------------------------------------------------------
    @property
    def value(self):
        """The current value as a backend tensor (from the stateless scope when one is active)."""
        scope = scopes._state["stateless"]
        value = self._value
        if scope is not None:
            override = scope._values.get(id(self))
            if override is not None:
                value = override
        cast_to = scopes._state["autocast"]
        if cast_to is not None and self.autocast and cast_to != self._dtype and self._dtype in FLOAT_TYPES:
            return B.core.cast(value, cast_to)
        return value

    def numpy(self) -> np.ndarray:
        """A copy of the value (never a view that later updates would change)."""
        return np.array(B.core.convert_to_numpy(self.value), copy=True)

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def dtype(self) -> str:
        cast_to = scopes._state["autocast"]
        if cast_to is not None and self.autocast and self._dtype in FLOAT_TYPES:
            return cast_to
        return self._dtype

    @property
    def ndim(self) -> int:
        return len(self._shape)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool):
        self._trainable = bool(value)
        B.core.set_requires_grad(self._value, self._trainable)

    # --- writing ---------------------------------------------------------
    def assign(self, value):
        """Set the value (same shape); returns the new value."""
        value = B.core.convert_to_tensor(value, dtype=self._dtype)
        shape = tuple(B.core.shape(value))
        if shape != self._shape:
            raise ValueError(
                f"Variable {self.path!r} has shape {self._shape}; cannot assign a value of shape {shape}."
            )
        scope = scopes._state["stateless"]
        if scope is not None:
            scope.add_update(self, value)
        else:
            self._value = B.core.assign(self._value, value)
        return value

    def assign_add(self, value):
        in_place = getattr(B.core, "assign_add", None)
        if in_place is not None and scopes._state["stateless"] is None:
            result = in_place(self._value, value)  # the backend's in-place add, where it has one
            if result is not None:
                return result
        return self.assign(B.numpy.add(self.value, value))

    def assign_sub(self, value):
        return self.assign(B.numpy.subtract(self.value, value))

    # --- interop ---------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr.astype(dtype) if dtype is not None else arr

    def __len__(self):
        return self._shape[0]

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self._shape}, dtype={self._dtype}, value={self.numpy()}>"

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def get_config(self):
        return {"name": self.name, "shape": self._shape, "dtype": self._dtype, "trainable": self._trainable}

    def astype(self, dtype):
        return B.core.cast(self.value, standardize_dtype(dtype))


def _is_array_like(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype")


for _name, _fn in OPERATOR_METHODS.items():
    setattr(Variable, _name, _fn)
