"""Hashing and HashedCrossing: strings or integers to hash bins, with TensorFlow's exact bins."""

from __future__ import annotations

import numpy as np

from lamina.core.keras_tensor import KerasTensor
from lamina.layers.layer import Layer
from lamina.layers.preprocessing.feature import _utils as U
from lamina.layers.preprocessing.feature import hash_functions as H
from lamina.saving.serialization import builtin


def _hash_array(values: np.ndarray, num_buckets: int, salt) -> np.ndarray:
    """``hash(str(value)) % num_buckets`` for every element (FarmHash, or SipHash keyed by ``salt``)."""
    if values.dtype.kind == "f":
        values = values.astype(np.int64)  # Keras truncates floats to int64 before hashing
    return H.hash_to_buckets(values, num_buckets, salt=salt)


@builtin("keras.layers")
class Hashing(Layer):
    """Hash strings or integers into ``num_bins`` bins (Keras's ``Hashing``), without TensorFlow.

    Bins equal TensorFlow's: FarmHash ``Fingerprint64`` of the value's text, or SipHash-2-4
    keyed by ``salt``. With ``mask_value``, that value maps to 0 and the rest to 1..num_bins-1.

    Example:
        >>> Hashing(num_bins=3)(np.array([["A"], ["B"], ["C"]]))   # [[1], [0], [1]]
    """

    def __init__(self, num_bins: int, mask_value=None, salt=None, output_mode: str = "int", sparse: bool = False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else U.floatx()
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"Hashing: `num_bins` must be a positive integer. Received: num_bins={num_bins}.")
        U.check_output_mode("Hashing", output_mode, U.OUTPUT_MODES)
        if output_mode == "int" and self.dtype_policy.name not in ("int32", "int64"):
            raise ValueError(f"Hashing: when output_mode='int', dtype must be 'int32' or 'int64'. "
                             f"Received: dtype={kwargs['dtype']}")
        if sparse:
            raise ValueError("Hashing: `sparse=True` is not supported (lamina has no sparse tensors). "
                             f"Received: sparse={sparse}, output_mode={output_mode!r}.")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.output_mode = output_mode
        self.sparse = sparse
        self.strong_hash = salt is not None
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = list(salt)
            elif isinstance(salt, int) and not isinstance(salt, bool):
                self.salt = [salt, salt]
            else:
                raise ValueError("Hashing: `salt` must be a single integer or a tuple of 2 integers. "
                                 f"Received: salt={salt}.")
        self.supports_jit = False

    def _bins(self, values: np.ndarray) -> np.ndarray:
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            if U.is_text(values):
                mask = U.as_text(values) == (self.mask_value.decode() if isinstance(self.mask_value, bytes)
                                             else self.mask_value)
            else:
                mask = values == self.mask_value
        out = _hash_array(values, bins, self.salt)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def call(self, inputs):
        values = U.to_numpy(inputs)
        if self.output_mode == "one_hot" and values.ndim > 0 and values.shape[-1] == 1:
            values = values[..., 0]
        out = U.encode_numpy(self._bins(values), self.output_mode, self.num_bins, self.dtype_policy.compute_dtype)
        return U.to_backend(out)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.dtype_policy.compute_dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                       "output_mode": self.output_mode, "sparse": self.sparse})
        return config


@builtin("keras.layers")
class HashedCrossing(Layer):
    """Cross two or more categorical features into ``num_bins`` hash bins (Keras's ``HashedCrossing``).

    The bin of a tuple of values is TensorFlow's ``sparse.cross_hashed`` bin, so it matches Keras.

    Example:
        >>> HashedCrossing(num_bins=5)((np.array(["A", "B"]), np.array([101, 101])))   # [1, 4]
    """

    def __init__(self, num_bins: int, output_mode: str = "int", sparse: bool = False, name: str | None = None,
                 dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        kwargs.setdefault("autocast", False)
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("HashedCrossing: `sparse=True` is not supported (lamina has no sparse tensors).")
        U.check_output_mode("HashedCrossing", output_mode, ("int", "one_hot"))
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse
        self.supports_jit = False

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"HashedCrossing should be called on a list or tuple of inputs. Received: inputs={inputs}")
        if len(inputs) < 2:
            raise ValueError(f"HashedCrossing should be called on at least two inputs. Received: {len(inputs)} input.")

    def call(self, inputs):
        self._check(inputs)
        arrays = [U.to_numpy(x) for x in inputs]
        shape = arrays[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError("HashedCrossing: all inputs should have shape (), (batch_size) or (batch_size, 1). "
                             f"Received shapes: {[a.shape for a in arrays]}")
        if any(a.shape != shape for a in arrays[1:]):
            raise ValueError(f"HashedCrossing: all inputs should have equal shape. Received shapes: "
                             f"{[a.shape for a in arrays]}")
        if not all(a.dtype.kind in "iuUSO" for a in arrays):
            raise ValueError("HashedCrossing: all inputs should have an integer or string dtype. Received dtypes: "
                             f"{[str(a.dtype) for a in arrays]}")
        columns = [U.as_text(a).reshape(-1).tolist() if U.is_text(a) else a.reshape(-1).tolist() for a in arrays]
        cache: dict = {}
        out = np.empty(len(columns[0]), dtype=np.int64)
        for i, row in enumerate(zip(*columns)):
            b = cache.get(row)
            if b is None:
                b = cache[row] = H.cross_hash(row, self.num_bins)
            out[i] = b
        out = out.reshape(shape)
        dtype = self.dtype_policy.compute_dtype
        return U.to_backend(U.encode_numpy(out, self.output_mode, self.num_bins, dtype))

    def compute_output_shape(self, input_shape):
        if not (isinstance(input_shape, (list, tuple)) and len(input_shape) >= 2
                and all(isinstance(s, (list, tuple)) for s in input_shape)):
            raise ValueError(f"HashedCrossing: expected as input a list/tuple of 2 tensors. "
                             f"Received input_shape={input_shape}")
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if len(first) == 0:
            return (self.num_bins,)
        if first[-1] != 1:
            return first + (self.num_bins,)
        return first[:-1] + (self.num_bins,)

    def compute_output_spec(self, inputs, **kwargs):
        shape = self.compute_output_shape([tuple(x.shape) for x in inputs])
        return KerasTensor(shape, dtype=self.dtype_policy.compute_dtype)

    def get_config(self) -> dict:
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": self.dtype_policy.name}
