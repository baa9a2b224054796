"""BaseConv: the N-D convolution layer behind Conv1D, Conv2D and Conv3D."""

from __future__ import annotations

import numpy as np

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.ops import fused
from lamina.layers.convolutional import _utils as U
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer


class BaseConv(Layer):
    """``activation(conv(inputs, kernel) + bias)`` with a kernel of shape ``(*kernel_size, in // groups, filters)``.

    Args:
        rank: the number of spatial dimensions (1, 2 or 3).
        filters: the number of output channels.
        kernel_size: an int or ``rank`` ints, the window size.
        strides: an int or ``rank`` ints; ``strides > 1`` cannot be combined with ``dilation_rate > 1``.
        padding: ``"valid"``, ``"same"`` (TensorFlow's: the odd pixel at the end) or, for 1D, ``"causal"``.
        data_format: ``"channels_last"`` or ``"channels_first"`` (None: ``lamina.config.image_data_format()``).
        dilation_rate: an int or ``rank`` ints.
        groups: split the channels into this many groups, each convolved with ``filters // groups`` filters.
        activation, use_bias, kernel_/bias_ initializer, regularizer, constraint: as for Dense.
        lora_rank, lora_alpha: if set, the kernel is frozen and a trainable low-rank delta
            ``(lora_alpha / lora_rank) * lora_kernel_a @ lora_kernel_b`` is added to it.
    """

    def __init__(self, rank: int, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate=1, groups: int = 1, activation=None,
                 use_bias: bool = True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank: int | None = None,
                 lora_alpha: float | None = None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = U.positive_int(filters, "filters", self)
        self.groups = U.positive_int(groups, "groups", self)
        self.kernel_size = U.standardize_tuple(kernel_size, rank, "kernel_size", self)
        self.strides = U.standardize_tuple(strides, rank, "strides", self)
        self.dilation_rate = U.standardize_tuple(dilation_rate, rank, "dilation_rate", self)
        self.padding = U.standardize_padding(padding, self, allow_causal=rank == 1)
        self.data_format = U.standardize_data_format(data_format, self)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.input_spec = InputSpec(min_ndim=rank + 2)
        if self.filters % self.groups:
            raise ValueError(
                f"{U.describe(self)}: `filters` must be divisible by `groups`, received "
                f"filters={self.filters}, groups={self.groups}."
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{U.describe(self)}: `strides > 1` is not supported together with `dilation_rate > 1`, "
                f"received strides={self.strides} and dilation_rate={self.dilation_rate}."
            )

    # ------------------------------------------------------------------ weights
    def _input_channels(self, input_shape) -> int:
        input_shape = U.check_rank(input_shape, self.rank, self, self.data_format)
        channels = U.split_shape(input_shape, self.data_format)[2]
        if channels is None:
            raise ValueError(
                f"{U.describe(self)}: the channel dimension of the inputs must be defined "
                f"(data_format='{self.data_format}'), received input shape {input_shape}."
            )
        return int(channels)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"{U.describe(self)}: the number of input channels must be divisible by `groups`, received "
                f"groups={self.groups} and inputs with {channels} channels (input shape {tuple(input_shape)}, "
                f"data_format='{self.data_format}')."
            )
        self.compute_output_shape(input_shape)  # raises now, before any weight exists, on an empty output
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={channel_axis: channels})
        self._kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
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
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    @property
    def kernel(self):
        """The convolution kernel (with the LoRA delta added when LoRA is enabled)."""
        if not self.built:
            raise AttributeError(f"{U.describe(self)}: build the layer before accessing `kernel`.")
        if not self.lora_enabled:
            return self._kernel
        delta = ops.matmul(self.lora_kernel_a, self.lora_kernel_b)
        scale = self.lora_alpha / self.lora_rank
        return ops.cast(ops.add(self._kernel, ops.multiply(delta, scale)), self.compute_dtype)

    def enable_lora(self, rank: int, lora_alpha: float | None = None, a_initializer="he_uniform",
                    b_initializer="zeros") -> None:
        """Freeze the kernel and learn a low-rank delta ``lora_kernel_a @ lora_kernel_b`` instead.

        Example:
            >>> conv = lamina.layers.Conv2D(8, 3); conv.build((None, 16, 16, 3)); conv.enable_lora(2)
        """
        if self.kernel_constraint:
            raise ValueError(f"{U.describe(self)}: LoRA cannot be enabled on a layer with a `kernel_constraint`.")
        if not self.built:
            raise ValueError(f"{U.describe(self)}: build the layer before enabling LoRA.")
        if self.lora_enabled:
            raise ValueError(f"{U.describe(self)}: LoRA is already enabled; it can be enabled only once.")
        rank = U.positive_int(rank, "rank", self)
        self.lora_kernel_a = self.add_weight(
            name="lora_kernel_a", shape=tuple(self._kernel.shape[:-1]) + (rank,),
            initializer=initializers.get(a_initializer), dtype="float32", regularizer=self.kernel_regularizer,
        )
        self.lora_kernel_b = self.add_weight(
            name="lora_kernel_b", shape=(rank, self.filters), initializer=initializers.get(b_initializer),
            dtype="float32", regularizer=self.kernel_regularizer,
        )
        self._kernel.trainable = False
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    def save_own_variables(self, store) -> None:
        """Write the kernel (LoRA delta merged in) and bias to ``store`` under "0", "1", as Keras does."""
        if not self.built:
            return
        values = [self.kernel] + ([self.bias] if self.use_bias else [])
        for i, v in enumerate(values):
            store[str(i)] = np.asarray(ops.convert_to_numpy(v))

    def load_own_variables(self, store) -> None:
        """Read the kernel and bias written by :meth:`save_own_variables`; LoRA factors restart at zero."""
        if not self.built:
            return
        targets = [self._kernel] + ([self.bias] if self.use_bias else [])
        if len(store.keys()) != len(targets):
            raise ValueError(
                f"{U.describe(self)} expected {len(targets)} variables, but the file holds {len(store.keys())}."
            )
        for i, v in enumerate(targets):
            v.assign(np.asarray(store[str(i)]))
        if self.lora_enabled:
            self.lora_kernel_a.assign(np.zeros(self.lora_kernel_a.shape, "float32"))
            self.lora_kernel_b.assign(np.zeros(self.lora_kernel_b.shape, "float32"))

    # ------------------------------------------------------------------ calling
    def convolution_op(self, inputs, kernel):
        return ops.conv(inputs, kernel, strides=self.strides, padding=self.padding,
                        data_format=self.data_format, dilation_rate=self.dilation_rate)

    def call(self, inputs):
        if type(self).convolution_op is BaseConv.convolution_op:
            # The stock convolution: its bias can join the backend's convolution kernel.
            outputs = fused.conv(inputs, self.kernel, self.bias, strides=self.strides, padding=self.padding,
                                 data_format=self.data_format, dilation_rate=self.dilation_rate)
            if self.activation is not None and self.activation is not activations.linear:
                outputs = self.activation(outputs)
            return outputs
        outputs = self.convolution_op(inputs, self.kernel)
        return _bias_and_activation(self, outputs)

    def compute_output_shape(self, input_shape):
        input_shape = U.check_rank(input_shape, self.rank, self, self.data_format)
        return U.window_output_shape(self, input_shape, self.filters, self.kernel_size, self.strides,
                                     self.padding, self.data_format, self.dilation_rate)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
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
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config


def _bias_shape(rank: int, channels: int, data_format: str):
    """The shape the bias is reshaped to for broadcasting; None when (channels,) already broadcasts."""
    if data_format == "channels_last":
        return None
    return (1, channels) + (1,) * rank


def _bias_and_activation(layer, outputs):
    """Add ``layer.bias`` along the channel axis, then apply ``layer.activation``."""
    if layer.bias is not None:
        bias = layer.bias if layer._bias_shape is None else ops.reshape(layer.bias, layer._bias_shape)
        outputs = ops.add(outputs, bias)
    if layer.activation is not None and layer.activation is not activations.linear:
        outputs = layer.activation(outputs)
    return outputs
