"""Indexing, selection and sorting: take, where, get_item, sort, argsort, searchsorted (part of ``lamina.ops.numpy``)."""

from __future__ import annotations

from lamina.backend import impl as B
from lamina.core.keras_tensor import KerasTensor  # noqa: F401
from lamina.core.operation import symbolic_op  # noqa: F401
from lamina.ops import _spec  # noqa: F401
