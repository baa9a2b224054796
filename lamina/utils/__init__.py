"""lamina.utils: helpers users reach for (``set_random_seed`` ...).

Names are resolved lazily so that low-level modules (the backends use
``lamina.utils.tree``) can import this package without importing the backend.
"""

_LAZY = {
    "set_random_seed": "lamina.utils.random_seed",
    "get_random_seed": "lamina.utils.random_seed",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lamina.utils' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
