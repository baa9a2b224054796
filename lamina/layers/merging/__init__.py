"""Merging layers: combine a list of tensors (Add, Concatenate, Dot, ...) and their functional forms."""

from lamina.layers.merging.base_merge import Merge  # noqa: F401
from lamina.layers.merging.concatenate import Concatenate, concatenate  # noqa: F401
from lamina.layers.merging.dot import Dot, dot  # noqa: F401
from lamina.layers.merging.elementwise import (  # noqa: F401
    Add,
    Average,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    maximum,
    minimum,
    multiply,
    subtract,
)

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
