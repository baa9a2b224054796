"""NumPy backend core: conversion, dtypes, variable storage, control flow."""

from __future__ import annotations

import contextlib

import ml_dtypes  # noqa: F401  (registers bfloat16 with NumPy)
import numpy as np

from lamina.backend.common.dtypes import standardize_dtype
from lamina.backend.common.python_values import infer_python_dtype
from lamina.backend.common.variable_base import VariableBase

NAME = "numpy"


def to_native_dtype(dtype):
    name = standardize_dtype(dtype)
    if name == "bfloat16":
        return ml_dtypes.bfloat16
    if name == "string":
        return np.str_
    return np.dtype(name)


def is_tensor(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic))


def convert_to_tensor(x, dtype=None, sparse=None):
    if isinstance(x, VariableBase):
        x = x.value
    if dtype is not None:
        dtype = to_native_dtype(dtype)
        if isinstance(x, np.ndarray) and x.dtype == dtype:
            return x
        return np.asarray(x, dtype=dtype)
    if isinstance(x, np.ndarray):
        return x
    inferred = infer_python_dtype(x)
    if inferred is not None:
        return np.asarray(x, dtype=to_native_dtype(inferred))
    return np.asarray(x)


def convert_to_numpy(x) -> np.ndarray:
    if isinstance(x, VariableBase):
        x = x.value
    return np.asarray(x)


def dtype_of(x) -> str:
    return standardize_dtype(x.dtype)


def cast(x, dtype):
    x = convert_to_tensor(x)
    dtype = to_native_dtype(dtype)
    return x if x.dtype == dtype else x.astype(dtype)


def shape(x) -> tuple:
    return tuple(np.shape(x.value if isinstance(x, VariableBase) else x))


def variable_storage(value, trainable: bool = True):
    return np.array(value, copy=True)


def assign(storage, value):
    return np.array(value, dtype=storage.dtype, copy=True)


def set_requires_grad(storage, flag: bool) -> None:
    pass


def stop_gradient(x):
    return convert_to_tensor(x)


def default_device() -> str:
    return "cpu"


@contextlib.contextmanager
def device_scope(device_name):
    yield


def clear_session() -> None:
    pass
