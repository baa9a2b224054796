"""Python operator methods (``+``, ``@``, ``[]``, ``<`` ...) shared by KerasTensor and Variable."""

from __future__ import annotations


def _binary(op_name, reflected=False):
    def method(self, other):
        from lamina import ops
        fn = getattr(ops, op_name)
        return fn(other, self) if reflected else fn(self, other)
    method.__name__ = op_name
    return method


def _unary(op_name):
    def method(self):
        from lamina import ops
        return getattr(ops, op_name)(self)
    method.__name__ = op_name
    return method


def _getitem(self, key):
    from lamina import ops
    return ops.get_item(self, key)


OPERATOR_METHODS = {
    "__add__": _binary("add"), "__radd__": _binary("add", True),
    "__sub__": _binary("subtract"), "__rsub__": _binary("subtract", True),
    "__mul__": _binary("multiply"), "__rmul__": _binary("multiply", True),
    "__truediv__": _binary("true_divide"), "__rtruediv__": _binary("true_divide", True),
    "__floordiv__": _binary("floor_divide"), "__rfloordiv__": _binary("floor_divide", True),
    "__mod__": _binary("mod"), "__rmod__": _binary("mod", True),
    "__pow__": _binary("power"), "__rpow__": _binary("power", True),
    "__matmul__": _binary("matmul"), "__rmatmul__": _binary("matmul", True),
    "__and__": _binary("logical_and"), "__rand__": _binary("logical_and", True),
    "__or__": _binary("logical_or"), "__ror__": _binary("logical_or", True),
    "__xor__": _binary("logical_xor"), "__rxor__": _binary("logical_xor", True),
    "__lt__": _binary("less"), "__le__": _binary("less_equal"),
    "__gt__": _binary("greater"), "__ge__": _binary("greater_equal"),
    "__neg__": _unary("negative"), "__pos__": _unary("positive"),
    "__abs__": _unary("absolute"), "__invert__": _unary("logical_not"),
    "__getitem__": _getitem,
}
