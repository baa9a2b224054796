"""Collect the public functions of several modules into one namespace."""

from __future__ import annotations


def export_functions(namespace: dict, *modules) -> None:
    """Copy each module's own public callables into ``namespace`` (later modules win clashes)."""
    for module in modules:
        for name, value in vars(module).items():
            if name.startswith("_") or not callable(value):
                continue
            if getattr(value, "__module__", None) == module.__name__:
                namespace[name] = value
