"""Metric: stateful accumulation over batches (``update_state``, ``result``, ``reset_state``).

State lives in non-trainable lamina Variables changed only through
``assign``/``assign_add``, so the same metric code runs eagerly (torch, numpy)
and inside a jitted JAX step, where a StatelessScope feeds the variables'
values in and collects their updates.
"""

from __future__ import annotations

from lamina import config, initializers, ops
from lamina.backend.common.scopes import StatelessScope
from lamina.core import dtype_policy as _dtype_policy
from lamina.core.variable import Variable
from lamina.saving.serialization import builtin


@builtin("keras.metrics")
class Metric:
    """Base class of metrics. Create state with ``add_variable`` in ``__init__``, then
    implement ``update_state(...)`` (changing state only through ``Variable.assign*``)
    and ``result()``.

    Args:
        dtype: the dtype of the metric's computations (a dtype name or a DTypePolicy,
            whose compute dtype is used); defaults to floatx.
        name: the metric's name; defaults to the snake-cased class name.

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
        from lamina.utils.naming import auto_name

        object.__setattr__(self, "_variables", [])
        object.__setattr__(self, "_metrics", [])
        self.name = name or auto_name(type(self).__name__)
        self._dtype_policy = _dtype_policy.get(dtype or config.floatx())
        self._dtype = self._dtype_policy.compute_dtype

    # ------------------------------------------------------------------ state
    @property
    def dtype(self) -> str:
        """The compute dtype of the metric (a string such as ``"float32"``)."""
        return self._dtype

    def add_variable(self, shape, initializer, dtype=None, aggregation: str = "sum",
                     name: str | None = None) -> Variable:
        """Create a non-trainable state variable (dtype defaults to floatx, as in Keras)."""
        self._check_super_called()
        init = initializers.get(initializer)
        v = Variable(init, shape=tuple(shape), dtype=dtype, trainable=False,
                     aggregation=aggregation, synchronization="on_read", name=name or "variable")
        v.path = f"{self.name.replace('/', '>')}/{v.name}"
        self._variables.append(v)
        return v

    def add_weight(self, shape=(), initializer=None, dtype=None, name: str | None = None) -> Variable:
        """Alias of :meth:`add_variable` with Keras's defaults."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    def __setattr__(self, name, value):
        tracked = self.__dict__
        if "_variables" in tracked:
            if isinstance(value, Metric) and value is not self and not any(value is m for m in self._metrics):
                self._metrics.append(value)
            elif isinstance(value, Variable) and not any(value is v for v in self._variables):
                self._variables.append(value)
        object.__setattr__(self, name, value)

    @property
    def variables(self) -> list:
        """This metric's state variables, then those of the metrics it holds."""
        out = list(self._variables)
        for m in self._metrics:
            out.extend(m.variables)
        return out

    def reset_state(self) -> None:
        """Set every state variable back to zeros."""
        for v in self.variables:
            v.assign(ops.zeros(v.shape, dtype=v._dtype))

    # ------------------------------------------------------------------ API
    def update_state(self, *args, **kwargs):
        """Accumulate statistics for the metric."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        """The current value of the metric (a scalar tensor, or a dict of them)."""
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def __call__(self, *args, **kwargs):
        """Update the state with this batch and return the result."""
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    # ------------------------------------------------------------------ stateless forms
    def _check_variable_list(self, metric_variables):
        if len(metric_variables) != len(self.variables):
            raise ValueError(
                f"{type(self).__name__}: `metric_variables` must hold one tensor per variable of "
                f"`.variables` ({len(self.variables)}); received {len(metric_variables)}."
            )

    def stateless_update_state(self, metric_variables, *args, **kwargs) -> list:
        """``update_state`` as a pure function: variable values in, new variable values out."""
        self._check_variable_list(metric_variables)
        with StatelessScope(list(zip(self.variables, metric_variables))) as scope:
            self.update_state(*args, **kwargs)
        return [scope.get_current_value(v) for v in self.variables]

    def stateless_result(self, metric_variables):
        """``result`` computed from the given variable values."""
        self._check_variable_list(metric_variables)
        with StatelessScope(list(zip(self.variables, metric_variables))):
            return self.result()

    def stateless_reset_state(self) -> list:
        """The variable values ``reset_state`` would set, without changing the metric."""
        with StatelessScope() as scope:
            self.reset_state()
        out = []
        for v in self.variables:
            new = scope.get_current_value(v)
            out.append(new if new is not None else v.value)
        return out

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """The metric's constructor arguments (``name`` and ``dtype`` here)."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _check_super_called(self):
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}: call `super().__init__()` in `__init__()` before creating "
                "state or using the metric."
            )

    def _obj_type(self) -> str:
        return "Metric"

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__
