"""Conv1D, Conv2D, Conv3D: convolutions over 1, 2 or 3 spatial dimensions."""

from __future__ import annotations

from lamina import ops
from lamina.layers.convolutional.base_conv import BaseConv, _bias_and_activation
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class Conv1D(BaseConv):
    """1D convolution over ``(batch, steps, channels)``; kernel ``(kernel_size, in // groups, filters)``.

    ``padding="causal"`` left-pads the steps so output ``t`` sees only inputs ``<= t``.

    Example:
        >>> lamina.layers.Conv1D(8, 3, padding="causal")(np.ones((2, 10, 4))).shape
        (2, 10, 8)
    """

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid", data_format=None,
                 dilation_rate=1, groups: int = 1, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, groups=groups, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )

    def call(self, inputs):
        if self.padding != "causal":
            return super().call(inputs)
        left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
        pad = [[0, 0], [left, 0], [0, 0]] if self.data_format == "channels_last" else [[0, 0], [0, 0], [left, 0]]
        outputs = ops.conv(ops.pad(inputs, pad), self.kernel, strides=self.strides, padding="valid",
                           data_format=self.data_format, dilation_rate=self.dilation_rate)
        return _bias_and_activation(self, outputs)


@builtin("keras.layers")
class Conv2D(BaseConv):
    """2D convolution over ``(batch, height, width, channels)``; kernel ``(kh, kw, in // groups, filters)``.

    Example:
        >>> lamina.layers.Conv2D(8, 3, strides=2, padding="same")(np.ones((2, 9, 9, 3))).shape
        (2, 5, 5, 8)
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid", data_format=None,
                 dilation_rate=(1, 1), groups: int = 1, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, groups=groups, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


@builtin("keras.layers")
class Conv3D(BaseConv):
    """3D convolution over ``(batch, depth, height, width, channels)``; kernel ``(kd, kh, kw, in // groups, filters)``.

    Example:
        >>> lamina.layers.Conv3D(4, 2)(np.ones((1, 5, 5, 5, 2))).shape
        (1, 4, 4, 4, 4)
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1, 1), padding: str = "valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups: int = 1, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            rank=3, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, groups=groups, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


# Keras 2 names that keras.layers still exports (same classes).
Convolution1D = builtin("keras.layers", "Convolution1D")(Conv1D)
Convolution2D = builtin("keras.layers", "Convolution2D")(Conv2D)
Convolution3D = builtin("keras.layers", "Convolution3D")(Conv3D)
