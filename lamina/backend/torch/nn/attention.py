"""torch kernels: dot_product_attention (torch's fused scaled_dot_product_attention, with an exact fallback)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401


def _prepare(query, key, value):
    query, key, value = promote_many(query, key, value)
    query, key, value = to_float(query), to_float(key), to_float(value)
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        raise ValueError(
            "dot_product_attention: `query`, `key` and `value` must be 4D (batch, seq, heads, head_dim). "
            f"Received: query.shape={tuple(query.shape)}, key.shape={tuple(key.shape)}, "
            f"value.shape={tuple(value.shape)}."
        )
    if query.shape[2] % key.shape[2]:
        raise ValueError(
            f"dot_product_attention: the number of query heads ({query.shape[2]}) must be a multiple of the "
            f"number of key/value heads ({key.shape[2]})."
        )
    return query, key, value


def _large_negative(dtype):
    return -0.7 * torch.finfo(dtype).max


def _additive_mask(bias, mask, is_causal, dtype, device, tq, s):
    """Bias and boolean mask folded into one additive float mask (None when there is neither)."""
    if bias is not None:
        bias = t(bias).to(dtype)
    if mask is None and not is_causal:
        return bias
    keep = None if mask is None else t(mask).to(torch.bool)
    if is_causal:
        causal = torch.ones((tq, s), dtype=torch.bool, device=device).tril()
        keep = causal if keep is None else keep & causal
    fill = torch.tensor(_large_negative(dtype), dtype=dtype, device=device)
    base = bias if bias is not None else torch.zeros((), dtype=dtype, device=device)
    return torch.where(keep, base, fill)


def _reference_attention(q, k, v, attn, scale):
    """Plain attention on (B, N, T, H) tensors; logits and softmax in float32 at least."""
    b, n, tq, h = q.shape
    kh = k.shape[1]
    g = n // kh
    work = torch.promote_types(q.dtype, torch.float32)
    qg = q.to(work).reshape(b, kh, g, tq, h)
    logits = torch.matmul(qg, k.to(work).unsqueeze(2).transpose(-1, -2)).reshape(b, n, tq, -1) * scale
    if attn is not None:
        logits = logits + attn.to(work)
    probs = torch.softmax(logits.float(), dim=-1).to(q.dtype).to(work)
    out = torch.matmul(probs.reshape(b, kh, g, tq, -1), v.to(work).unsqueeze(2))
    return out.reshape(b, n, tq, -1).to(q.dtype)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None):
    query, key, value = _prepare(query, key, value)
    tq, s = query.shape[1], key.shape[1]
    q, k, v = query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2)  # (B, heads, seq, dim)
    dtype = q.dtype
    # is_causal with no other mask goes to SDPA's own causal path; otherwise everything is one additive mask.
    only_causal = is_causal and bias is None and mask is None
    attn = None if only_causal else _additive_mask(bias, mask, is_causal, dtype, q.device, tq, s)
    gqa = q.shape[1] != k.shape[1]
    if flash_attention:
        try:
            with torch.nn.attention.sdpa_kernel([torch.nn.attention.SDPBackend.FLASH_ATTENTION]):
                out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn, is_causal=only_causal, scale=scale,
                                                     enable_gqa=gqa)
        except RuntimeError as e:
            raise ValueError(
                "dot_product_attention: flash_attention=True, but torch's flash kernel cannot run these inputs "
                f"on this device ({q.device}, {dtype}, mask={'yes' if attn is not None else 'no'}): {e}"
            ) from None
        return out.transpose(1, 2)
    try:
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=None if attn is None else attn.contiguous(), is_causal=only_causal, scale=scale,
            enable_gqa=gqa,
        )
    except RuntimeError:
        # Shapes or dtypes the fused kernels reject: the same computation, step by step.
        if only_causal:
            attn = _additive_mask(None, None, True, dtype, q.device, tq, s)
        out = _reference_attention(q, k, v, attn, 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale)
    return out.transpose(1, 2)
