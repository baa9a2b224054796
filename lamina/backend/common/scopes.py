"""Dynamic scopes that change how layers and variables behave while they are active.

- ``StatelessScope``: variables read from and assign into a mapping instead of
  their storage (how a pure, jitted JAX step sees the model's state).
- ``AutocastScope``: float variables are read in a lower-precision dtype
  (mixed precision).
- ``SymbolicScope``: ops on KerasTensors infer shapes without recording graph
  nodes (used while a layer's call is traced for its output spec).
- ``CallContext``: the ``training`` flag handed down to nested layer calls.

Scopes are plain module globals: lamina runs a model from one thread at a time,
as Keras does.
"""

from __future__ import annotations

_state = {"stateless": None, "autocast": None, "symbolic": 0, "call_stack": []}


class StatelessScope:
    """Read variables from ``state_mapping`` (variable -> value) and collect assignments.

    Example:
        >>> with StatelessScope({v: new_value}) as scope:
        ...     outputs = layer(x)
        >>> updated = scope.get_current_value(v)
    """

    def __init__(self, state_mapping=None, collect_losses: bool = False):
        self._values = {}
        for var, value in (state_mapping.items() if isinstance(state_mapping, dict) else (state_mapping or ())):
            self._values[id(var)] = value
        self._assigned = {}
        self.collect_losses = collect_losses
        self.losses = []
        self._previous = None

    def add_update(self, variable, value):
        self._values[id(variable)] = value
        self._assigned[id(variable)] = variable

    def get_current_value(self, variable):
        return self._values.get(id(variable))

    def assigned_variables(self):
        return list(self._assigned.values())

    def __enter__(self):
        self._previous = _state["stateless"]
        _state["stateless"] = self
        return self

    def __exit__(self, *exc):
        _state["stateless"] = self._previous


def current_stateless_scope():
    return _state["stateless"]


class AutocastScope:
    """While active, float variables are read cast to ``dtype`` (None disables)."""

    def __init__(self, dtype):
        self.dtype = dtype
        self._previous = None

    def __enter__(self):
        self._previous = _state["autocast"]
        _state["autocast"] = self.dtype
        return self

    def __exit__(self, *exc):
        _state["autocast"] = self._previous


def current_autocast_dtype():
    return _state["autocast"]


class SymbolicScope:
    """Ops on KerasTensors compute specs only, without adding nodes to a graph."""

    def __enter__(self):
        _state["symbolic"] += 1
        return self

    def __exit__(self, *exc):
        _state["symbolic"] -= 1


def in_symbolic_scope() -> bool:
    return _state["symbolic"] > 0


def call_stack() -> list:
    """The stack of ``[layer, training]`` entries of the layer calls in progress."""
    return _state["call_stack"]
