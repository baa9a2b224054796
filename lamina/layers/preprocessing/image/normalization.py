"""Normalization: shift and scale features to zero mean and unit variance, from statistics given or adapted."""

from __future__ import annotations

import itertools
import math

import numpy as np

from lamina import config, ops
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


def _first_of_batch(batch):
    """The inputs of a batch that may be an ``(x, y)`` or ``(x, y, sample_weight)`` tuple."""
    return batch[0] if isinstance(batch, tuple) else batch


@builtin("keras.layers")
class Normalization(Layer):
    """Normalize inputs to ``(inputs - mean) / sqrt(variance)`` (or the inverse with ``invert=True``).

    Args:
        axis: the axis or axes that keep a separate mean and variance per index
            (default -1: per feature); None for a single scalar mean and variance.
        mean, variance: the statistics, given together (broadcast to the kept axes);
            when omitted, the layer creates ``mean``, ``variance`` and ``count``
            variables that :meth:`adapt` fills from data (and that are saved with the model).
        invert: apply the inverse, ``mean + inputs * sqrt(variance)``.

    Example:
        >>> layer = lamina.layers.Normalization(axis=None)
        >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
        >>> layer(np.array([1.0, 2.0, 3.0]))   # [-1.414, -0.707, 0.]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int) and not isinstance(axis, bool):
            axis = (axis,)
        else:
            try:
                axis = tuple(int(a) for a in axis)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Normalization: `axis` must be an int, a tuple of ints or None. Received: axis={axis!r}"
                ) from None
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self._build_input_shape = None
        self._constant_stats = None
        if (mean is None) != (variance is None):
            raise ValueError(
                "Normalization: when setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}"
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "Normalization: `mean` and `variance` must have the same shape. Received: "
                    f"mean shape {np.shape(mean)} and variance shape {np.shape(variance)}"
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    f"Normalization: the rank of `mean` must be at most the number of axes ({len(self.axis)}). "
                    f"Received: mean shape {np.shape(mean)} for axis={self.axis}"
                )

    # ------------------------------------------------------------------ build
    def build(self, input_shape) -> None:
        input_shape = tuple(None if d is None else int(d) for d in input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"Normalization: all `axis` values must be in the range [-ndim, ndim). Received inputs with "
                f"ndim={ndim} (shape {input_shape}), while axis={self.axis}"
            )
        self._build_input_shape = input_shape
        keep = tuple(sorted(a % ndim for a in self.axis))
        for d in keep:
            if input_shape[d] is None:
                raise ValueError(
                    f"Normalization: all `axis` values to be kept must have a known size. Received "
                    f"axis={self.axis}, inputs.shape={input_shape}, with unknown axis at index {d}"
                )
        self._keep_axis = keep
        self._reduce_axis = tuple(d for d in range(ndim) if d not in keep)
        self._broadcast_shape = tuple(input_shape[d] if d in keep else 1 for d in range(ndim))
        self._mean_and_var_shape = tuple(input_shape[d] for d in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            # Kept for compatibility with files that carry it; adapt() does not use it.
            self.count = self.add_weight(name="count", shape=(), dtype="int", initializer="zeros", trainable=False)
        else:
            self._constant_stats = tuple(self._broadcast_given(v) for v in (self.input_mean, self.input_variance))
        self.built = True

    def _broadcast_given(self, value) -> np.ndarray:
        value = np.asarray(ops.convert_to_numpy(value) if ops.is_tensor(value) else value, dtype="float64")
        ndim = len(self._broadcast_shape)
        expanded = [1] * ndim
        for i in range(1, value.ndim + 1):  # align the value's dims with the kept axes, from the right
            expanded[self._keep_axis[-i]] = value.shape[-i]
        try:
            return np.broadcast_to(value.reshape(expanded), self._broadcast_shape)
        except ValueError:
            raise ValueError(
                f"Normalization: `mean`/`variance` of shape {value.shape} cannot be broadcast to the kept axes "
                f"{self._keep_axis} of inputs of shape {self._build_input_shape} "
                f"(expected shape {self._mean_and_var_shape})."
            ) from None

    def get_build_config(self):
        if self._build_input_shape is not None:
            return {"input_shape": list(self._build_input_shape)}
        return None

    def build_from_config(self, config_) -> None:
        if config_:
            self.build(config_["input_shape"])

    # ------------------------------------------------------------------ adapt
    def adapt(self, data) -> None:
        """Compute the mean and variance of ``data`` along the non-kept axes and store them.

        ``data`` is an array, a backend tensor, a PyDataset or an iterable of batches
        (arrays, or ``(x, y)`` tuples whose first element is used).

        Example:
            >>> layer.adapt(np.random.rand(100, 3))
        """
        from lamina.utils.py_dataset import PyDataset

        iterable = False
        if isinstance(data, np.ndarray) or ops.is_tensor(data):
            input_shape = tuple(data.shape)
        elif isinstance(data, PyDataset):
            input_shape = tuple(_first_of_batch(data[0]).shape)
            data = (lambda ds: (ds[i] for i in range(len(ds))))(data)
            iterable = True
        elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
            iterable = True
            it = iter(data)
            first = next(it, None)
            if first is None:
                raise ValueError("Normalization.adapt() received an empty iterable; expected at least one batch.")
            first = _first_of_batch(first)
            if not hasattr(first, "shape"):
                raise TypeError(
                    "Normalization.adapt() expects an iterable of arrays or tensors (with a `.shape`); "
                    f"received an element of type {type(first).__name__}."
                )
            input_shape = tuple(first.shape)
            data = itertools.chain([first], it)
        else:
            raise TypeError(
                f"Normalization.adapt(): unsupported data type {type(data).__name__}; expected a NumPy array, "
                "a backend tensor, a PyDataset or an iterable of batches."
            )
        if not self.built:
            self.build(input_shape)
            self._build_shapes = {"input_shape": tuple(input_shape)}
        else:
            self._check_adapt_shape(input_shape)
        if self.input_mean is not None:
            raise ValueError("Normalization.adapt(): the layer was given `mean` and `variance`; it cannot be adapted.")
        if not iterable:
            x = ops.convert_to_numpy(data) if ops.is_tensor(data) else data
            mean, var = np.mean(x, axis=self._reduce_axis), np.var(x, axis=self._reduce_axis)
        else:
            mean = np.zeros(self._mean_and_var_shape, "float64")
            var = np.zeros(self._mean_and_var_shape, "float64")
            count = 0
            for batch in data:
                batch = _first_of_batch(batch)
                batch = ops.convert_to_numpy(batch) if ops.is_tensor(batch) else np.asarray(batch)
                batch = batch.astype(self.compute_dtype)
                self._check_adapt_shape(batch.shape)
                b_mean, b_var = np.mean(batch, axis=self._reduce_axis), np.var(batch, axis=self._reduce_axis)
                b_count = math.prod(batch.shape[d] for d in self._reduce_axis) if self._reduce_axis else 1
                count += b_count
                w = b_count / count
                new_mean = mean * (1.0 - w) + b_mean * w
                # Pooled variance: each part's variance plus its mean's squared distance to the new mean.
                var = (var + (mean - new_mean) ** 2) * (1.0 - w) + (b_var + (b_mean - new_mean) ** 2) * w
                mean = new_mean
        self.adapt_mean.assign(np.asarray(mean).astype(self.adapt_mean.dtype))
        self.adapt_variance.assign(np.asarray(var).astype(self.adapt_variance.dtype))

    def _check_adapt_shape(self, shape):
        for d in self._keep_axis:
            if d >= len(shape) or shape[d] != self._build_input_shape[d]:
                raise ValueError(
                    f"Normalization: the layer was built with input_shape={self._build_input_shape}, but adapt() "
                    f"received data of incompatible shape {tuple(shape)} (axis {d} must match)."
                )

    def finalize_state(self) -> None:
        """Kept for Keras compatibility: lamina reads the statistics from the variables on each call."""

    # ------------------------------------------------------------------ call
    def _stats(self):
        dtype = self.compute_dtype
        if self._constant_stats is not None:
            if not ops.is_tensor(self._constant_stats[0]) or ops.dtype(self._constant_stats[0]) != dtype:
                self._constant_stats = tuple(ops.convert_to_tensor(np.asarray(v, dtype)) for v in self._constant_stats)
            return self._constant_stats
        mean = ops.cast(ops.reshape(self.adapt_mean.value, self._broadcast_shape), dtype)
        var = ops.cast(ops.reshape(self.adapt_variance.value, self._broadcast_shape), dtype)
        return mean, var

    def call(self, inputs):
        inputs = ops.cast(inputs, self.compute_dtype)
        mean, var = self._stats()
        std = ops.maximum(ops.sqrt(var), config.epsilon())
        if self.invert:
            return ops.add(mean, ops.multiply(inputs, std))
        return ops.divide(ops.subtract(inputs, mean), std)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        })
        return config_
