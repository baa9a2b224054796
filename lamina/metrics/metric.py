"""Metric: stateful accumulation over batches (``update_state``, ``result``, ``reset_state``).

State lives in non-trainable lamina Variables, so the same metric code runs
eagerly (torch, numpy) and inside a jitted JAX step (through StatelessScope).
"""

from __future__ import annotations

from lamina import initializers, ops
from lamina.core.variable import Variable
from lamina.saving.serialization import builtin


@builtin("keras.metrics")
class Metric:
    """Base class. Subclasses create state with ``add_variable`` and implement update_state/result.

    Example:
        >>> class Count(lamina.metrics.Metric):
        ...     def __init__(self, name="count"):
        ...         super().__init__(name=name)
        ...         self.n = self.add_variable((), "zeros", name="n")
        ...     def update_state(self, values):
        ...         self.n.assign_add(lamina.ops.cast(lamina.ops.size(values), "float32"))
        ...     def result(self):
        ...         return self.n.value
    """

    def __init__(self, dtype=None, name: str | None = None):
        from lamina.utils.naming import auto_name, to_snake_case

        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self._dtype = dtype or "float32"
        self._variables: list = []
        self._metrics: list = []

    @property
    def dtype(self) -> str:
        return self._dtype

    def add_variable(self, shape, initializer, dtype=None, aggregation: str = "sum", name: str | None = None) -> Variable:
        """Create a non-trainable state variable."""
        init = initializers.get(initializer)
        v = Variable(init, shape=tuple(shape), dtype=dtype or self._dtype, trainable=False,
                     aggregation=aggregation, name=name or "variable")
        v.path = f"{self.name}/{v.name}"
        self._variables.append(v)
        return v

    add_weight = add_variable

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and "_metrics" in self.__dict__:
            self._metrics.append(value)
        object.__setattr__(self, name, value)

    @property
    def variables(self) -> list:
        out = list(self._variables)
        for m in self._metrics:
            out.extend(m.variables)
        return out

    def reset_state(self) -> None:
        """Set every state variable back to zeros."""
        for v in self._variables:
            v.assign(ops.zeros(v.shape, dtype=v._dtype))
        for m in self._metrics:
            m.reset_state()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def __call__(self, *args, **kwargs):
        """Update the state with this batch and return the result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self._dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
