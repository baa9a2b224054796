"""Operation: anything that can be called on real tensors or, to build a graph, on KerasTensors.

Layers are Operations; so is every ``lamina.ops`` function when it is called on
symbolic tensors (see :func:`symbolic_op`).

Example:
    >>> from lamina import ops
    >>> x = lamina.KerasTensor((None, 4))
    >>> y = ops.sum(x, axis=-1)       # records a node in the graph
    >>> y.shape
    (None,)
"""

from __future__ import annotations

import functools

from lamina.core.keras_tensor import KerasTensor
from lamina.core.node import Node
from lamina.backend.common.scopes import in_symbolic_scope
from lamina.utils.naming import auto_name


def any_symbolic(args, kwargs=None) -> bool:
    """True if a KerasTensor is among ``args`` (one level into lists/tuples/dicts) or ``kwargs`` values."""
    for a in args:
        if isinstance(a, KerasTensor):
            return True
        kind = type(a)
        if kind in (list, tuple) or kind is dict:
            for e in (a.values() if kind is dict else a):
                if isinstance(e, KerasTensor):
                    return True
    if kwargs:
        return any_symbolic(tuple(kwargs.values()))
    return False


class Operation:
    """Base class of Layers and symbolic ops."""

    def __init__(self, name: str | None = None):
        self.name = name or auto_name(type(self).__name__)
        self._inbound_nodes: list = []
        self._outbound_nodes: list = []

    def __call__(self, *args, **kwargs):
        if any_symbolic(args, kwargs):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not implement call().")

    def compute_output_spec(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not implement compute_output_spec().")

    def symbolic_call(self, *args, **kwargs):
        outputs = self.compute_output_spec(*args, **kwargs)
        if not in_symbolic_scope():
            Node(self, args, kwargs, outputs)
        return outputs

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class FunctionOperation(Operation):
    """A ``lamina.ops`` function recorded in a graph: ``call`` reruns the function."""

    def __init__(self, fn, spec_fn, name):
        super().__init__(name=auto_name(name))
        self._fn = fn
        self._spec_fn = spec_fn
        self.op_name = name

    def call(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        return self._spec_fn(*args, **kwargs)

    def get_config(self):
        return {"name": self.name, "op": self.op_name}


def symbolic_op(spec):
    """Decorate a ``lamina.ops`` function: on KerasTensors it returns ``spec(*args)`` and records a node.

    ``spec`` takes the same arguments as the op and returns KerasTensor(s)
    with the inferred shape and dtype. On real tensors the function runs
    directly, with no per-call cost beyond a scan of its arguments.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def op(*args, **kwargs):
            if any_symbolic(args, kwargs):
                if in_symbolic_scope():
                    return spec(*args, **kwargs)
                return FunctionOperation(fn, spec, fn.__name__).symbolic_call(*args, **kwargs)
            return fn(*args, **kwargs)

        op.compute_output_spec = spec
        return op

    return decorate
