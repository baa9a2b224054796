"""Softmax layer, with masking: masked positions get (about) zero probability."""

from __future__ import annotations

from lamina import activations, ops
from lamina.backend.common.dtypes import standardize_dtype
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


def _large_negative(dtype) -> float:
    # Finite in every float dtype the layer may compute in.
    return -3e4 if standardize_dtype(dtype) == "float16" else -1e9


@builtin("keras.layers")
class Softmax(Layer):
    """Softmax over ``axis`` (an int or a tuple of axes).

    ``mask`` (broadcastable to the inputs; bool, or numbers where > 0.5 means kept) excludes
    positions: they get probability 0, the rest are normalized among themselves.

    Example:
        >>> lamina.layers.Softmax()(np.array([[1.0, 2.0, 1.0]]), mask=np.array([[True, True, False]]))
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def _check_mask(self, inputs, mask):
        in_shape, m_shape = tuple(inputs.shape), tuple(mask.shape)
        ok = len(m_shape) <= len(in_shape) and all(
            m is None or i is None or m == 1 or m == i for m, i in zip(m_shape[::-1], in_shape[::-1]))
        if not ok:
            raise ValueError(
                f'Softmax layer "{self.name}": the `mask` must be broadcastable to the inputs (no more '
                f"dimensions; each mask dimension 1 or equal to the input's). Received: inputs.shape={in_shape}, "
                f"mask.shape={m_shape}"
            )

    def call(self, inputs, mask=None):
        if mask is not None:
            self._check_mask(inputs, mask)
            if standardize_dtype(mask.dtype) != "bool":
                mask = ops.greater(mask, 0.5)
            inputs = ops.where(mask, inputs, ops.cast(_large_negative(inputs.dtype), inputs.dtype))
        if isinstance(self.axis, (list, tuple)):
            if len(self.axis) > 1:
                axis = tuple(self.axis)
                outputs = ops.exp(ops.subtract(inputs, ops.logsumexp(inputs, axis=axis, keepdims=True)))
            else:
                outputs = activations.softmax(inputs, axis=self.axis[0])
        else:
            outputs = activations.softmax(inputs, axis=self.axis)
        if mask is not None:
            # A fully masked slice would otherwise come out uniform.
            outputs = ops.where(mask, outputs, ops.cast(0, outputs.dtype))
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
