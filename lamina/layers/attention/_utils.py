"""Helpers shared by the attention layers: projection and attention equations, masks, sublayer arguments."""

from __future__ import annotations

import string

from lamina import ops
from lamina.layers.layer import _UNSET

_LETTERS = string.ascii_lowercase


def projection_equation(free_dims: int, bound_dims: int, output_dims: int):
    """Einsum equation, bias axes and output rank of a projection.

    The input has ``free_dims`` axes that pass through and ``bound_dims`` axes
    contracted with the kernel, which adds ``output_dims`` new axes.
    """
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims:free_dims + bound_dims]
    new = _LETTERS[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{new}->{free}{new}", new, free_dims + output_dims


def partial_shape(rank: int, last_dims) -> list:
    """An EinsumDense ``output_shape`` of ``rank`` axes: unknown leading axes, then ``last_dims``."""
    return [None] * (rank - len(last_dims)) + list(last_dims)


def attention_equations(rank: int, attention_axes: tuple):
    """Einsum equations for multi-head scores and their combination with the values.

    Projected tensors are ``(batch, <other axes>, <attention axes>, heads, channels)``;
    every axis except the attention axes and the channels is a batch axis of the
    product (the heads included). Returns ``(scores_equation, combine_equation,
    scores_rank)``; the scores equation takes ``(key, query)``.
    """
    target = _LETTERS[:rank]
    batch_axes = [i for i in range(rank) if i not in attention_axes and i != rank - 1]
    source, extra = [], rank
    for i in range(rank):
        if i in batch_axes or i == rank - 1:
            source.append(target[i])
        else:
            source.append(_LETTERS[extra])
            extra += 1
    source = "".join(source)
    product = ("".join(target[i] for i in batch_axes) + "".join(target[i] for i in attention_axes)
               + "".join(source[i] for i in attention_axes))
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def causal_mask(query, value):
    """A boolean ``(1, T, S)`` mask: query position ``i`` may see key positions ``j <= i``."""
    t = ops.shape(query)[1]
    s = ops.shape(value)[1]
    rows = ops.reshape(ops.arange(t, dtype="int32"), (1, t, 1))
    cols = ops.reshape(ops.arange(s, dtype="int32"), (1, 1, s))
    return ops.greater_equal(rows, cols)


def sliding_window_mask(query, value, window: int):
    """A boolean ``(1, T, S)`` band: position ``i`` may see ``j`` when ``|i - j| < window``."""
    t = ops.shape(query)[1]
    s = ops.shape(value)[1]
    rows = ops.reshape(ops.arange(t, dtype="int32"), (1, t, 1))
    cols = ops.reshape(ops.arange(s, dtype="int32"), (1, 1, s))
    return ops.less(ops.abs(ops.subtract(rows, cols)), window)


def combine_masks(query_mask=None, value_mask=None, key_mask=None, attention_mask=None, causal=None,
                  window=None):
    """AND of every given mask, broadcast to ``(B, T, S)``; None when no mask is given.

    ``query_mask`` is ``(B, T)``, ``value_mask``/``key_mask`` are ``(B, S)``, ``causal`` and
    ``window`` are ``(1, T, S)`` and ``attention_mask`` is ``(B, T, S)`` (any dtype; nonzero keeps).
    """
    auto = None
    parts = []
    if query_mask is not None:
        parts.append(ops.expand_dims(ops.cast(query_mask, "bool"), -1))
    if value_mask is not None:
        parts.append(ops.expand_dims(ops.cast(value_mask, "bool"), -2))
    if key_mask is not None:
        parts.append(ops.expand_dims(ops.cast(key_mask, "bool"), -2))
    if causal is not None:
        parts.append(causal)
    if window is not None:
        parts.append(window)
    for p in parts:
        auto = p if auto is None else ops.logical_and(auto, p)
    if attention_mask is not None:
        attention_mask = ops.cast(attention_mask, "bool")
        return attention_mask if auto is None else ops.logical_and(attention_mask, auto)
    return auto


def resolve_call_masks(query, value, key, query_mask, value_mask, key_mask, attention_mask,
                       use_causal_mask: bool, sliding_window, fused_causal_ok: bool):
    """``(key, mask, only_causal)`` for an attention layer's call.

    Masks not given are read from ``value``/``key`` (Keras masks); ``key`` defaults to
    ``value``. When the causal mask is the only mask and ``fused_causal_ok`` (the layer
    uses its own ``_compute_attention``), ``mask`` is None and ``only_causal`` is True:
    the kernel applies causality itself, without building a mask tensor.
    """
    if value_mask is None:
        value_mask = keras_mask_of(value)
    if key_mask is None and key is not None:
        key_mask = keras_mask_of(key)
    if key is None:
        key = value
    only_causal = (use_causal_mask and fused_causal_ok and sliding_window is None and query_mask is None
                   and value_mask is None and key_mask is None and attention_mask is None)
    if only_causal:
        return key, None, True
    mask = combine_masks(
        query_mask, value_mask, key_mask, attention_mask,
        causal=causal_mask(query, value) if use_causal_mask else None,
        window=sliding_window_mask(query, value, sliding_window) if sliding_window else None)
    return key, mask, False


def keras_mask_of(x):
    """The Keras mask a tensor carries (``_keras_mask``), or None."""
    return None if x is None else getattr(x, "_keras_mask", None)


def sublayer_kwargs(layer) -> dict:
    """Arguments shared by the projection sublayers; each gets its own copy of the initializers."""
    return dict(
        kernel_initializer=type(layer._kernel_initializer).from_config(layer._kernel_initializer.get_config()),
        bias_initializer=type(layer._bias_initializer).from_config(layer._bias_initializer.get_config()),
        kernel_regularizer=layer._kernel_regularizer,
        bias_regularizer=layer._bias_regularizer,
        activity_regularizer=layer._activity_regularizer,
        kernel_constraint=layer._kernel_constraint,
        bias_constraint=layer._bias_constraint,
        dtype=layer.dtype_policy,
    )


def check_sliding_window(layer_name: str, sliding_window) -> None:
    if sliding_window is not None and (isinstance(sliding_window, bool) or not isinstance(sliding_window, int)
                                       or sliding_window <= 0):
        raise ValueError(
            f"{layer_name}: `sliding_window` must be None or a positive integer. "
            f"Received: sliding_window={sliding_window!r}"
        )


def positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


class QueryMaskedCall:
    """Mixin for layers called as ``(query, value, key=None, query_mask=None, ...)``.

    The query's Keras mask (given by a Functional graph, or carried by the tensor) becomes the
    ``query_mask`` argument and the output's mask, as in Keras.
    """

    def _call_impl(self, args, kwargs, input_mask):
        query = args[0] if args else kwargs.get("query")
        query_mask = kwargs.get("query_mask")
        if query_mask is None:
            query_mask = input_mask if input_mask is not _UNSET else None
            if query_mask is None:
                query_mask = keras_mask_of(query)
            if query_mask is not None:
                kwargs = dict(kwargs, query_mask=query_mask)
        if query_mask is not None:
            # Self-attention: the value (and key) is the query tensor, so it has the query's mask. This
            # matters where tensors cannot carry a mask (NumPy arrays, jax tracers).
            value = args[1] if len(args) > 1 else kwargs.get("value")
            key = args[2] if len(args) > 2 else kwargs.get("key")
            if value is query and kwargs.get("value_mask") is None:
                kwargs = dict(kwargs, value_mask=query_mask)
            if key is query and kwargs.get("key_mask") is None:
                kwargs = dict(kwargs, key_mask=query_mask)
        return super()._call_impl(args, kwargs, query_mask)
