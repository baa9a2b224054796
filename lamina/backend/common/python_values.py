"""How Python values (scalars, nested lists) map to dtypes, identically on every backend."""

from __future__ import annotations

import numpy as np

from lamina import config


def infer_python_dtype(value) -> str | None:
    """The dtype a tensor built from a Python scalar or (nested) list gets: bool, int32 or floatx.

    Returns None when ``value`` is not plain Python data (arrays carry their own dtype).
    """
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int32"
    if isinstance(value, float):
        return config.floatx()
    if isinstance(value, complex):
        return "complex64"
    if isinstance(value, (list, tuple)):
        kinds = set()
        _collect_kinds(value, kinds)
        if not kinds:
            return config.floatx()
        if "array" in kinds:
            return None
        if "complex" in kinds:
            return "complex64"
        if "float" in kinds:
            return config.floatx()
        if "int" in kinds:
            return "int32"
        return "bool"
    return None


def _collect_kinds(value, kinds):
    for v in value:
        if isinstance(v, (list, tuple)):
            _collect_kinds(v, kinds)
        elif isinstance(v, bool):
            kinds.add("bool")
        elif isinstance(v, int):
            kinds.add("int")
        elif isinstance(v, float):
            kinds.add("float")
        elif isinstance(v, complex):
            kinds.add("complex")
        elif isinstance(v, np.generic) and np.issubdtype(type(v), np.floating):
            kinds.add("float")
        else:
            kinds.add("array")
