"""SeparableConv1D, SeparableConv2D: a depthwise convolution followed by a pointwise (1x1) one."""

from __future__ import annotations

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.layers.convolutional import _utils as U
from lamina.layers.convolutional.base_conv import _bias_and_activation, _bias_shape
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


class BaseSeparableConv(Layer):
    """Separable convolution layer.

    Weights, in order: ``depthwise_kernel`` ``(*kernel_size, in_channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, ..., 1, in_channels * depth_multiplier, filters)``, ``bias`` ``(filters,)``.
    ``strides``, ``padding`` and ``dilation_rate`` apply to the depthwise step.
    """

    def __init__(self, rank: int, depth_multiplier: int, filters: int, kernel_size, strides=1,
                 padding: str = "valid", data_format=None, dilation_rate=1, activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = U.positive_int(depth_multiplier, "depth_multiplier", self)
        self.filters = U.positive_int(filters, "filters", self)
        self.kernel_size = U.standardize_tuple(kernel_size, rank, "kernel_size", self)
        self.strides = U.standardize_tuple(strides, rank, "strides", self)
        self.dilation_rate = U.standardize_tuple(dilation_rate, rank, "dilation_rate", self)
        self.padding = U.standardize_padding(padding, self)
        self.data_format = U.standardize_data_format(data_format, self)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def build(self, input_shape):
        input_shape = U.check_rank(input_shape, self.rank, self, self.data_format)
        channels = U.split_shape(input_shape, self.data_format)[2]
        if channels is None:
            raise ValueError(
                f"{U.describe(self)}: the channel dimension of the inputs must be defined "
                f"(data_format='{self.data_format}'), received input shape {input_shape}."
            )
        channels = int(channels)
        self.compute_output_shape(input_shape)
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={channel_axis: channels})
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        self._bias_shape = _bias_shape(self.rank, self.filters, self.data_format)
        self.built = True

    def call(self, inputs):
        outputs = ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel, strides=self.strides,
                                     padding=self.padding, data_format=self.data_format,
                                     dilation_rate=self.dilation_rate)
        return _bias_and_activation(self, outputs)

    def compute_output_shape(self, input_shape):
        input_shape = U.check_rank(input_shape, self.rank, self, self.data_format)
        return U.window_output_shape(self, input_shape, self.filters, self.kernel_size, self.strides,
                                     self.padding, self.data_format, self.dilation_rate)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config


@builtin("keras.layers")
class SeparableConv1D(BaseSeparableConv):
    """1D separable convolution.

    Example:
        >>> lamina.layers.SeparableConv1D(8, 3, depth_multiplier=2)(np.ones((2, 10, 4))).shape
        (2, 8, 8)
    """

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid", data_format=None,
                 dilation_rate=1, depth_multiplier: int = 1, activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, depth_multiplier=depth_multiplier, filters=filters, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


@builtin("keras.layers")
class SeparableConv2D(BaseSeparableConv):
    """2D separable convolution.

    Example:
        >>> lamina.layers.SeparableConv2D(8, 3, padding="same")(np.ones((2, 10, 10, 4))).shape
        (2, 10, 10, 8)
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier: int = 1, activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, depth_multiplier=depth_multiplier, filters=filters, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


SeparableConvolution1D = builtin("keras.layers", "SeparableConvolution1D")(SeparableConv1D)
SeparableConvolution2D = builtin("keras.layers", "SeparableConvolution2D")(SeparableConv2D)
