"""ReversibleEmbedding: an Embedding that can also project hidden states back to vocabulary logits."""

from __future__ import annotations

import numbers

from lamina import ops
from lamina.backend.common.dtypes import standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.layers.core.embedding import Embedding
from lamina.saving.serialization import builtin

_NAME = "ReversibleEmbedding"


@builtin("keras.layers")
class ReversibleEmbedding(Embedding):
    """An Embedding whose ``call(x, reverse=True)`` maps ``(..., output_dim)`` hidden states to
    ``(..., input_dim)`` logits, with the transposed embeddings (``tie_weights=True``) or a separate
    ``reverse_embeddings`` matrix of shape ``(output_dim, input_dim)``.

    Args:
        input_dim: vocabulary size.
        output_dim: embedding width.
        tie_weights: reuse ``embeddings`` (transposed) for the reverse projection.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint, mask_zero: as Embedding.
        reverse_dtype: dtype of the reverse matmul (inputs and kernel are cast to it); None: compute dtype.
        logit_soft_cap: when set, reverse logits become ``tanh(logits / cap) * cap``.

    Example:
        >>> layer = lamina.layers.ReversibleEmbedding(100, 8)
        >>> hidden = layer(np.array([[1, 2, 3]]))            # (1, 3, 8)
        >>> layer(hidden, reverse=True).shape
        (1, 3, 100)
    """

    def __init__(self, input_dim: int, output_dim: int, tie_weights: bool = True,
                 embeddings_initializer="uniform", embeddings_regularizer=None, embeddings_constraint=None,
                 mask_zero: bool = False, reverse_dtype=None, logit_soft_cap=None, **kwargs):
        if kwargs.get("quantization_config") is not None:
            raise NotImplementedError(
                f"{_NAME}: quantization is not supported by lamina; received "
                f"quantization_config={kwargs['quantization_config']!r}. Pass quantization_config=None."
            )
        if not isinstance(tie_weights, bool):
            raise ValueError(f"{_NAME}: `tie_weights` must be a bool, received {tie_weights!r}.")
        if reverse_dtype is not None:
            try:
                reverse_dtype = standardize_dtype(reverse_dtype)
            except ValueError:
                raise ValueError(f"{_NAME}: `reverse_dtype` must be a float dtype or None, "
                                 f"received {reverse_dtype!r}.") from None
            if reverse_dtype not in ("bfloat16", "float16", "float32", "float64"):
                raise ValueError(f"{_NAME}: `reverse_dtype` must be a float dtype or None, "
                                 f"received {reverse_dtype!r}.")
        if logit_soft_cap is not None and (
                isinstance(logit_soft_cap, bool) or not isinstance(logit_soft_cap, numbers.Real)
                or not logit_soft_cap > 0):
            raise ValueError(f"{_NAME}: `logit_soft_cap` must be a positive number or None, "
                             f"received {logit_soft_cap!r}.")
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero, **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap
        # "forward" / "reverse" while a call is running (decides the output mask), else None.
        self._mask_mode = None

    def build(self, input_shape=None):
        # Initial weights (constructor `weights=`) are set once every variable exists.
        initial, self._initial_weights = self._initial_weights, None
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                name="reverse_embeddings", shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer, trainable=True,
            )
        self.built = True
        if initial is not None:
            self.set_weights(initial)

    def _check_hidden(self, shape):
        if len(shape) < 1 or (shape[-1] is not None and shape[-1] != self.output_dim):
            raise ValueError(
                f"{_NAME} ({self.name}): with reverse=True the inputs' last dimension must be "
                f"output_dim={self.output_dim}; received inputs of shape {tuple(shape)}."
            )

    def call(self, inputs, reverse: bool = False):
        """Embed ids (``reverse=False``) or project hidden states to logits (``reverse=True``)."""
        if not reverse:
            return super().call(inputs)
        self._check_hidden(tuple(inputs.shape))
        kernel = self.reverse_embeddings if not self.tie_weights else ops.transpose(self.embeddings)
        if self.reverse_dtype is not None:
            inputs = ops.cast(inputs, self.reverse_dtype)
            kernel = ops.cast(kernel, self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    # The output mask depends on the mode: forward calls mask id 0 (mask_zero), reverse calls carry none.
    def _call_impl(self, args, kwargs, input_mask):
        reverse = kwargs.get("reverse", args[1] if len(args) > 1 else False)
        self._mask_mode = "reverse" if reverse else "forward"
        try:
            return super()._call_impl(args, kwargs, input_mask)
        finally:
            self._mask_mode = None

    def _symbolic_call(self, args, kwargs):
        reverse = kwargs.get("reverse", args[1] if len(args) > 1 else False)
        self._mask_mode = "reverse" if reverse else "forward"
        try:
            return super()._symbolic_call(args, kwargs)
        finally:
            self._mask_mode = None

    def compute_mask(self, inputs, mask=None):
        """The mask of a forward call's output (``inputs != 0`` with mask_zero); None otherwise."""
        if self._mask_mode != "forward":
            return None
        return super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape, reverse: bool = False):
        input_shape = tuple(input_shape)
        if reverse:
            self._check_hidden(input_shape)
            return input_shape[:-1] + (self.input_dim,)
        return input_shape + (self.output_dim,)

    def compute_output_spec(self, inputs, reverse: bool = False):
        dtype = self.compute_dtype
        if reverse and self.reverse_dtype is not None:
            dtype = self.reverse_dtype  # the dtype call() really returns
        return KerasTensor(self.compute_output_shape(inputs.shape, reverse=reverse), dtype=dtype)

    def quantize(self, mode=None, type_check=True, config=None):
        """Not supported: lamina implements no quantized ReversibleEmbedding."""
        raise NotImplementedError(f"{_NAME}: quantization is not supported by lamina; received mode={mode!r}.")

    def get_config(self):
        config = super().get_config()
        config.update({
            "tie_weights": self.tie_weights,
            "reverse_dtype": self.reverse_dtype,
            "logit_soft_cap": self.logit_soft_cap,
        })
        return config
