"""ConvLSTM1D/2D/3D: LSTMs whose input and recurrent transformations are convolutions.

The input convolution of every time step runs as one convolution over the
batch and time axes merged, before the time loop; each step then only
convolves the hidden state (``padding="same"``, stride 1).
"""

from __future__ import annotations

from lamina import activations, constraints, initializers, ops, random, regularizers
from lamina.layers.convolutional import _utils as U
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell, clip_rate, training_masks
from lamina.layers.rnn.lstm import _UnitForgetBias
from lamina.layers.rnn.rnn import RNN
from lamina.saving.serialization import builtin


class ConvLSTMCell(Layer, DropoutRNNCell):
    """One step of an N-D convolutional LSTM (gates i, f, c, o); states ``[h, c]`` of the output's shape.

    Example:
        >>> cell = ConvLSTMCell(rank=2, filters=4, kernel_size=3, padding="same")
    """

    def __init__(self, rank: int, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format=None, dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if rank not in (1, 2, 3):
            raise ValueError(f"ConvLSTMCell: `rank` must be 1, 2 or 3; received rank={rank!r}.")
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.rank = rank
        self.filters = U.positive_int(filters, "filters", self)
        self.kernel_size = U.standardize_tuple(kernel_size, rank, "kernel_size", self)
        self.strides = U.standardize_tuple(strides, rank, "strides", self)
        self.padding = U.standardize_padding(padding, self)
        self.data_format = U.standardize_data_format(data_format, self)
        self.dilation_rate = U.standardize_tuple(dilation_rate, rank, "dilation_rate", self)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{U.describe(self)}: `strides > 1` cannot be combined with `dilation_rate > 1`; received "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}."
            )
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = clip_rate(dropout)
        self.recurrent_dropout = clip_rate(recurrent_dropout)
        self.dropout_mask_count = 4
        self.input_spec = InputSpec(ndim=rank + 2)
        self.state_size = -1  # the states are feature maps; see get_initial_state

    @property
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def build(self, inputs_shape, states_shape=None):
        inputs_shape = U.check_rank(inputs_shape, self.rank, self, self.data_format)
        _, spatial, channels = U.split_shape(inputs_shape, self.data_format)
        if None in spatial:
            raise ValueError(f"{U.describe(self)}: ConvLSTM needs static spatial dimensions; received input shape "
                             f"{inputs_shape}.")
        if channels is None:
            raise ValueError(f"{U.describe(self)}: the channel dimension of the inputs must be defined; received "
                             f"input shape {inputs_shape}.")
        self.spatial_dims = tuple(spatial)
        self.input_dim = channels
        self.input_spec = InputSpec(ndim=self.rank + 2, shape=(None,) + tuple(inputs_shape[1:]))
        self.kernel = self.add_weight(shape=self.kernel_size + (channels, self.filters * 4),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, self.filters * 4), initializer=self.recurrent_initializer,
            name="recurrent_kernel", regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            init = (_UnitForgetBias(self.bias_initializer, self.filters) if self.unit_forget_bias
                    else self.bias_initializer)
            self.bias = self.add_weight(shape=(self.filters * 4,), name="bias", initializer=init,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def compute_output_shape(self, inputs_shape, states_shape=None):
        out = U.window_output_shape(self, tuple(inputs_shape), self.filters, self.kernel_size, self.strides,
                                    self.padding, self.data_format, self.dilation_rate)
        return out, [out, out]

    def get_initial_state(self, batch_size=None):
        input_shape = U.join_shape(batch_size, self.spatial_dims, self.input_dim, self.data_format)
        shape = self.compute_output_shape(input_shape)[0]
        return [ops.zeros(shape, dtype=self.compute_dtype), ops.zeros(shape, dtype=self.compute_dtype)]

    # -- the step, split as for the dense cells: input convolution (all steps at once), recurrent update
    def _rnn_prepare(self, step_input, h_tm1, training):
        dp, rdp = training_masks(self, step_input, h_tm1, training)
        bias = None
        if self.bias is not None:
            shape = ((1,) * (self.rank + 1) + (4 * self.filters,) if self.data_format == "channels_last"
                     else (1, 4 * self.filters) + (1,) * self.rank)
            bias = ops.reshape(self.bias.value, shape)
        kernel, recurrent = self.kernel.value, self.recurrent_kernel.value
        return {"kernel": kernel, "recurrent": recurrent, "bias": bias, "dp": dp, "rdp": rdp,
                "kernel_parts": None if dp is None else ops.split(kernel, 4, axis=-1),
                "recurrent_parts": None if rdp is None else ops.split(recurrent, 4, axis=-1)}

    def _input_conv(self, x, kernel):
        return ops.conv(x, kernel, strides=self.strides, padding=self.padding, data_format=self.data_format,
                        dilation_rate=self.dilation_rate)

    def _recurrent_conv(self, h, kernel):
        return ops.conv(h, kernel, strides=1, padding="same", data_format=self.data_format)

    def _rnn_project(self, x, ctx):
        lead = tuple(ops.shape(x)[: len(x.shape) - self.rank - 1])  # (batch,) or (time, batch)
        inner = tuple(ops.shape(x)[len(lead):])

        def conv(v, kernel):  # convolve with the batch (and time) axes merged
            if len(lead) > 1:
                v = ops.reshape(v, (-1,) + inner)
            return self._input_conv(v, kernel)

        if ctx["dp"] is None:
            z = conv(x, ctx["kernel"])
        else:  # one mask per gate, the same at every time step
            z = ops.concatenate([conv(x * m, k) for m, k in zip(ctx["dp"], ctx["kernel_parts"])],
                                axis=self._channel_axis)
        if ctx["bias"] is not None:
            z = z + ctx["bias"]
        if len(lead) > 1:
            z = ops.reshape(z, lead + tuple(ops.shape(z)[1:]))
        return z

    def _rnn_step(self, x_t, states, ctx):
        h_tm1, c_tm1 = states[0], states[1]
        axis = self._channel_axis
        if ctx["rdp"] is None:
            z = x_t + self._recurrent_conv(h_tm1, ctx["recurrent"])
        else:
            z = x_t + ops.concatenate([self._recurrent_conv(h_tm1 * m, r)
                                       for m, r in zip(ctx["rdp"], ctx["recurrent_parts"])], axis=axis)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=axis)
        act, rec_act = self.activation, self.recurrent_activation
        c = rec_act(z_f) * c_tm1 + rec_act(z_i) * act(z_c)
        h = rec_act(z_o) * act(c)
        return h, [h, c]

    def call(self, inputs, states, training=False):
        states = [s if ops.is_tensor(s) else ops.convert_to_tensor(s, dtype=self.compute_dtype) for s in states]
        ctx = self._rnn_prepare(inputs, states[0], training)
        return self._rnn_step(self._rnn_project(inputs, ctx), states, ctx)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(_conv_config(self))
        config["seed"] = self.seed
        return config


def _conv_config(cell) -> dict:
    return {
        "filters": cell.filters,
        "kernel_size": cell.kernel_size,
        "strides": cell.strides,
        "padding": cell.padding,
        "data_format": cell.data_format,
        "dilation_rate": cell.dilation_rate,
        "activation": activations.serialize(cell.activation),
        "recurrent_activation": activations.serialize(cell.recurrent_activation),
        "use_bias": cell.use_bias,
        "kernel_initializer": initializers.serialize(cell.kernel_initializer),
        "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
        "bias_initializer": initializers.serialize(cell.bias_initializer),
        "unit_forget_bias": cell.unit_forget_bias,
        "kernel_regularizer": regularizers.serialize(cell.kernel_regularizer),
        "recurrent_regularizer": regularizers.serialize(cell.recurrent_regularizer),
        "bias_regularizer": regularizers.serialize(cell.bias_regularizer),
        "kernel_constraint": constraints.serialize(cell.kernel_constraint),
        "recurrent_constraint": constraints.serialize(cell.recurrent_constraint),
        "bias_constraint": constraints.serialize(cell.bias_constraint),
        "dropout": cell.dropout,
        "recurrent_dropout": cell.recurrent_dropout,
    }


class ConvLSTM(RNN):
    """Base of ConvLSTM1D/2D/3D: an RNN over a :class:`ConvLSTMCell` of the given ``rank``."""

    _rank = None

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            rank=rank, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, activity_regularizer=activity_regularizer,
                         **kwargs)
        self._input_rank = rank + 3
        self.input_spec = InputSpec(ndim=rank + 3)

    def __getattr__(self, name):
        if name in _CONV_FORWARDED and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        self._check_rank(sequences_shape)
        batch, steps = sequences_shape[0], sequences_shape[1]
        state_shape = tuple(self.cell.compute_output_shape((batch,) + tuple(sequences_shape[2:]))[0][1:])
        output_shape = (batch, steps) + state_shape if self.return_sequences else (batch,) + state_shape
        if self.return_state:
            return output_shape, (batch,) + state_shape, (batch,) + state_shape
        return output_shape

    def compute_mask(self, _, mask):
        if mask is not None and isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        return [output_mask, None, None] if self.return_state else output_mask

    def get_config(self) -> dict:
        config = super().get_config()
        del config["cell"]
        config.update(_conv_config(self.cell))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config["seed"] = self.cell.seed
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


_CONV_FORWARDED = {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
                   "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                   "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                   "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                   "recurrent_dropout"}


def _make_conv_lstm(rank: int, name: str, layout: str):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        ConvLSTM.__init__(
            self, rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, **kwargs)

    doc = (f"{rank}D convolutional LSTM over inputs of shape {layout} (channels_last).\n\n"
           f"    Example:\n        >>> layer = lamina.layers.{name}(4, 3, padding=\"same\", return_sequences=True)\n")
    cls = type(name, (ConvLSTM,), {"__init__": __init__, "__doc__": doc, "_rank": rank,
                                   "__module__": __name__})
    return builtin("keras.layers")(cls)


ConvLSTM1D = _make_conv_lstm(1, "ConvLSTM1D", "(batch, time, steps, channels)")
ConvLSTM2D = _make_conv_lstm(2, "ConvLSTM2D", "(batch, time, rows, cols, channels)")
ConvLSTM3D = _make_conv_lstm(3, "ConvLSTM3D", "(batch, time, depth, rows, cols, channels)")
