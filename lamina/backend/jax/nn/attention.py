"""jax kernels: dot_product_attention."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401


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


def _to_4d(x):
    return x.reshape((1,) * (4 - x.ndim) + x.shape) if x.ndim < 4 else x


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None):
    query, key, value = _prepare(query, key, value)
    if flash_attention:
        # cuDNN's fused kernel (GPU only); it raises when the inputs or device do not fit.
        try:
            return jax.nn.dot_product_attention(
                query, key, value,
                bias=None if bias is None else _to_4d(t(bias).astype(query.dtype)),
                mask=None if mask is None else _to_4d(t(mask).astype(bool)),
                scale=scale, is_causal=is_causal, implementation="cudnn",
            )
        except Exception as e:  # noqa: BLE001 - re-raised with the op's name
            raise ValueError(
                "dot_product_attention: flash_attention=True needs cuDNN flash attention on a GPU, which "
                f"cannot run these inputs here: {e}"
            ) from None
    if key.shape[-1] == value.shape[-1]:
        # jax's own XLA attention (the computation Keras runs): grouped heads, float32 logits and softmax.
        return jax.nn.dot_product_attention(
            query, key, value,
            bias=None if bias is None else _to_4d(t(bias).astype(query.dtype)),
            mask=None if mask is None else _to_4d(t(mask).astype(bool)),
            scale=scale, is_causal=is_causal, implementation="xla",
        )
    # Value head size differs from the key's (jax.nn requires them equal): the same steps, written out.
    dtype = query.dtype
    b, tq, n, h = query.shape
    _, s, kh, hv = value.shape
    g = n // kh
    if scale is None:
        scale = 1.0 / math.sqrt(h)
    work = jnp.promote_types(dtype, jnp.float32)
    q = query.reshape(b, tq, kh, g, h)
    logits = jnp.einsum("btkgh,bskh->bkgts", q, key, preferred_element_type=work).reshape(b, n, tq, s)
    logits = logits * jnp.asarray(scale, work)
    if bias is not None:
        logits = logits + t(bias).astype(work)
    if mask is not None or is_causal:
        keep = jnp.ones((1, 1, 1, 1), dtype=bool) if mask is None else t(mask).astype(bool)
        if is_causal:
            keep = keep & jnp.tril(jnp.ones((tq, s), dtype=bool))
        logits = jnp.where(keep, logits, jnp.asarray(-0.7 * jnp.finfo(work).max, work))
    probs = jax.nn.softmax(logits.astype(jnp.float32), axis=-1).astype(dtype)
    out = jnp.einsum("bkgts,bskh->btkgh", probs.reshape(b, kh, g, tq, s), value)
    return out.reshape(b, tq, n, hv)
