"""MultiHeadAttention: scaled dot-product attention over several learned projections (Vaswani et al., 2017).

Example:
    >>> mha = lamina.layers.MultiHeadAttention(num_heads=4, key_dim=16)
    >>> x = np.ones((2, 10, 32), "float32")
    >>> mha(x, x).shape
    (2, 10, 32)
"""

from __future__ import annotations

import math

from lamina import constraints, initializers, ops, regularizers
from lamina.core.keras_tensor import KerasTensor
from lamina.layers.activations.softmax import Softmax
from lamina.layers.attention._utils import (QueryMaskedCall, attention_equations, causal_mask,
                                            check_sliding_window, partial_shape, positive_int,
                                            projection_equation, resolve_call_masks, sublayer_kwargs)
from lamina.layers.core.dropout import Dropout
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


# ---------------------------------------------------------------------- the layer
@builtin("keras.layers")
class MultiHeadAttention(QueryMaskedCall, Layer):
    """Multi-head attention: project query, key and value per head, attend, project back.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default ``key_dim``).
        dropout: dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        output_shape: the output's trailing shape (int or tuple); default: the query's last dim.
        attention_axes: axes attention runs over (default: all but batch, heads and features).
        sliding_window: if set, position ``i`` only attends to ``j`` with ``|i - j| < sliding_window``.
        flash_attention: passed to ``ops.dot_product_attention`` (None picks automatically).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projection sublayers.
        use_gate: add a sigmoid gate (a projection of the query) on the attention output.
        seed: seed of the attention dropout.

    Call arguments: ``query (B, T, dim)``, ``value (B, S, dim)``, optional ``key (B, S, dim)``,
    ``query_mask``/``value_mask``/``key_mask`` (taken from Keras-masked inputs when not given),
    ``attention_mask (B, T, S)``, ``return_attention_scores``, ``training``, ``use_causal_mask``.

    Example:
        >>> mha = lamina.layers.MultiHeadAttention(num_heads=2, key_dim=8)
        >>> out, scores = mha(q, v, return_attention_scores=True)   # scores: (B, 2, T, S)
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None, dropout: float = 0.0,
                 use_bias: bool = True, output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate: bool = False, seed=None, **kwargs):
        name = type(self).__name__
        if not positive_int(num_heads):
            raise ValueError(f"{name}: `num_heads` must be a positive integer. Received: num_heads={num_heads!r}")
        if not positive_int(key_dim):
            raise ValueError(f"{name}: `key_dim` must be a positive integer. Received: key_dim={key_dim!r}")
        if value_dim is not None and not positive_int(value_dim):
            raise ValueError(
                f"{name}: `value_dim` must be a positive integer or None. Received: value_dim={value_dim!r}")
        if not 0 <= dropout <= 1:
            raise ValueError(f"{name}: `dropout` must be in [0, 1]. Received: dropout={dropout!r}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            elif isinstance(output_shape, (list, tuple)):
                output_shape = tuple(output_shape)
            else:
                raise ValueError(
                    f"{name}: `output_shape` must be an int, a tuple or a list. "
                    f"Received: output_shape={output_shape!r}")
        self._output_shape = output_shape
        self._flash_attention = flash_attention
        if flash_attention and dropout > 0.0:
            raise ValueError(
                f"{name}: dropout is not supported with flash attention; set dropout=0.0 or flash_attention to "
                f"None/False. Received: dropout={dropout}, flash_attention={flash_attention}")
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                f"{name}: `attention_axes` must be an int, a list or a tuple. Received: "
                f"attention_axes={attention_axes!r}")
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        check_sliding_window(name, sliding_window)
        self._sliding_window = sliding_window
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))

    # -------------------------------------------------------------- properties
    @property
    def num_heads(self) -> int:
        return self._num_heads

    @property
    def key_dim(self) -> int:
        return self._key_dim

    @property
    def value_dim(self) -> int:
        return self._value_dim

    @property
    def dropout(self) -> float:
        return self._dropout

    @property
    def use_bias(self) -> bool:
        return self._use_bias

    @property
    def attention_axes(self):
        return self._attention_axes

    @property
    def query_dense(self):
        return self._query_dense

    @property
    def key_dense(self):
        return self._key_dense

    @property
    def value_dense(self):
        return self._value_dense

    @property
    def output_dense(self):
        return self._output_dense

    # -------------------------------------------------------------- building
    def _check_shapes(self, query_shape, value_shape, key_shape):
        name = f'{type(self).__name__} "{self.name}"'
        for arg, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) < 3:
                raise ValueError(
                    f"{name}: `{arg}` must have rank >= 3 (batch, <attention axes>, features). "
                    f"Received: {arg}.shape={tuple(shape)}")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"{name}: all dimensions of `value` and `key` except the last must be equal. "
                f"Received: value_shape={tuple(value_shape)}, key_shape={tuple(key_shape)}")
        if len(query_shape) != len(value_shape):
            raise ValueError(
                f"{name}: `query` and `value` must have the same rank. Received: query_shape="
                f"{tuple(query_shape)}, value_shape={tuple(value_shape)}")

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        query_shape, value_shape, key_shape = tuple(query_shape), tuple(value_shape), tuple(key_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        bias = self._use_bias

        eq, bias_axes, rank = projection_equation(len(query_shape) - 1, 1, 2)
        self._query_dense = EinsumDense(eq, output_shape=partial_shape(rank - 1, [self._num_heads, self._key_dim]),
                                        bias_axes=bias_axes if bias else None, name="query",
                                        **sublayer_kwargs(self))
        self._query_dense.build(query_shape)

        eq, bias_axes, rank = projection_equation(len(key_shape) - 1, 1, 2)
        self._key_dense = EinsumDense(eq, output_shape=partial_shape(rank - 1, [self._num_heads, self._key_dim]),
                                      bias_axes=bias_axes if bias else None, name="key", **sublayer_kwargs(self))
        self._key_dense.build(key_shape)

        if self._use_gate:
            eq, bias_axes, rank = projection_equation(len(query_shape) - 1, 1, 2)
            self._gate_dense = EinsumDense(
                eq, output_shape=partial_shape(rank - 1, [self._num_heads, self._value_dim]),
                bias_axes=bias_axes if bias else None, activation="sigmoid", name="gate", **sublayer_kwargs(self))
            self._gate_dense.build(query_shape)

        eq, bias_axes, rank = projection_equation(len(value_shape) - 1, 1, 2)
        self._value_dense = EinsumDense(
            eq, output_shape=partial_shape(rank - 1, [self._num_heads, self._value_dim]),
            bias_axes=bias_axes if bias else None, name="value", **sublayer_kwargs(self))
        self._value_dense.build(value_shape)

        self._build_attention(rank)
        out_trailing = list(self._output_shape) if self._output_shape else [query_shape[-1]]
        eq, bias_axes, out_rank = projection_equation(len(query_shape) - 1, 2, len(out_trailing))
        self._output_dense = EinsumDense(eq, output_shape=partial_shape(out_rank - 1, out_trailing),
                                         bias_axes=bias_axes if bias else None, name="attention_output",
                                         **sublayer_kwargs(self))
        projected = list(self._query_dense.compute_output_shape(query_shape))
        projected[-1] = self._value_dim
        self._output_dense.build(tuple(projected))
        self.built = True

    def _build_attention(self, rank: int) -> None:
        """Equations, softmax and dropout for projected tensors of ``rank`` axes."""
        if self._attention_axes is None:
            axes = tuple(range(1, rank - 2))
        else:
            axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
            bad = [a for a in axes if not 1 <= a < rank - 2]
            if bad or len(set(axes)) != len(axes):
                raise ValueError(
                    f'{type(self).__name__} "{self.name}": `attention_axes` must be distinct axes of the inputs '
                    f"other than the batch (0) and feature (-1) axes, i.e. in [1, {rank - 3}] or negative "
                    f"equivalents. Received: attention_axes={self._attention_axes}")
        self._attention_axes = axes
        self._dot_product_equation, self._combine_equation, scores_rank = attention_equations(rank, axes)
        norm_axes = tuple(range(scores_rank - len(axes), scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype_policy, seed=self.seed)

    # -------------------------------------------------------------- calling
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores: bool = False, training=None,
             use_causal_mask: bool = False):
        if (use_causal_mask or self._sliding_window) and self._attention_axes != (1,):
            raise ValueError(
                f'{type(self).__name__} "{self.name}": `use_causal_mask` and `sliding_window` need attention over '
                f"axis 1 only (the sequence axis); this layer attends over axes {self._attention_axes}.")
        key, mask, only_causal = resolve_call_masks(
            query, value, key, query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
            self._sliding_window,
            fused_causal_ok=type(self)._compute_attention is MultiHeadAttention._compute_attention)

        gate = self._gate_dense(query) if self._use_gate else None
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        # `use_causal_mask` only when set, so subclasses overriding `_compute_attention` with Keras's
        # older signature keep working.
        output, scores = self._compute_attention(query, key, value, mask, training, return_attention_scores,
                                                 **({"use_causal_mask": True} if only_causal else {}))
        if gate is not None:
            output = ops.multiply(output, gate)
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _expand_mask(self, mask, target_rank: int):
        """Insert the head axis (and other batch axes) so ``mask`` lines up with the scores."""
        axis = -2 * len(self._attention_axes) - 1
        for _ in range(target_rank - len(mask.shape)):
            mask = ops.expand_dims(mask, axis)
        return mask

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False, use_causal_mask=False):
        """Attention on projected ``query (B, T, N, H)``, ``key``, ``value``; returns ``(output, scores)``.

        ``scores`` is None when the fused kernel computed the output (no dropout, no scores asked).
        """
        if self._flash_attention and return_attention_scores:
            raise ValueError(
                f'{type(self).__name__} "{self.name}": attention scores cannot be returned with flash attention; '
                "set flash_attention to None/False to get them.")
        fused = not (self._dropout > 0.0 or return_attention_scores or len(query.shape) != 4)
        if fused:
            if attention_mask is not None:
                attention_mask = ops.cast(self._expand_mask(attention_mask, 4), "bool")
            out = ops.dot_product_attention(query, key, value, mask=attention_mask,
                                            scale=self._inverse_sqrt_key_dim, is_causal=use_causal_mask,
                                            flash_attention=self._flash_attention)
            return out, None
        if use_causal_mask:
            c = causal_mask(query, value)
            attention_mask = c if attention_mask is None else ops.logical_and(ops.cast(attention_mask, "bool"), c)
        query = ops.multiply(query, ops.cast(self._inverse_sqrt_key_dim, query.dtype))
        scores = ops.einsum(self._dot_product_equation, key, query)
        if attention_mask is not None:
            attention_mask = self._expand_mask(attention_mask, len(scores.shape))
        scores = self._softmax(scores, mask=attention_mask)
        dropped = self._dropout_layer(scores, training=training) if self._dropout > 0.0 else scores
        output = ops.einsum(self._combine_equation, dropped, value)
        return output, scores

    # -------------------------------------------------------------- shapes and config
    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                f'{type(self).__name__} "{self.name}": all dimensions of `value` and `key` except the last must be '
                f"equal. Received: value_shape={value_shape}, key_shape={key_shape}")
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def _scores_shape(self, query_shape, key_shape):
        rank = len(query_shape)
        if self._attention_axes is None:
            axes = tuple(range(1, rank - 1))
        else:
            axes = tuple(a if a >= 0 else rank + a for a in self._attention_axes)
        batch = tuple(query_shape[i] for i in range(rank - 1) if i not in axes)
        return batch + (self._num_heads,) + tuple(query_shape[a] for a in axes) + tuple(key_shape[a] for a in axes)

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
                            attention_mask=None, return_attention_scores=False, training=None,
                            use_causal_mask=False):
        key_shape = None if key is None else key.shape
        out = KerasTensor(self.compute_output_shape(query.shape, value.shape, key_shape), dtype=self.compute_dtype)
        if return_attention_scores:
            scores = KerasTensor(self._scores_shape(query.shape, value.shape if key is None else key.shape),
                                 dtype=self.compute_dtype)
            return out, scores
        return out

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        })
        return config
