"""DepthwiseConv1D, DepthwiseConv2D: each input channel convolved with its own filters."""

from __future__ import annotations

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.layers.convolutional import _utils as U
from lamina.layers.convolutional.base_conv import _bias_and_activation, _bias_shape
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


class BaseDepthwiseConv(Layer):
    """Depthwise convolution layer: kernel ``(*kernel_size, in_channels, depth_multiplier)``.

    Output channel ``c * depth_multiplier + m`` comes from input channel ``c``; the bias has
    ``in_channels * depth_multiplier`` entries.
    """

    def __init__(self, rank: int, depth_multiplier: int, kernel_size, strides=1, padding: str = "valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = U.positive_int(depth_multiplier, "depth_multiplier", self)
        self.kernel_size = U.standardize_tuple(kernel_size, rank, "kernel_size", self)
        self.strides = U.standardize_tuple(strides, rank, "strides", self)
        self.dilation_rate = U.standardize_tuple(dilation_rate, rank, "dilation_rate", self)
        self.padding = U.standardize_padding(padding, self)
        self.data_format = U.standardize_data_format(data_format, self)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def _channels(self, input_shape) -> int:
        input_shape = U.check_rank(input_shape, self.rank, self, self.data_format)
        channels = U.split_shape(input_shape, self.data_format)[2]
        if channels is None:
            raise ValueError(
                f"{U.describe(self)}: the channel dimension of the inputs must be defined "
                f"(data_format='{self.data_format}'), received input shape {input_shape}."
            )
        return int(channels)

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.compute_output_shape(input_shape)
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={channel_axis: channels})
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(channels * self.depth_multiplier,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        self._bias_shape = _bias_shape(self.rank, channels * self.depth_multiplier, self.data_format)
        self.built = True

    def call(self, inputs):
        outputs = ops.depthwise_conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                                     data_format=self.data_format, dilation_rate=self.dilation_rate)
        return _bias_and_activation(self, outputs)

    def compute_output_shape(self, input_shape):
        input_shape = U.check_rank(input_shape, self.rank, self, self.data_format)
        channels = U.split_shape(input_shape, self.data_format)[2]
        out_channels = None if channels is None else channels * self.depth_multiplier
        return U.window_output_shape(self, input_shape, out_channels, self.kernel_size, self.strides,
                                     self.padding, self.data_format, self.dilation_rate)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config


@builtin("keras.layers")
class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution; kernel ``(kernel_size, in_channels, depth_multiplier)``.

    Example:
        >>> lamina.layers.DepthwiseConv1D(3, depth_multiplier=2)(np.ones((2, 8, 4))).shape
        (2, 6, 8)
    """

    def __init__(self, kernel_size, strides=1, padding: str = "valid", depth_multiplier: int = 1, data_format=None,
                 dilation_rate=1, activation=None, use_bias: bool = True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, depth_multiplier=depth_multiplier, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


@builtin("keras.layers")
class DepthwiseConv2D(BaseDepthwiseConv):
    """2D depthwise convolution; kernel ``(kh, kw, in_channels, depth_multiplier)``.

    Example:
        >>> lamina.layers.DepthwiseConv2D(3, padding="same")(np.ones((2, 8, 8, 4))).shape
        (2, 8, 8, 4)
    """

    def __init__(self, kernel_size, strides=(1, 1), padding: str = "valid", depth_multiplier: int = 1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, depth_multiplier=depth_multiplier, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )
