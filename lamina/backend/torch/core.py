"""PyTorch backend core: conversion, dtypes, device placement, variable storage, control flow."""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from lamina.backend.common.dtypes import standardize_dtype
from lamina.backend.common.python_values import infer_python_dtype
from lamina.backend.common.variable_base import VariableBase

NAME = "torch"

_DTYPES = {
    "bool": torch.bool, "uint8": torch.uint8, "uint16": torch.uint16, "uint32": torch.uint32,
    "uint64": torch.uint64, "int8": torch.int8, "int16": torch.int16, "int32": torch.int32,
    "int64": torch.int64, "bfloat16": torch.bfloat16, "float16": torch.float16,
    "float32": torch.float32, "float64": torch.float64, "complex64": torch.complex64,
    "complex128": torch.complex128,
}
_NAMES = {v: k for k, v in _DTYPES.items()}

_device = {"name": "cuda" if torch.cuda.is_available() else "cpu"}


def default_device() -> str:
    return _device["name"]


@contextlib.contextmanager
def device_scope(device_name: str):
    """Place new tensors on ``device_name`` (``"cpu"``, ``"cuda:0"``, ``"gpu"``)."""
    name = str(device_name).lower().replace("gpu", "cuda")
    previous = _device["name"]
    _device["name"] = name
    try:
        yield
    finally:
        _device["name"] = previous


def to_native_dtype(dtype):
    if isinstance(dtype, torch.dtype):
        return dtype
    return _DTYPES[standardize_dtype(dtype)]


def is_tensor(x) -> bool:
    return isinstance(x, torch.Tensor)


def convert_to_tensor(x, dtype=None, sparse=None):
    if isinstance(x, VariableBase):
        x = x.value
    if isinstance(x, torch.Tensor):
        if dtype is not None:
            native = to_native_dtype(dtype)
            if x.dtype != native:
                return x.to(native)
        return x
    native = to_native_dtype(dtype) if dtype is not None else None
    device = _device["name"]
    if isinstance(x, np.ndarray):
        if x.dtype.name == "bfloat16":
            t = torch.from_numpy(x.astype(np.float32)).to(torch.bfloat16)
        else:
            if not (x.flags.writeable and x.flags.c_contiguous):
                x = np.array(x, copy=True, order="C")
            t = torch.from_numpy(x)
        if native is not None and t.dtype != native:
            t = t.to(native)
        return t.to(device) if device != "cpu" else t
    if isinstance(x, np.generic):
        return convert_to_tensor(np.asarray(x), dtype=dtype)
    if native is None:
        inferred = infer_python_dtype(x)
        if inferred is not None:
            native = _DTYPES[inferred]
        elif isinstance(x, (list, tuple)):
            return convert_to_tensor(np.asarray([convert_to_numpy(e) for e in x]), dtype=dtype)
    if hasattr(x, "__array__") and not isinstance(x, (list, tuple)):
        return convert_to_tensor(np.asarray(x), dtype=dtype)
    return torch.as_tensor(x, dtype=native, device=device)


def convert_to_numpy(x) -> np.ndarray:
    if isinstance(x, VariableBase):
        x = x.value
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            import ml_dtypes

            return x.float().cpu().numpy().astype(ml_dtypes.bfloat16)
        return x.cpu().numpy()
    return np.asarray(x)


def dtype_of(x) -> str:
    return _NAMES[x.dtype] if isinstance(x, torch.Tensor) else standardize_dtype(x.dtype)


def cast(x, dtype):
    native = to_native_dtype(dtype)
    if isinstance(x, torch.Tensor):
        return x if x.dtype == native else x.to(native)
    return convert_to_tensor(x, dtype=native)


def shape(x) -> tuple:
    if isinstance(x, VariableBase):
        return x.shape
    return tuple(x.shape)


def variable_storage(value, trainable: bool = True):
    t = convert_to_tensor(value).detach().clone()
    requires = trainable and (t.is_floating_point() or t.is_complex())
    return torch.nn.Parameter(t, requires_grad=requires)


def assign(storage, value):
    value = convert_to_tensor(value)
    with torch.no_grad():
        storage.copy_(value)
    return storage


def assign_add(storage, value):
    """``storage += value`` in place, for float storage and a same-shape tensor or a Python number;
    None when the case is not one of those (the caller then adds and assigns the general way)."""
    if not storage.is_floating_point():
        return None
    if isinstance(value, torch.Tensor):
        if value.shape != storage.shape or value.is_complex() or value.device != storage.device:
            return None
        value = value.detach()  # a loss carrying a graph must not pull the variable into it
    elif type(value) not in (int, float):
        return None
    if storage.requires_grad:
        with torch.no_grad():
            storage.add_(value)
    else:
        storage.add_(value)
    return storage


def set_requires_grad(storage, flag: bool) -> None:
    if storage.is_floating_point() or storage.is_complex():
        storage.requires_grad_(bool(flag))


def stop_gradient(x):
    return convert_to_tensor(x).detach()


def clear_session() -> None:
    pass
