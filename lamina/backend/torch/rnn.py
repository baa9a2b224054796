"""torch's fused recurrent kernels (``torch.lstm`` / ``torch.gru``) behind Keras's weight layout.

Keras stores an LSTM's ``kernel`` as ``(input_dim, 4 * units)`` with gates in the order
i, f, c, o — torch's ``weight_ih`` is the transpose, with the same gate order — and one
bias (torch adds a second, recurrent bias: zeros here). A GRU with ``reset_after=True``
stores gates z, r, h and a ``(2, 3 * units)`` bias (input and recurrent rows); torch
orders them r, z, n and applies the reset gate after the recurrent matmul, as Keras does.
Sequences are batch-major; the whole time loop runs inside one autograd-aware kernel.
"""

from __future__ import annotations

import torch

from lamina.backend.torch._convert import t


def lstm(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, go_backwards: bool = False):
    """``(outputs (B, T, U), h (B, U), c (B, U))`` of a tanh/sigmoid LSTM over ``inputs`` (B, T, D)."""
    x = t(inputs)
    if go_backwards:
        x = x.flip(1)
    kernel, recurrent_kernel = t(kernel), t(recurrent_kernel)
    params = [kernel.t(), recurrent_kernel.t()]
    if bias is not None:
        bias = t(bias)
        params += [bias, torch.zeros_like(bias)]
    hx = (t(initial_h).unsqueeze(0), t(initial_c).unsqueeze(0))
    outputs, h, c = torch.lstm(x, hx, params, bias is not None, 1, 0.0, False, False, True)
    return outputs, h[0], c[0]


def _zrh_to_rzn(w, units: int, dim: int):
    """Reorder Keras's z, r, h gate blocks along ``dim`` into torch's r, z, n."""
    z, r, h = torch.split(w, units, dim=dim)
    return torch.cat([r, z, h], dim=dim)


def gru(inputs, initial_h, kernel, recurrent_kernel, bias, go_backwards: bool = False):
    """``(outputs (B, T, U), h (B, U))`` of a tanh/sigmoid GRU with ``reset_after=True``; ``bias`` is
    ``(2, 3U)`` or None."""
    x = t(inputs)
    if go_backwards:
        x = x.flip(1)
    recurrent_kernel = t(recurrent_kernel)
    units = recurrent_kernel.shape[0]
    params = [_zrh_to_rzn(t(kernel), units, 1).t(), _zrh_to_rzn(recurrent_kernel, units, 1).t()]
    if bias is not None:
        bias = _zrh_to_rzn(t(bias), units, 1)
        params += [bias[0], bias[1]]
    outputs, h = torch.gru(x, t(initial_h).unsqueeze(0), params, bias is not None, 1, 0.0, False, False, True)
    return outputs, h[0]
