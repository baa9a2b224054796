"""Small core layers: Activation, Identity, Flatten, Reshape, Masking."""

from __future__ import annotations

import math

from lamina import activations, config, ops
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class Activation(Layer):
    """Apply an activation function.

    Example:
        >>> lamina.layers.Activation("relu")(np.array([-1.0, 2.0]))
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        config_ = super().get_config()
        config_["activation"] = activations.serialize(self.activation)
        return config_


@builtin("keras.layers")
class Identity(Layer):
    """Return the input unchanged (a placeholder in architectures)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


@builtin("keras.layers")
class Flatten(Layer):
    """Flatten all axes but the batch axis (channels_first inputs are flattened in channels_last order)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)

    def call(self, inputs):
        rank = len(inputs.shape)
        if self.data_format == "channels_first" and rank >= 3:
            inputs = ops.transpose(inputs, (0,) + tuple(range(2, rank)) + (1,))
        batch = ops.shape(inputs)[0]
        return ops.reshape(inputs, (batch if batch is not None else -1, -1) if rank > 1 else (-1, 1))

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape[1:])
        size = None if any(d is None for d in rest) else int(math.prod(rest))
        return (input_shape[0], size)

    def get_config(self):
        config_ = super().get_config()
        config_["data_format"] = self.data_format
        return config_


@builtin("keras.layers")
class Reshape(Layer):
    """Reshape the non-batch axes to ``target_shape`` (one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError(f"Reshape: at most one -1 is allowed in target_shape, received {self.target_shape}.")

    def call(self, inputs):
        batch = ops.shape(inputs)[0]
        return ops.reshape(inputs, (batch if batch is not None else -1,) + self._resolved(tuple(inputs.shape)))

    def _resolved(self, input_shape):
        target = self.target_shape
        if -1 not in target:
            known = [d for d in input_shape[1:] if d is not None]
            if len(known) == len(input_shape) - 1 and math.prod(known) != math.prod(target):
                raise ValueError(
                    f'Reshape layer "{self.name}": cannot reshape inputs of shape {input_shape} '
                    f"({math.prod(known)} values per sample) to target_shape {target}."
                )
            return target
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return target
        total = math.prod(rest)
        fixed = math.prod(d for d in target if d != -1)
        if fixed == 0 or total % fixed:
            raise ValueError(
                f'Reshape layer "{self.name}": cannot reshape inputs of shape {input_shape} to target_shape {target}.'
            )
        return tuple(total // fixed if d == -1 else d for d in target)

    def compute_output_shape(self, input_shape):
        resolved = self._resolved(tuple(input_shape))
        return (input_shape[0],) + tuple(None if d == -1 else d for d in resolved)

    def get_config(self):
        config_ = super().get_config()
        config_["target_shape"] = list(self.target_shape)
        return config_


@builtin("keras.layers")
class Masking(Layer):
    """Mask timesteps whose features all equal ``mask_value`` (and zero them)."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return ops.multiply(inputs, ops.cast(keep, inputs.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config_ = super().get_config()
        config_["mask_value"] = self.mask_value
        return config_
