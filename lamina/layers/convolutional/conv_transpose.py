"""Conv1DTranspose, Conv2DTranspose, Conv3DTranspose: transposed ("deconvolution") layers."""

from __future__ import annotations

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.layers.convolutional import _utils as U
from lamina.layers.convolutional.base_conv import _bias_and_activation, _bias_shape
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


class BaseConvTranspose(Layer):
    """The gradient of a convolution, as a layer; kernel of shape ``(*kernel_size, filters, in_channels)``.

    Output size per spatial dimension (``k`` the dilated kernel size): ``padding="valid"``:
    ``(n - 1) * stride + max(k, stride)``; ``"same"``: ``n * stride``. With ``output_padding``
    (each value < its stride): ``(n - 1) * stride + k + output_padding`` (valid) or
    ``(n - 1) * stride + k % 2 + output_padding`` (same).
    """

    def __init__(self, rank: int, filters: int, kernel_size, strides=1, padding: str = "valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = U.positive_int(filters, "filters", self)
        self.kernel_size = U.standardize_tuple(kernel_size, rank, "kernel_size", self)
        self.strides = U.standardize_tuple(strides, rank, "strides", self)
        self.dilation_rate = U.standardize_tuple(dilation_rate, rank, "dilation_rate", self)
        self.padding = U.standardize_padding(padding, self)
        self.output_padding = None if output_padding is None else U.standardize_tuple(
            output_padding, rank, "output_padding", self, allow_zero=True)
        self.data_format = U.standardize_data_format(data_format, self)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        if self.output_padding is not None:
            for i, (p, s) in enumerate(zip(self.output_padding, self.strides)):
                if p >= s:
                    raise ValueError(
                        f"{U.describe(self)}: each value of `output_padding` must be smaller than the "
                        f"matching stride; at dimension {i} output_padding is {p} and the stride is {s}. "
                        f"Received output_padding={self.output_padding}, strides={self.strides}."
                    )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{U.describe(self)}: `strides > 1` is not supported together with `dilation_rate > 1`, "
                f"received strides={self.strides} and dilation_rate={self.dilation_rate}."
            )

    def build(self, input_shape):
        input_shape = U.check_rank(input_shape, self.rank, self, self.data_format)
        channels = U.split_shape(input_shape, self.data_format)[2]
        if channels is None:
            raise ValueError(
                f"{U.describe(self)}: the channel dimension of the inputs must be defined "
                f"(data_format='{self.data_format}'), received input shape {input_shape}."
            )
        self.compute_output_shape(input_shape)
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={channel_axis: channels})
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (self.filters, int(channels)),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
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
        outputs = ops.conv_transpose(inputs, self.kernel, strides=self.strides, padding=self.padding,
                                     output_padding=self.output_padding, data_format=self.data_format,
                                     dilation_rate=self.dilation_rate)
        return _bias_and_activation(self, outputs)

    def compute_output_shape(self, input_shape):
        input_shape = U.check_rank(input_shape, self.rank, self, self.data_format)
        batch, spatial, _ = U.split_shape(input_shape, self.data_format)
        out = []
        for i, size in enumerate(spatial):
            o = U.transpose_output_size(size, self.kernel_size[i], self.strides[i], self.padding,
                                        None if self.output_padding is None else self.output_padding[i],
                                        self.dilation_rate[i])
            if o is not None and o <= 0:
                raise ValueError(
                    f"{U.describe(self)}: the output would be empty along spatial dimension {i}. Received input "
                    f"shape {input_shape}, kernel_size={self.kernel_size}, strides={self.strides}, "
                    f"padding='{self.padding}', output_padding={self.output_padding}, "
                    f"dilation_rate={self.dilation_rate}."
                )
            out.append(o)
        return U.join_shape(batch, out, self.filters, self.data_format)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config


@builtin("keras.layers")
class Conv1DTranspose(BaseConvTranspose):
    """1D transposed convolution; kernel ``(kernel_size, filters, in_channels)``.

    Example:
        >>> lamina.layers.Conv1DTranspose(4, 3, strides=2, padding="same")(np.ones((2, 5, 3))).shape
        (2, 10, 4)
    """

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            output_padding=output_padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs,
        )


@builtin("keras.layers")
class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution; kernel ``(kh, kw, filters, in_channels)``.

    Example:
        >>> lamina.layers.Conv2DTranspose(4, 3, strides=2, padding="same")(np.ones((2, 5, 5, 3))).shape
        (2, 10, 10, 4)
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            output_padding=output_padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs,
        )


@builtin("keras.layers")
class Conv3DTranspose(BaseConvTranspose):
    """3D transposed convolution; kernel ``(kd, kh, kw, filters, in_channels)``.

    Note Keras's argument order here: ``data_format`` comes before ``output_padding``.

    Example:
        >>> lamina.layers.Conv3DTranspose(2, 2, strides=2)(np.ones((1, 3, 3, 3, 4))).shape
        (1, 6, 6, 6, 2)
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1, 1), padding: str = "valid", data_format=None,
                 output_padding=None, dilation_rate=(1, 1, 1), activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            rank=3, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            output_padding=output_padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs,
        )


Convolution1DTranspose = builtin("keras.layers", "Convolution1DTranspose")(Conv1DTranspose)
Convolution2DTranspose = builtin("keras.layers", "Convolution2DTranspose")(Conv2DTranspose)
Convolution3DTranspose = builtin("keras.layers", "Convolution3DTranspose")(Conv3DTranspose)
