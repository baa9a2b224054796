"""JAX backend core: conversion, dtypes, variable storage, control flow."""

from __future__ import annotations

import contextlib

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np

from lamina.backend.common.dtypes import standardize_dtype
from lamina.backend.common.python_values import infer_python_dtype
from lamina.backend.common.variable_base import VariableBase

NAME = "jax"


def to_native_dtype(dtype):
    name = standardize_dtype(dtype)
    if name == "bfloat16":
        return jnp.bfloat16
    return jnp.dtype(name)


def is_tensor(x) -> bool:
    return isinstance(x, jax.Array)


def convert_to_tensor(x, dtype=None, sparse=None):
    if isinstance(x, VariableBase):
        x = x.value
    if dtype is not None:
        native = to_native_dtype(dtype)
        if isinstance(x, jax.Array) and x.dtype == native:
            return x
        return jnp.asarray(x, dtype=native)
    if isinstance(x, jax.Array):
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        return jnp.asarray(x)
    inferred = infer_python_dtype(x)
    if inferred is not None:
        return jnp.asarray(x, dtype=to_native_dtype(inferred))
    return jnp.asarray(x)


def convert_to_numpy(x) -> np.ndarray:
    if isinstance(x, VariableBase):
        x = x.value
    return np.asarray(x)


def dtype_of(x) -> str:
    return standardize_dtype(x.dtype)


def cast(x, dtype):
    native = to_native_dtype(dtype)
    x = convert_to_tensor(x)
    return x if x.dtype == native else x.astype(native)


def shape(x) -> tuple:
    if isinstance(x, VariableBase):
        return x.shape
    return tuple(x.shape)


def variable_storage(value, trainable: bool = True):
    return jnp.array(value, copy=True)


def assign(storage, value):
    return jnp.asarray(value, dtype=storage.dtype)


def set_requires_grad(storage, flag: bool) -> None:
    pass


def stop_gradient(x):
    return jax.lax.stop_gradient(convert_to_tensor(x))


def default_device() -> str:
    return str(jax.devices()[0])


@contextlib.contextmanager
def device_scope(device_name):
    name = str(device_name).lower()
    kind = "gpu" if ("gpu" in name or "cuda" in name) else "cpu"
    idx = int(name.split(":")[1]) if ":" in name else 0
    with jax.default_device(jax.devices(kind)[idx]):
        yield


def clear_session() -> None:
    jax.clear_caches()
