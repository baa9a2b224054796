"""The fused path of LSTM and GRU: the whole time loop in one backend kernel (``lamina.ops.rnn``) when
the layer's configuration is one the kernel computes exactly — tanh and sigmoid activations, no mask,
no dropout in effect, floating-point inputs matching the weights, a GRU with ``reset_after=True`` — and
the general ``ops.scan`` loop otherwise. Both give the same outputs and gradients (tested).

``use_cudnn`` (Keras's name) chooses: ``"auto"`` takes the fused kernel where it applies, ``False``
never does, ``True`` requires it and raises where it cannot be used, as Keras does.
"""

from __future__ import annotations

from lamina import activations, ops
from lamina.ops import rnn as fused_kernels

_FLOATS = ("float32", "float64")


def _eligible(layer, cell_class, sequences, mask, training) -> bool:
    cell = layer.cell
    if type(cell) is not cell_class or mask is not None or not fused_kernels.has_fused_kernels():
        return False
    if not getattr(cell, "reset_after", True):
        return False
    if cell.activation is not activations.tanh or cell.recurrent_activation is not activations.sigmoid:
        return False
    if training and (cell.dropout or cell.recurrent_dropout):
        return False
    dtype = ops.dtype(sequences)
    return dtype in _FLOATS and cell.kernel.dtype == dtype


def fused_inner_loop(layer, kind: str, cell_class, sequences, initial_state, mask, training):
    """``(last_output, outputs or None, states)`` from the fused kernel, or None where it does not apply.

    ``kind`` is ``"lstm"`` or ``"gru"``; ``cell_class`` the built-in cell the kernel reproduces (a subclass
    may change the step, so it takes the general loop).
    """
    if layer.use_cudnn is False or not _eligible(layer, cell_class, sequences, mask, training):
        result = None
    else:
        cell = layer.cell
        bias = None if cell.bias is None else cell.bias.value
        if kind == "lstm":
            outputs, h, c = fused_kernels.lstm(sequences, initial_state[0], initial_state[1], cell.kernel.value,
                                               cell.recurrent_kernel.value, bias, go_backwards=layer.go_backwards)
            states = [h, c]
        else:
            outputs, h = fused_kernels.gru(sequences, initial_state[0], cell.kernel.value,
                                           cell.recurrent_kernel.value, bias, go_backwards=layer.go_backwards)
            states = [h]
        result = (h, outputs if layer.return_sequences else None, states)
    if result is None and layer.use_cudnn is True:
        raise ValueError(
            f'{type(layer).__name__} "{layer.name}": use_cudnn=True was given, but the fused kernel cannot run '
            "this configuration on this backend (it needs tanh/sigmoid activations, no mask, no dropout while "
            "training, float32/float64 inputs and, for GRU, reset_after=True). Pass use_cudnn='auto' to fall "
            "back to the general implementation."
        )
    return result
