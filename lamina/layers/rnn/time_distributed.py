"""TimeDistributed: apply a layer to every time step (axis 1) of its input."""

from __future__ import annotations

from lamina import ops
from lamina.layers.rnn.wrapper import Wrapper
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class TimeDistributed(Wrapper):
    """Apply ``layer`` to each slice ``inputs[:, t]`` with the same weights.

    Layers that treat samples independently run once on the batch and time axes
    merged (one call on ``(batch * time, ...)``); layers with state that depends on
    the batch (e.g. BatchNormalization's moving statistics) are called step by step.

    Example:
        >>> td = lamina.layers.TimeDistributed(lamina.layers.Dense(8))
        >>> td(np.ones((2, 10, 16), "float32")).shape
        (2, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _child_input_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                f'TimeDistributed layer "{self.name}" expects inputs of rank >= 3 (batch, timesteps, ...); '
                f"received an input of shape {input_shape}."
            )
        return (input_shape[0], *input_shape[2:])

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_input_shape(tuple(input_shape)))
        return (child[0], input_shape[1], *child[1:])

    def build(self, input_shape):
        super().build(self._child_input_shape(tuple(input_shape)))

    def _batch_dependent(self) -> bool:
        """Whether the wrapped layer holds state beyond its weights (then each step runs on its own)."""
        return any(layer._non_trainable_variables for layer in self.layer._flatten_layers()) or bool(
            getattr(self.layer, "stateful", False))

    def _check_mask(self, inputs, mask):
        mask_shape, input_shape = tuple(mask.shape), tuple(inputs.shape)
        if len(mask_shape) < 2:
            raise ValueError(
                f'TimeDistributed layer "{self.name}": the mask must be at least 2D (batch, timesteps); '
                f"received a mask of shape {mask_shape}."
            )
        for i in (0, 1):
            if None not in (mask_shape[i], input_shape[i]) and mask_shape[i] != input_shape[i]:
                raise ValueError(
                    f'TimeDistributed layer "{self.name}": the mask shape {mask_shape} does not match the input '
                    f"shape {input_shape} in its first two dimensions (batch, timesteps)."
                )

    def call(self, inputs, training=None, mask=None):
        self._child_input_shape(tuple(inputs.shape))
        sig = self.layer._signature
        kwargs = {}
        if sig.has_training and training is not None:
            kwargs["training"] = training
        pass_mask = sig.has_mask and mask is not None
        if mask is not None:
            self._check_mask(inputs, mask)
        shape = ops.shape(inputs)
        batch, steps = shape[0], shape[1]
        if self._batch_dependent():
            outputs = []
            for t in range(steps):
                if pass_mask:
                    kwargs["mask"] = mask[:, t]
                outputs.append(self.layer(inputs[:, t], **kwargs))
            return ops.stack(outputs, axis=1)
        merged = ops.reshape(inputs, (batch * steps,) + tuple(shape[2:]))
        if pass_mask:
            kwargs["mask"] = ops.reshape(mask, (batch * steps,) + tuple(mask.shape[2:]))
        outputs = self.layer(merged, **kwargs)
        return ops.reshape(outputs, (batch, steps) + tuple(ops.shape(outputs)[1:]))
