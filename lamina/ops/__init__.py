"""lamina.ops: the Keras 3 ``keras.ops`` namespace.

The top level holds every public op of the ``core``, ``numpy``, ``nn``,
``math`` and ``linalg`` modules (``image`` stays in its own namespace, as in
Keras).

Example:
    >>> from lamina import ops
    >>> ops.sum(ops.ones((2, 3)), axis=1)
"""

from lamina.ops import core, image, linalg, math, nn, numpy  # noqa: F401


def _export(module):
    for name, value in vars(module).items():
        if name.startswith("_") or not callable(value):
            continue
        if str(getattr(value, "__module__", "")).startswith("lamina.ops"):
            globals()[name] = value


for _module in (linalg, math, nn, numpy, core):  # later modules win name clashes
    _export(_module)
del _module
