"""LSTMCell and LSTM (Hochreiter & Schmidhuber 1997), with Keras's gate order i, f, c, o."""

from __future__ import annotations

from lamina import activations, initializers, ops, regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.rnn.fused import fused_inner_loop
from lamina.layers.rnn.dropout_rnn_cell import check_units, training_masks
from lamina.layers.rnn.simple_rnn import (
    DenseRNN,
    DenseRNNCellBase,
    build_cell_kernels,
    cell_weight_config,
    init_cell_weights_args,
)
from lamina.saving.serialization import builtin


class _UnitForgetBias:
    """The LSTM bias initializer with ``unit_forget_bias``: ones for the forget gate, ``base`` elsewhere."""

    def __init__(self, base, units):
        self.base, self.units = base, units

    def __call__(self, shape, dtype=None):
        u = self.units
        return ops.concatenate([self.base((u,), dtype=dtype), initializers.get("ones")((u,), dtype=dtype),
                                self.base((2 * u,), dtype=dtype)])


@builtin("keras.layers")
class LSTMCell(DenseRNNCellBase):
    """One step of an LSTM; states ``[h, c]``; ``kernel`` (in, 4u), ``recurrent_kernel`` (u, 4u), ``bias`` (4u,).

    ``implementation`` (1 or 2) is accepted as in Keras; it only decides whether
    dropout draws one mask per gate (1, forced by ``recurrent_dropout``) or one in all (2).

    Example:
        >>> cell = lamina.layers.LSTMCell(4)
        >>> out, [h, c] = cell(np.ones((2, 3), "float32"), [np.zeros((2, 4), "float32")] * 2)
    """

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.units = check_units(self, units)
        self.implementation = implementation
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        init_cell_weights_args(self, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                               kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                               recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed)
        if self.recurrent_dropout != 0.0:
            self.implementation = 1
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        build_cell_kernels(self, input_shape[-1], 4)
        self.bias = None
        if self.use_bias:
            init = (_UnitForgetBias(self.bias_initializer, self.units) if self.unit_forget_bias
                    else self.bias_initializer)
            self.bias = self.add_weight(shape=(self.units * 4,), name="bias", initializer=init,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def _rnn_prepare(self, step_input, h_tm1, training):
        dp, rdp = training_masks(self, step_input, h_tm1, training)
        recurrent = self.recurrent_kernel.value
        return {"kernel": self.kernel.value, "recurrent": recurrent,
                "recurrent_parts": None if rdp is None else ops.split(recurrent, 4, axis=1),
                "bias": None if self.bias is None else self.bias.value, "dp": dp, "rdp": rdp}

    def _rnn_step(self, x_t, states, ctx):
        h_tm1, c_tm1 = states[0], states[1]
        rdp = ctx["rdp"]
        if rdp is None:
            z = x_t + ops.matmul(h_tm1, ctx["recurrent"])
        else:
            z = x_t + ops.concatenate(
                [ops.matmul(h_tm1 * m, r) for m, r in zip(rdp, ctx["recurrent_parts"])], axis=-1)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        act, rec_act = self.activation, self.recurrent_activation
        c = rec_act(z_f) * c_tm1 + rec_act(z_i) * act(z_c)
        h = rec_act(z_o) * act(c)
        return h, [h, c]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        })
        config.update(cell_weight_config(self))
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed})
        return config


@builtin("keras.layers")
class LSTM(DenseRNN):
    """Long Short-Term Memory layer (Hochreiter 1997); states ``[h, c]``.

    Example:
        >>> out, h, c = lamina.layers.LSTM(4, return_state=True)(np.ones((2, 5, 3), "float32"))
    """

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed=None,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, use_cudnn="auto", **kwargs):
        cell = LSTMCell(
            units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, unit_forget_bias=unit_forget_bias,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True), name="lstm_cell", seed=seed,
            implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"LSTM: `use_cudnn` must be one of 'auto', True, False; received {use_cudnn!r}.")
        self.use_cudnn = use_cudnn

    def inner_loop(self, sequences, initial_state, mask, training=False):
        fused = fused_inner_loop(self, "lstm", LSTMCell, sequences, initial_state, mask, training)
        if fused is not None:
            return fused
        return super().inner_loop(sequences, initial_state, mask, training=training)

    def get_config(self) -> dict:
        config = self._layer_config([
            "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
            "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
            "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
            "bias_constraint", "dropout", "recurrent_dropout", "seed"])
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config
