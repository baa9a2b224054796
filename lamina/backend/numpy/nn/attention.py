"""numpy kernels: dot_product_attention."""

from __future__ import annotations

import numpy as np

from lamina.backend.numpy._convert import promote, promote_many, t  # noqa: F401
from lamina.backend.numpy.nn.activations import _to_float as to_float


def _prepare(query, key, value):
    query, key, value = promote_many(query, key, value)
    query, key, value = to_float(query), to_float(key), to_float(value)
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        raise ValueError(
            "dot_product_attention: `query`, `key` and `value` must be 4D (batch, seq, heads, head_dim). "
            f"Received: query.shape={query.shape}, key.shape={key.shape}, value.shape={value.shape}."
        )
    if query.shape[2] % key.shape[2]:
        raise ValueError(
            f"dot_product_attention: the number of query heads ({query.shape[2]}) must be a multiple of the "
            f"number of key/value heads ({key.shape[2]})."
        )
    return query, key, value


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None):
    if flash_attention:
        raise ValueError("dot_product_attention: flash_attention=True is not supported on the numpy backend.")
    query, key, value = _prepare(query, key, value)
    dtype = query.dtype
    b, tq, n, h = query.shape
    _, s, kh, hv = value.shape
    g = n // kh
    if scale is None:
        scale = 1.0 / np.sqrt(h)
    # Logits and softmax in float32 at least (half-precision inputs included).
    work = np.promote_types(dtype, np.float32) if dtype.name != "bfloat16" else np.dtype(np.float32)
    q = query.astype(work, copy=False).transpose(0, 2, 1, 3).reshape(b, kh, g, tq, h)
    k = key.astype(work, copy=False).transpose(0, 2, 3, 1)[:, :, None]  # (B, K, 1, H, S)
    logits = np.matmul(q, k).reshape(b, n, tq, s) * np.asarray(scale, work)
    if bias is not None:
        logits = logits + t(bias).astype(work, copy=False)
    if mask is not None or is_causal:
        keep = np.ones((1, 1, 1, 1), dtype=bool) if mask is None else t(mask).astype(bool, copy=False)
        if is_causal:
            keep = keep & np.tril(np.ones((tq, s), dtype=bool))
        logits = np.where(keep, logits, np.asarray(-0.7 * np.finfo(work).max, work))
    logits = logits.astype(np.float32, copy=False)
    e = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    probs = (e / np.sum(e, axis=-1, keepdims=True)).astype(dtype, copy=False).astype(work, copy=False)
    v = value.astype(work, copy=False).transpose(0, 2, 1, 3)[:, :, None]  # (B, K, 1, S, Hv)
    out = np.matmul(probs.reshape(b, kh, g, tq, s), v).reshape(b, n, tq, hv)
    return out.transpose(0, 2, 1, 3).astype(dtype, copy=False)
