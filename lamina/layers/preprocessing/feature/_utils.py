"""Shared helpers of the feature preprocessing layers: NumPy in, backend tensors out.

String data cannot live in torch or jax tensors, so these layers compute in NumPy and
hand back a backend tensor (int64 where the backend has it; jax without x64 gives int32).
"""

from __future__ import annotations

import numpy as np

from lamina import config, ops
from lamina.core.keras_tensor import KerasTensor

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def to_numpy(x) -> np.ndarray:
    """Any input (NumPy, list, backend tensor, Variable) as a NumPy array."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (list, tuple, str, bytes, int, float, bool, np.generic)):
        return np.asarray(x)
    if isinstance(x, KerasTensor):
        raise TypeError(f"Expected real data, received the symbolic tensor {x.name}.")
    return np.asarray(ops.convert_to_numpy(x))


def is_text(a: np.ndarray) -> bool:
    return a.dtype.kind in "USO"


def as_text(a: np.ndarray, encoding: str = "utf-8") -> np.ndarray:
    """A NumPy object array of Python ``str`` (bytes decoded with ``encoding``)."""
    a = np.asarray(a)
    if a.dtype.kind == "U":
        return a.astype(object)
    out = np.empty(a.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(a.reshape(-1).tolist()):
        flat[i] = v.decode(encoding) if isinstance(v, bytes) else str(v)
    return out


def check_output_mode(layer_name: str, output_mode, allowed) -> None:
    if output_mode not in allowed:
        raise ValueError(f"{layer_name}: invalid value for argument `output_mode`. Expected one of {tuple(allowed)}. "
                         f"Received: output_mode={output_mode!r}")


def encode_numpy(indices: np.ndarray, output_mode: str, depth: int, dtype: str, idf_weights=None) -> np.ndarray:
    """Encode integer ``indices`` as Keras's ``encode_categorical_inputs`` does, in NumPy.

    ``one_hot`` drops a trailing axis of size 1; ``multi_hot``/``count``/``tf_idf`` reduce axis 1
    (axis 0 for a single sample); out-of-range indices (mask or OOV markers) encode to zeros.
    """
    if output_mode == "int":
        return indices.astype(dtype)
    if indices.ndim == 0:
        indices = indices[None]
    classes = np.arange(depth)
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        return (indices[..., None] == classes).astype(dtype)
    axis = 1 if indices.ndim > 1 else 0
    hot = indices[..., None] == classes
    if output_mode == "multi_hot":
        return hot.any(axis=axis).astype(dtype)
    counts = hot.sum(axis=axis)
    if output_mode == "tf_idf":
        return (counts.astype(dtype) * np.asarray(idf_weights, dtype=dtype)).astype(dtype)
    return counts.astype(dtype)


def to_backend(a: np.ndarray, dtype: str | None = None):
    """A backend tensor holding ``a`` (in ``dtype`` when given)."""
    if dtype is not None:
        a = np.asarray(a, dtype=dtype)
    return ops.convert_to_tensor(a)


def encoded_shape(input_shape, output_mode: str, depth) -> tuple:
    """The output shape of :func:`encode_numpy` for ``input_shape``."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if len(input_shape) == 0:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    return input_shape[:-1] + (depth,)


def floatx() -> str:
    return config.floatx()


def run_adapt(layer, data, steps, as_rows) -> None:
    """Keras's adapt: reset ``layer``'s state, feed it ``data`` — an iterable of batches (up to ``steps``) or
    one array-like turned into rows by ``as_rows`` (1-D becomes one column) — and finalize."""
    layer.reset_state()
    if hasattr(data, "__iter__") and not isinstance(data, (list, tuple, np.ndarray, str)) \
            and not hasattr(data, "shape"):
        for i, batch in enumerate(data):
            if steps is not None and i >= steps:
                break
            layer.update_state(batch)
    else:
        rows = as_rows(data)
        if rows.ndim == 1:
            rows = rows[:, None]
        layer.update_state(rows)
    layer.finalize_state()
