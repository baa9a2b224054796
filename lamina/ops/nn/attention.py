"""dot_product_attention (part of ``lamina.ops.nn``).

Shapes follow Keras: ``query`` is ``(batch, T, num_heads, head_dim)``, ``key``
and ``value`` are ``(batch, S, num_kv_heads, head_dim)``; ``num_heads`` must be
a multiple of ``num_kv_heads`` (grouped-query attention when they differ).

Example:
    >>> from lamina import ops
    >>> out = ops.dot_product_attention(q, k, v, is_causal=True)   # same shape as q
"""

from __future__ import annotations

from lamina.backend import impl as B
from lamina.backend.common.dtypes import result_type
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec

_FLOATS = ("bfloat16", "float16", "float32", "float64")


def _check_shapes(q, k, v):
    if len(q) != 4 or len(k) != 4 or len(v) != 4:
        raise ValueError(
            "dot_product_attention: `query`, `key` and `value` must be 4D (batch, seq, heads, head_dim). "
            f"Received: query.shape={q}, key.shape={k}, value.shape={v}."
        )

    def differ(a, b):
        return a is not None and b is not None and a != b

    if differ(k[1], v[1]) or differ(k[2], v[2]) or differ(q[3], k[3]):
        raise ValueError(
            "dot_product_attention: `key` and `value` must agree on sequence length and heads, and `query` "
            f"and `key` on head_dim. Received: query.shape={q}, key.shape={k}, value.shape={v}."
        )
    if q[2] is not None and k[2] is not None and q[2] % k[2]:
        raise ValueError(
            f"dot_product_attention: the number of query heads ({q[2]}) must be a multiple of the number of "
            f"key/value heads ({k[2]})."
        )


def _attention_spec(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                    flash_attention=None, attn_logits_soft_cap=None):
    q, k, v = _spec.shape_of(query), _spec.shape_of(key), _spec.shape_of(value)
    _check_shapes(q, k, v)
    dtype = result_type(_spec.dtype_of(query), _spec.dtype_of(key), _spec.dtype_of(value))
    if dtype not in _FLOATS:
        dtype = _spec.float_dtype_of(query)
    return KerasTensor(q[:3] + (v[3],), dtype=dtype)


@symbolic_op(_attention_spec)
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention: ``softmax(q k^T * scale + bias, masked) v`` per head.

    Args:
        query: ``(B, T, N, H)``. key: ``(B, S, K, H)``. value: ``(B, S, K, Hv)``; ``N % K == 0``.
        bias: optional additive logits bias, broadcastable to ``(B, N, T, S)``.
        mask: optional boolean mask broadcastable to ``(B, N, T, S)``; False positions are excluded.
        scale: logits scale, default ``1 / sqrt(H)``.
        is_causal: exclude keys after each query position (top-left aligned).
        flash_attention: None picks automatically; True requires a fused flash kernel (GPU).
        attn_logits_soft_cap: only supported by Keras with JAX on TPU; must be None here.

    Returns:
        ``(B, T, N, Hv)`` in the promoted dtype of query, key and value.

    Example:
        >>> out = ops.dot_product_attention(q, k, v, mask=padding_mask[:, None, None, :])
    """
    if attn_logits_soft_cap is not None:
        raise ValueError(
            "dot_product_attention: `attn_logits_soft_cap` is only supported by Keras with JAX on TPU; "
            f"lamina does not support it. Received: attn_logits_soft_cap={attn_logits_soft_cap!r}."
        )
    return B.nn.dot_product_attention(query, key, value, bias=bias, mask=mask, scale=scale, is_causal=is_causal,
                                      flash_attention=flash_attention)
