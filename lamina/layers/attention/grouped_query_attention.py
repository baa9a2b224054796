"""GroupedQueryAttention: query heads share fewer key/value heads (Ainslie et al., 2023).

``num_key_value_heads=1`` is multi-query attention; ``num_key_value_heads == num_query_heads``
is multi-head attention.

Example:
    >>> gqa = lamina.layers.GroupedQueryAttention(head_dim=16, num_query_heads=8, num_key_value_heads=2)
    >>> x = np.ones((2, 10, 32), "float32")
    >>> gqa(x, x).shape
    (2, 10, 32)
"""

from __future__ import annotations

import math

from lamina import constraints, initializers, ops, regularizers
from lamina.core.keras_tensor import KerasTensor
from lamina.layers.activations.softmax import Softmax
from lamina.layers.attention._utils import (QueryMaskedCall, causal_mask, check_sliding_window, positive_int,
                                            resolve_call_masks, sublayer_kwargs)
from lamina.layers.core.dropout import Dropout
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


@builtin("keras.layers", name="GroupQueryAttention")
@builtin("keras.layers")
class GroupedQueryAttention(QueryMaskedCall, Layer):
    """Grouped-query attention (Keras's ``GroupQueryAttention``).

    Args:
        head_dim: size of each attention head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key/value heads; must divide ``num_query_heads``.
        dropout: dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        sliding_window: if set, position ``i`` only attends to ``j`` with ``|i - j| < sliding_window``.
        flash_attention: passed to ``ops.dot_product_attention`` (None picks automatically).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projection sublayers.
        use_gate: add a sigmoid gate (a projection of the query) on the attention output.
        seed: seed of the attention dropout.

    Call arguments as for :class:`MultiHeadAttention`; scores are ``(B, num_query_heads, T, S)``.

    Example:
        >>> out, scores = gqa(q, v, return_attention_scores=True, use_causal_mask=True)
    """

    _keras_class_name = "GroupQueryAttention"  # the name Keras writes in files (and the only one it reads)

    def __init__(self, head_dim: int, num_query_heads: int, num_key_value_heads: int, dropout: float = 0.0,
                 use_bias: bool = True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate: bool = False, seed=None, **kwargs):
        name = type(self).__name__
        for arg, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                           ("num_key_value_heads", num_key_value_heads)):
            if not positive_int(value):
                raise ValueError(f"{name}: `{arg}` must be a positive integer. Received: {arg}={value!r}")
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(
                f"{name}: `num_query_heads` must be divisible by `num_key_value_heads`. Received: "
                f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}")
        if not 0 <= dropout <= 1:
            raise ValueError(f"{name}: `dropout` must be in [0, 1]. Received: dropout={dropout!r}")
        check_sliding_window(name, sliding_window)
        if flash_attention and dropout > 0.0:
            raise ValueError(
                f"{name}: dropout is not supported with flash attention; set dropout=0.0 or flash_attention to "
                f"None/False. Received: dropout={dropout}, flash_attention={flash_attention}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self._flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        # As in Keras, the activity regularizer applies to the projections and to the layer's output.
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))

    # sublayer_kwargs reads the underscored names MultiHeadAttention uses.
    _kernel_initializer = property(lambda self: self.kernel_initializer)
    _bias_initializer = property(lambda self: self.bias_initializer)
    _kernel_regularizer = property(lambda self: self.kernel_regularizer)
    _bias_regularizer = property(lambda self: self.bias_regularizer)
    _activity_regularizer = property(lambda self: self.activity_regularizer)
    _kernel_constraint = property(lambda self: self.kernel_constraint)
    _bias_constraint = property(lambda self: self.bias_constraint)

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        name = f'{type(self).__name__} "{self.name}"'
        for arg, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(
                    f"{name}: `{arg}` must have rank 3 (batch, sequence, features). Received: {arg}.shape="
                    f"{tuple(shape)}")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"{name}: all dimensions of `value` and `key` except the last must be equal. "
                f"Received: value_shape={tuple(value_shape)}, key_shape={tuple(key_shape)}")
        self.feature_dim = query_shape[-1]
        bias = self.use_bias
        self._query_dense = EinsumDense("bqm,muh->bquh", output_shape=(None, self.num_query_heads, self.head_dim),
                                        bias_axes="uh" if bias else None, name="query", **sublayer_kwargs(self))
        self._query_dense.build(query_shape)
        self._key_dense = EinsumDense("bkm,mvh->bkvh", output_shape=(None, self.num_key_value_heads, self.head_dim),
                                      bias_axes="vh" if bias else None, name="key", **sublayer_kwargs(self))
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = EinsumDense(
                "bqm,muh->bquh", output_shape=(None, self.num_query_heads, self.head_dim),
                bias_axes="uh" if bias else None, activation="sigmoid", name="gate", **sublayer_kwargs(self))
            self._gate_dense.build(query_shape)
        self._value_dense = EinsumDense(
            "bkm,mvh->bkvh", output_shape=(None, self.num_key_value_heads, self.head_dim),
            bias_axes="vh" if bias else None, name="value", **sublayer_kwargs(self))
        self._value_dense.build(value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self.dropout, dtype=self.dtype_policy, seed=self.seed)
        self._dot_product_equation = "bquh,bkuh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"
        self._output_dense = EinsumDense("bquh,uhm->bqm", output_shape=(None, self.feature_dim),
                                         bias_axes="m" if bias else None, name="attention_output",
                                         **sublayer_kwargs(self))
        self._output_dense.build((None, None, self.num_query_heads, self.head_dim))
        self.built = True

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores: bool = False, training=None,
             use_causal_mask: bool = False):
        key, mask, only_causal = resolve_call_masks(
            query, value, key, query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
            self.sliding_window,
            fused_causal_ok=type(self)._compute_attention is GroupedQueryAttention._compute_attention)
        gate = self._gate_dense(query) if self.use_gate else None
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        if self.num_repeats > 1:
            key = ops.repeat(key, self.num_repeats, axis=2)
            value = ops.repeat(value, self.num_repeats, axis=2)
        output, scores = self._compute_attention(query, key, value, attention_mask=mask, training=training,
                                                 return_attention_scores=return_attention_scores,
                                                 **({"use_causal_mask": True} if only_causal else {}))
        if gate is not None:
            output = ops.multiply(output, gate)
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False, use_causal_mask=False):
        """Attention on projected ``query (B, T, N, H)`` and repeated ``key``/``value``; returns ``(out, scores)``."""
        if self._flash_attention and return_attention_scores:
            raise ValueError(
                f'{type(self).__name__} "{self.name}": attention scores cannot be returned with flash attention; '
                "set flash_attention to None/False to get them.")
        if not (self.dropout > 0.0 or return_attention_scores):
            if attention_mask is not None:
                while len(attention_mask.shape) < 4:
                    attention_mask = ops.expand_dims(attention_mask, -3)
                attention_mask = ops.cast(attention_mask, "bool")
            out = ops.dot_product_attention(query, key, value, mask=attention_mask,
                                            scale=self._inverse_sqrt_head_dim, is_causal=use_causal_mask,
                                            flash_attention=self._flash_attention)
            return out, None
        if use_causal_mask:
            c = causal_mask(query, value)
            attention_mask = c if attention_mask is None else ops.logical_and(ops.cast(attention_mask, "bool"), c)
        query = ops.multiply(query, ops.cast(self._inverse_sqrt_head_dim, query.dtype))
        scores = ops.einsum(self._dot_product_equation, query, key)
        if attention_mask is not None:
            while len(attention_mask.shape) < len(scores.shape):
                attention_mask = ops.expand_dims(attention_mask, -3)
        scores = self._softmax(scores, mask=attention_mask)
        dropped = self._dropout_layer(scores, training=training) if self.dropout > 0.0 else scores
        return ops.einsum(self._combine_equation, dropped, value), scores

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        name = f'{type(self).__name__} "{self.name}"'
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                f"{name}: the last dimensions of `query` and `value` must be equal, received {query_shape[-1]} "
                f"and {value_shape[-1]}. Received: query_shape={query_shape}, value_shape={value_shape}")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                f"{name}: all dimensions of `value` and `key` except the last must be equal. "
                f"Received: value_shape={value_shape}, key_shape={key_shape}")
        return query_shape

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
                            attention_mask=None, return_attention_scores=False, training=None,
                            use_causal_mask=False):
        key_shape = None if key is None else key.shape
        out = KerasTensor(self.compute_output_shape(query.shape, value.shape, key_shape), dtype=self.compute_dtype)
        if return_attention_scores:
            source = value.shape[1] if key is None else key.shape[1]
            scores = KerasTensor((query.shape[0], self.num_query_heads, query.shape[1], source),
                                 dtype=self.compute_dtype)
            return out, scores
        return out

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return config


GroupQueryAttention = GroupedQueryAttention
