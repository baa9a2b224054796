"""Attention: dot-product (Luong-style) attention over a list ``[query, value]`` or ``[query, value, key]``.

Example:
    >>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
    >>> lamina.layers.Attention()([q, v]).shape
    (2, 3, 4)
"""

from __future__ import annotations

from lamina import ops, random
from lamina.backend.common.dtypes import standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class Attention(Layer):
    """Dot-product attention: ``softmax(scores(query, key)) @ value``.

    Args:
        use_scale: create a trainable scalar ``scale`` multiplying the scores.
        score_mode: ``"dot"`` (query-key dot product) or ``"concat"`` (sum of ``tanh(query + key)``).
        dropout: dropout rate on the attention probabilities (in training).
        seed: seed of that dropout.

    Call arguments: ``inputs=[query (B, Tq, dim), value (B, Tv, dim), key (B, Tv, dim) optional]``,
    ``mask=[query_mask (B, Tq), value_mask (B, Tv)]``, ``return_attention_scores``, ``training``,
    ``use_causal_mask``. Outputs are zero where ``query_mask`` is False.

    Example:
        >>> out, scores = lamina.layers.Attention()([q, v], return_attention_scores=True)  # scores (B, Tq, Tv)
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                f"{type(self).__name__}: invalid `score_mode`; expected one of 'dot', 'concat'. "
                f"Received: score_mode={score_mode!r}")
        if not 0 <= dropout <= 1:
            raise ValueError(f"{type(self).__name__}: `dropout` must be in [0, 1]. Received: dropout={dropout!r}")
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones", dtype=self.dtype)
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(), initializer="ones",
                                                       dtype=self.dtype)
        self.built = True

    def _calculate_scores(self, query, key):
        """Scores ``(B, Tq, Tv)`` of ``query (B, Tq, dim)`` against ``key (B, Tv, dim)``."""
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            if self.scale is not None:
                scores = ops.multiply(scores, self.scale)
            return scores
        summed = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))  # (B, Tq, Tv, dim)
        if self.scale is not None:
            summed = ops.multiply(self.scale, summed)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(summed), axis=-1))

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        """Softmax of ``scores`` (masked positions excluded), dropout, then the weighted sum of ``value``."""
        if scores_mask is not None:
            padding = ops.logical_not(ops.cast(scores_mask, "bool"))
            if len(padding.shape) == 2:
                padding = ops.expand_dims(padding, -2)
            big = 65504.0 if standardize_dtype(scores.dtype) == "float16" else 1.0e9
            scores = ops.where(padding, ops.subtract(scores, big), scores)
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = random.dropout(weights, self.dropout, seed=self.seed_generator)
        return ops.matmul(weights, value), weights

    def _score_mask(self, scores, value_mask, use_causal_mask):
        if not use_causal_mask:
            return value_mask
        tq, tv = ops.shape(scores)[-2], ops.shape(scores)[-1]
        rows = ops.reshape(ops.arange(tq, dtype="int32"), (1, tq, 1))
        cols = ops.reshape(ops.arange(tv, dtype="int32"), (1, 1, tv))
        causal = ops.greater_equal(rows, cols)  # (1, Tq, Tv)
        if value_mask is None:
            return causal
        return ops.logical_and(ops.expand_dims(ops.cast(value_mask, "bool"), -2), causal)

    def call(self, inputs, mask=None, training=False, return_attention_scores: bool = False,
             use_causal_mask: bool = False):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        scores = self._calculate_scores(query, key)
        output, weights = self._apply_scores(scores, value, self._score_mask(scores, value_mask, use_causal_mask),
                                             training=training)
        if query_mask is not None:
            keep = ops.expand_dims(ops.cast(query_mask, "bool"), -1)
            output = ops.where(keep, output, ops.cast(0, output.dtype))
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return ops.convert_to_tensor(mask[0])

    def compute_output_shape(self, input_shape):
        self._validate_inputs(input_shape)
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=False, training=None,
                            use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        out = KerasTensor(self.compute_output_shape([query.shape, value.shape, key.shape]), dtype=self.compute_dtype)
        if return_attention_scores:
            return out, KerasTensor((*query.shape[:-1], key.shape[-2]), dtype=self.compute_dtype)
        return out

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{name} layer must be called on a list of inputs, namely [query, value] or [query, value, key]. "
                f"Received: inputs={inputs!r}.")
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{name} layer accepts an inputs list of length 2 or 3, namely [query, value] or "
                f"[query, value, key]. Received length: {len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(
                    f"{name} layer mask must be a list, namely [query_mask, value_mask]. Received: mask={mask!r}.")
            if not 2 <= len(mask) <= 3:
                raise ValueError(
                    f"{name} layer accepts a mask list of length 2 or 3. Received a list of length {len(mask)}.")

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode, "dropout": self.dropout,
                       "seed": self.seed})
        return config
