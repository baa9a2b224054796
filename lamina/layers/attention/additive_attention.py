"""AdditiveAttention: Bahdanau-style attention, scores ``sum(scale * tanh(query + key), axis=-1)``.

Example:
    >>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
    >>> lamina.layers.AdditiveAttention()([q, v]).shape
    (2, 3, 4)
"""

from __future__ import annotations

from lamina import ops
from lamina.layers.attention.attention import Attention
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class AdditiveAttention(Attention):
    """Additive attention over ``[query, value]`` or ``[query, value, key]``.

    Args:
        use_scale: create a trainable ``scale`` vector of shape ``(dim,)`` (glorot-uniform initialized).
        dropout: dropout rate on the attention probabilities (in training).

    Call arguments and outputs as for :class:`Attention`.

    Example:
        >>> out, scores = lamina.layers.AdditiveAttention()([q, v, k], return_attention_scores=True)
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],), initializer="glorot_uniform",
                                         dtype=self.dtype)
        self.built = True

    def _calculate_scores(self, query, key):
        summed = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))  # (B, Tq, Tv, dim)
        if self.use_scale:
            summed = ops.multiply(self.scale, summed)
        return ops.sum(summed, axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config
