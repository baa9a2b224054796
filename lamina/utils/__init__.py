"""lamina.utils: helpers users reach for (``set_random_seed`` ...).

Names are resolved lazily so that low-level modules (the backends use
``lamina.utils.tree``) can import this package without importing the backend.
"""

_LAZY = {
    "set_random_seed": "lamina.utils.random_seed",
    "get_random_seed": "lamina.utils.random_seed",
    "PyDataset": "lamina.utils.py_dataset",
    "Sequence": ("lamina.utils.py_dataset", "PyDataset"),
    "pack_x_y_sample_weight": "lamina.trainers.packing",
    "unpack_x_y_sample_weight": "lamina.trainers.packing",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        target = _LAZY[name]
        module, attr = target if isinstance(target, tuple) else (target, name)
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lamina.utils' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
