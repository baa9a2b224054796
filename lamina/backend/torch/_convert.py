"""Fast input conversion and Keras dtype promotion for the torch kernels."""

from __future__ import annotations

import torch

from lamina import config
from lamina.backend.common.dtypes import result_type
from lamina.backend.common.variable_base import VariableBase
from lamina.backend.torch.core import _DTYPES, _NAMES, convert_to_tensor

Tensor = torch.Tensor
# Keras narrows 64-bit results to 32 bits, so same-dtype 64-bit pairs still go through result_type.
_WIDE = frozenset({torch.int64, torch.float64, torch.uint64, torch.complex128})


def t(x):
    """Any tensor-like as a torch tensor (Variables unwrapped, arrays and Python values converted)."""
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _weak_or_dtype(x):
    if isinstance(x, Tensor):
        return _NAMES[x.dtype]
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, (int, float, complex)):
        return type(x)
    return _NAMES[t(x).dtype]


def promote(x1, x2):
    """Both arguments as tensors of Keras's result dtype."""
    if not isinstance(x1, Tensor) and isinstance(x1, VariableBase):
        x1 = x1.value
    if not isinstance(x2, Tensor) and isinstance(x2, VariableBase):
        x2 = x2.value
    if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype == x2.dtype and x1.dtype not in _WIDE:
        return x1, x2
    dtype = _DTYPES[result_type(_weak_or_dtype(x1), _weak_or_dtype(x2))]
    return convert_to_tensor(x1, dtype=dtype), convert_to_tensor(x2, dtype=dtype)


def promote_many(*xs):
    """All arguments as tensors of one Keras result dtype."""
    dtype = _DTYPES[result_type(*[_weak_or_dtype(x) for x in xs])]
    return [convert_to_tensor(x, dtype=dtype) for x in xs]


def to_float(x):
    """A tensor, with ints and bools cast to floatx."""
    x = t(x)
    if x.is_floating_point() or x.is_complex():
        return x
    return x.to(_DTYPES[config.floatx()])
