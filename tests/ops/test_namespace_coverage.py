"""lamina.ops offers every public op of keras.ops (and of its nn/numpy/math/linalg/image namespaces)."""

import inspect

import pytest

from lamina import ops

NAMESPACES = ["", "nn", "numpy", "linalg", "image"]


def _public(module):
    return sorted(n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n))
                  and not inspect.ismodule(getattr(module, n)))


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_keras_op_exists(keras, namespace):
    theirs = getattr(keras.ops, namespace) if namespace else keras.ops
    ours = getattr(ops, namespace) if namespace else ops
    missing = [n for n in _public(theirs) if not hasattr(ours, n)]
    assert not missing, f"lamina.ops{'.' + namespace if namespace else ''} lacks {missing}"


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_signatures_match_keras(keras, namespace):
    theirs = getattr(keras.ops, namespace) if namespace else keras.ops
    ours = getattr(ops, namespace) if namespace else ops
    different = []
    for name in _public(theirs):
        if not hasattr(ours, name):
            continue
        try:
            k = list(inspect.signature(getattr(theirs, name)).parameters)
            l = list(inspect.signature(getattr(ours, name)).parameters)
        except (TypeError, ValueError):
            continue
        if k != l:
            different.append(f"{name}: keras {k} lamina {l}")
    assert not different, "\n".join(different)
