"""Small helpers for nested structures of lists, tuples and dicts.

Example:
    >>> flatten({"b": [1, 2], "a": 3})
    [3, 1, 2]
    >>> map_structure(lambda v: v * 10, (1, [2]))
    (10, [20])
"""

from __future__ import annotations

from typing import Any, Callable


def is_nested(x) -> bool:
    return isinstance(x, (list, tuple, dict))


def flatten(structure) -> list:
    """Leaves in order; dict values are taken in sorted-key order, None is a leaf."""
    out: list = []
    _flatten_into(structure, out)
    return out


def _flatten_into(x, out):
    if isinstance(x, (list, tuple)):
        for v in x:
            _flatten_into(v, out)
    elif isinstance(x, dict):
        for k in sorted(x, key=_sort_key):
            _flatten_into(x[k], out)
    else:
        out.append(x)


def _sort_key(k):
    return (type(k).__name__, str(k))


def map_structure(fn: Callable[[Any], Any], structure):
    """Apply ``fn`` to every leaf, keeping the container types."""
    if isinstance(structure, list):
        return [map_structure(fn, v) for v in structure]
    if isinstance(structure, tuple):
        mapped = [map_structure(fn, v) for v in structure]
        return type(structure)(*mapped) if hasattr(structure, "_fields") else tuple(mapped)
    if isinstance(structure, dict):
        return type(structure)((k, map_structure(fn, v)) for k, v in structure.items())
    return fn(structure)


def pack_sequence_as(structure, flat: list):
    """Inverse of :func:`flatten`: fill ``structure``'s shape with ``flat``'s items."""
    return _build(structure, iter(flat))


def _build(x, it):
    # A module-level recursion, not a closure that refers to itself: such a closure is a reference
    # cycle that would keep ``flat``'s tensors (and a whole autograd graph) alive until gc runs.
    if isinstance(x, list):
        return [_build(v, it) for v in x]
    if isinstance(x, tuple):
        vals = [_build(v, it) for v in x]
        return type(x)(*vals) if hasattr(x, "_fields") else tuple(vals)
    if isinstance(x, dict):
        filled = {k: _build(x[k], it) for k in sorted(x, key=_sort_key)}
        return type(x)((k, filled[k]) for k in x)
    return next(it)
