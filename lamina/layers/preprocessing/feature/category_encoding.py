"""CategoryEncoding and Discretization: numeric features to categories, in backend ops (jit-friendly)."""

from __future__ import annotations

import numpy as np

from lamina import ops
from lamina.core.keras_tensor import KerasTensor
from lamina.layers.layer import Layer
from lamina.layers.preprocessing.feature import _utils as U
from lamina.saving.serialization import builtin


def encode_categorical(indices, output_mode: str, depth: int, dtype: str, count_weights=None):
    """Keras's ``encode_categorical_inputs`` over lamina.ops (traceable under jax.jit)."""
    if output_mode == "int":
        return ops.cast(indices, dtype)
    if len(indices.shape) == 0:
        indices = ops.expand_dims(indices, -1)
    if output_mode == "multi_hot":
        return ops.multi_hot(indices, depth, dtype=dtype)
    if output_mode == "one_hot":
        shape = indices.shape
        if len(shape) > 1 and shape[-1] == 1:
            indices = ops.squeeze(indices, axis=-1)
        return ops.one_hot(indices, depth, dtype=dtype)
    axis = 1 if len(indices.shape) > 1 else 0
    if count_weights is not None:
        dtype = ops.dtype(count_weights)
    encoded = ops.one_hot(indices, depth, dtype=dtype)
    if count_weights is not None:
        encoded = encoded * ops.expand_dims(count_weights, -1)
    return ops.sum(encoded, axis=axis)


@builtin("keras.layers")
class CategoryEncoding(Layer):
    """Encode integer category ids as one-hot, multi-hot or count vectors of length ``num_tokens``.

    Example:
        >>> CategoryEncoding(num_tokens=4, output_mode="one_hot")(np.array([3, 2, 0]))
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot", sparse: bool = False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"CategoryEncoding: unknown output_mode {output_mode!r}; expected one of "
                             "'count', 'one_hot', 'multi_hot'.")
        if num_tokens is None:
            raise ValueError("CategoryEncoding: num_tokens must be set. If the number of tokens is not known "
                             "beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"CategoryEncoding: `num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding: `sparse=True` is not supported (lamina has no sparse tensors).")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError("CategoryEncoding: `count_weights` is only used when output_mode='count'. "
                                 f"Received count_weights with output_mode={self.output_mode!r}.")
            count_weights = ops.convert_to_tensor(count_weights, dtype=self.compute_dtype)
        inputs = ops.convert_to_tensor(inputs)
        return encode_categorical(inputs, self.output_mode, self.num_tokens, self.dtype, count_weights)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot":
            if input_shape[-1] != 1 or len(input_shape) == 1:
                return input_shape + (self.num_tokens,)
            return input_shape[:-1] + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def compute_output_spec(self, inputs, count_weights=None):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.compute_dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config


# ---------------------------------------------------------------- Discretization's quantile summaries
def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """A (2, k) summary of ``values``: sorted sample points and the weight each stands for."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    points = values[int(step - 1)::int(step)]
    return np.stack([points, np.ones_like(points) * step])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """Re-bin a summary onto quantiles ``epsilon, 2*epsilon, ...`` by interpolating cumulative weights."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    frac = cum / cum[-1]
    points = np.interp(percents, frac, summary[0])
    cum = np.interp(percents, frac, cum)
    weights = cum - np.concatenate((np.array([0]), cum[:-1]))
    return np.stack((points, weights)).astype("float32")


def _merge(a: np.ndarray, b: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate((a, b), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress(merged, epsilon)


@builtin("keras.layers")
class Discretization(Layer):
    """Bucket numeric values by ``bin_boundaries`` (or by quantiles learned with ``adapt``).

    Boundaries ``[0., 1., 2.]`` give buckets ``(-inf, 0), [0, 1), [1, 2), [2, +inf)``.

    Example:
        >>> Discretization(bin_boundaries=[0.0, 1.0, 2.0])(np.array([[-1.5, 1.0, 3.4]]))  # [[0, 2, 3]]
        >>> layer = Discretization(num_bins=4); layer.adapt(np.random.rand(100))
    """

    def __init__(self, bin_boundaries=None, num_bins: int | None = None, epsilon: float = 0.01,
                 output_mode: str = "int", sparse: bool = False, dtype=None, name: str | None = None):
        super().__init__(name=name, dtype=dtype)
        if sparse:
            raise ValueError("Discretization: `sparse=True` is not supported (lamina has no sparse tensors).")
        U.check_output_mode("Discretization", output_mode, U.OUTPUT_MODES)
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"Discretization: `num_bins` must be greater than or equal to 0. "
                             f"Received: num_bins={num_bins}")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Discretization: set either `num_bins` or `bin_boundaries`, not both. "
                             f"Received: num_bins={num_bins} and bin_boundaries={bin_boundaries}")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization: you need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if bin_boundaries else np.array([[], []], dtype="float32")
        self._boundaries_cache = None

    @property
    def output_dtype(self) -> str:
        return self.compute_dtype if self.output_mode != "int" else "int32"

    # ---------------------------------------------------------------- adapt
    def adapt(self, data, steps: int | None = None) -> None:
        """Learn ``num_bins`` quantile boundaries from ``data`` (an array, or an iterable of batches)."""
        if self.num_bins is None:
            raise ValueError("Discretization: cannot adapt a layer created with `bin_boundaries`; "
                             "create it with `num_bins` instead.")
        self.reset_state()
        if hasattr(data, "__iter__") and not (isinstance(data, np.ndarray) or ops.is_tensor(data)):
            for i, batch in enumerate(data):  # as in Keras, a list is an iterable of batches
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        else:
            self.update_state(data)
        self.finalize_state()

    def update_state(self, data) -> None:
        data = np.array(U.to_numpy(data)).astype("float32")
        self.summary = _merge(_summarize(data, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is None:
            return
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()
        self._boundaries_cache = None

    def reset_state(self) -> None:
        if self.num_bins is None:
            return
        self.summary = np.array([[], []], dtype="float32")

    def load_own_variables(self, store) -> None:
        if len(store) == 1:
            self.summary = store["0"]

    # ---------------------------------------------------------------- calling
    def _depth(self):
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("Discretization: pass `bin_boundaries` at construction or call `adapt(data)` "
                             "before using the layer.")
        cache = self._boundaries_cache
        if cache is None or cache[0] is not self.bin_boundaries:
            cache = self._boundaries_cache = (self.bin_boundaries,
                                              np.asarray(self.bin_boundaries, dtype="float32"))
        indices = ops.digitize(inputs, cache[1])
        return encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1, self.output_dtype)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self._depth()
        if self.output_mode == "one_hot":
            if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        if len(input_shape) >= 2:
            return (input_shape[0],) + input_shape[2:] + (depth,)
        return (depth,)

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.output_dtype)

    def get_config(self) -> dict:
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            from lamina.core import dtype_policy

            config["dtype"] = dtype_policy.get(config["dtype"])
        config.pop("trainable", None)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(**config)
