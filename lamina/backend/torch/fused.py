"""torch's fused kernels for common layer bodies, each equal (float tolerance) to the general ops.

``dense``: ``inputs @ kernel + bias`` as one ``torch.addmm`` (the kernel ``nn.Linear`` uses), for
float inputs whose dtype already equals the kernel's and the bias's; other cases return None and
the caller takes the general path (Keras's dtype promotion lives there).
"""

from __future__ import annotations

import torch

from lamina.backend.torch._convert import t


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
    """A convolution with its bias added inside torch's kernel (arguments normalized as for
    ``lamina.ops.conv``'s backend call); None when the dtypes differ (the general path promotes)."""
    from lamina.backend.torch.nn import convolution as C

    x, k, b = t(inputs), t(kernel), t(bias)
    if not x.is_floating_point() or not (x.dtype == k.dtype == b.dtype) or b.ndim != 1:
        return None
    x = C._to_first(x, data_format)
    n = x.ndim - 2
    groups = x.shape[1] // k.shape[-2]
    x, pad = C._torch_padding(x, padding)
    y = C._CONV[n](x, C._weight(k, n), b, strides, pad, dilation_rate, groups)
    return C._from_first(y, data_format)
