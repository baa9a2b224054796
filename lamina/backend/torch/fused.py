"""torch's fused kernels for common layer bodies, each equal (float tolerance) to the general ops.

``dense``: ``inputs @ kernel + bias`` as one ``torch.addmm`` (the kernel ``nn.Linear`` uses), for
float inputs whose dtype already equals the kernel's and the bias's; other cases return None and
the caller takes the general path (Keras's dtype promotion lives there).
"""

from __future__ import annotations

import torch

from lamina.backend.torch._convert import t
from lamina.backend.torch.nn import convolution as C


def dense(inputs, kernel, bias=None):
    """``inputs @ kernel (+ bias)`` through ``torch.addmm`` / ``torch.matmul``; None when not covered."""
    x, w = t(inputs), t(kernel)
    if not x.is_floating_point() or x.dtype != w.dtype or x.ndim < 2 or w.ndim != 2:
        return None
    if bias is None:
        return torch.matmul(x, w)
    b = t(bias)
    if b.dtype != x.dtype or b.ndim != 1:
        return None
    if x.ndim == 2:
        return torch.addmm(b, x, w)
    if x.is_contiguous():  # (..., features) as one matrix: a view, no copy
        rows = x.reshape(-1, x.shape[-1])
        return torch.addmm(b, rows, w).reshape(*x.shape[:-1], w.shape[1])
    return torch.matmul(x, w) + b


def conv(inputs, kernel, bias, strides, padding, data_format, dilation_rate):
    """A convolution with its bias (or None) added inside torch's kernel (arguments normalized as
    for ``lamina.ops.conv``'s backend call); None when the dtypes differ (the general path promotes)."""
    x, k, b = t(inputs), t(kernel), _optional(bias)
    if not x.is_floating_point() or x.dtype != k.dtype or (b is not None and (b.dtype != x.dtype or b.ndim != 1)):
        return None
    x = C._to_first(x, data_format)
    n = x.ndim - 2
    groups = x.shape[1] // k.shape[-2]
    x, pad = C._torch_padding(x, padding)
    y = C._CONV[n](x, C._weight(k, n), b, strides, pad, dilation_rate, groups)
    return C._from_first(y, data_format)


def batch_norm(x, axis, gamma, beta, epsilon, mean=None, variance=None):
    """``(outputs, mean, variance)`` of batch normalization over every axis but ``axis``, in one
    ``torch.batch_norm`` kernel. Without ``mean``/``variance`` the batch's own (biased) moments are
    used and returned (detached: they feed moving averages); None where not covered."""
    x = t(x)
    if not x.is_floating_point() or x.ndim < 2:
        return None
    gamma, beta = _optional(gamma), _optional(beta)
    mean, variance = _optional(mean), _optional(variance)
    for p in (gamma, beta, mean, variance):
        if p is not None and (p.dtype != x.dtype or p.ndim != 1):
            return None
    axis = axis % x.ndim
    channels_first = x.movedim(axis, 1) if axis != 1 else x  # a view: channels-last memory stays so
    if mean is None:
        count = x.numel() // max(x.shape[axis], 1)
        if count < 2:
            return None  # torch's unbiased running variance needs two values per channel
        # Running buffers replaced wholesale (momentum 1): they receive the batch mean and the
        # unbiased variance, which becomes Keras's biased one below.
        mean = torch.zeros(x.shape[axis], dtype=x.dtype, device=x.device)
        running_var = torch.zeros_like(mean)
        out = torch.batch_norm(channels_first, gamma, beta, mean, running_var, True, 1.0, epsilon, _CUDNN)
        variance = running_var * ((count - 1) / count)
    else:
        out = torch.batch_norm(channels_first, gamma, beta, mean, variance, False, 0.0, epsilon, _CUDNN)
    return (out.movedim(1, axis) if axis != 1 else out), mean, variance


_CUDNN = torch.backends.cudnn.enabled


def _optional(v):
    return None if v is None else t(v)
