"""Fused recurrent kernels: a whole LSTM or GRU time loop in one backend kernel, where the backend
has one (torch: ``torch.lstm`` / ``torch.gru``). Elsewhere these raise ``NotImplementedError`` and the
layers run their general ``ops.scan`` loop, which gives the same numbers.

Weights are in Keras's layout (see ``lamina.layers.LSTMCell`` / ``GRUCell``); sequences batch-major.

Example:
    >>> from lamina.ops import rnn
    >>> if rnn.has_fused_kernels():
    ...     outputs, h, c = rnn.lstm(x, h0, c0, cell.kernel, cell.recurrent_kernel, cell.bias)
"""

from __future__ import annotations

from lamina.backend import impl as B


def _kernels():
    return getattr(B, "rnn", None)


def has_fused_kernels() -> bool:
    """Whether the selected backend runs LSTM and GRU loops as fused kernels."""
    return _kernels() is not None


def projects_inputs_per_step() -> bool:
    """Whether recurrent layers should project each step's input inside the time loop (rather than
    all steps at once before it): the backend's preference for its compiled loops (jax on CPU)."""
    prefers = getattr(B.control_flow, "rnn_projects_per_step", None)
    return bool(prefers()) if prefers is not None else False


def lstm(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias=None, go_backwards: bool = False):
    """``(outputs, h, c)`` of a tanh/sigmoid LSTM over ``inputs`` ``(batch, time, features)``.

    Raises:
        NotImplementedError: the backend has no fused kernel.
    """
    kernels = _kernels()
    if kernels is None:
        raise NotImplementedError(f"The {B.NAME} backend has no fused LSTM kernel.")
    return kernels.lstm(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, go_backwards=go_backwards)


def gru(inputs, initial_h, kernel, recurrent_kernel, bias=None, go_backwards: bool = False):
    """``(outputs, h)`` of a tanh/sigmoid GRU with ``reset_after=True``; ``bias`` of shape ``(2, 3 * units)``.

    Raises:
        NotImplementedError: the backend has no fused kernel.
    """
    kernels = _kernels()
    if kernels is None:
        raise NotImplementedError(f"The {B.NAME} backend has no fused GRU kernel.")
    return kernels.gru(inputs, initial_h, kernel, recurrent_kernel, bias, go_backwards=go_backwards)
