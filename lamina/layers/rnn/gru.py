"""GRUCell and GRU (Cho et al. 2014), with Keras's gate order z, r, h and both ``reset_after`` variants."""

from __future__ import annotations

from lamina import activations, ops, regularizers
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


@builtin("keras.layers")
class GRUCell(DenseRNNCellBase):
    """One step of a GRU; weights ``kernel`` (in, 3u), ``recurrent_kernel`` (u, 3u) and ``bias``
    of shape ``(2, 3u)`` (input and recurrent biases) with ``reset_after=True``, else ``(3u,)``.

    ``reset_after=True`` applies the reset gate after the recurrent matmul (the cuDNN
    convention and Keras's default); False applies it before.

    Example:
        >>> cell = lamina.layers.GRUCell(4)
        >>> out, h = cell(np.ones((2, 3), "float32"), np.zeros((2, 4), "float32"))
    """

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 reset_after: bool = True, seed=None, **kwargs):
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
            self.dropout_mask_count = 3
        self.reset_after = reset_after
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        build_cell_kernels(self, input_shape[-1], 3)
        self.bias = None
        if self.use_bias:
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self.bias = self.add_weight(shape=shape, name="bias", initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def _rnn_prepare(self, step_input, h_tm1, training):
        dp, rdp = training_masks(self, step_input, h_tm1, training)
        u = self.units
        recurrent = self.recurrent_kernel.value
        input_bias = recurrent_bias = None
        if self.bias is not None:
            bias = self.bias.value
            if self.reset_after:
                input_bias, recurrent_bias = bias[0], bias[1]
            else:
                input_bias = bias
        return {"kernel": self.kernel.value, "bias": input_bias, "recurrent_bias": recurrent_bias,
                "recurrent": recurrent, "recurrent_zr": recurrent[:, :2 * u], "recurrent_h": recurrent[:, 2 * u:],
                "recurrent_parts": None if rdp is None else ops.split(recurrent, 3, axis=1),
                "dp": dp, "rdp": rdp}

    def _rnn_step(self, x_t, states, ctx):
        h_tm1 = states[0]
        rdp = ctx["rdp"]
        rec_bias = ctx["recurrent_bias"]
        h_z, h_r, h_h = (h_tm1, h_tm1, h_tm1) if rdp is None else (h_tm1 * rdp[0], h_tm1 * rdp[1], h_tm1 * rdp[2])
        x_z, x_r, x_h = ops.split(x_t, 3, axis=-1)
        if self.reset_after:
            if rdp is None:
                inner = ops.matmul(h_tm1, ctx["recurrent"])
            else:
                r_z, r_r, r_h = ctx["recurrent_parts"]
                inner = ops.concatenate([ops.matmul(h_z, r_z), ops.matmul(h_r, r_r), ops.matmul(h_h, r_h)], axis=-1)
            if rec_bias is not None:
                inner = inner + rec_bias
            i_z, i_r, i_h = ops.split(inner, 3, axis=-1)
            z = self.recurrent_activation(x_z + i_z)
            r = self.recurrent_activation(x_r + i_r)
            hh = self.activation(x_h + r * i_h)
        else:
            if rdp is None:
                i_z, i_r = ops.split(ops.matmul(h_tm1, ctx["recurrent_zr"]), 2, axis=-1)
            else:
                r_z, r_r, _ = ctx["recurrent_parts"]
                i_z, i_r = ops.matmul(h_z, r_z), ops.matmul(h_r, r_r)
            z = self.recurrent_activation(x_z + i_z)
            r = self.recurrent_activation(x_r + i_r)
            hh = self.activation(x_h + ops.matmul(r * h_h, ctx["recurrent_h"]))
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
        })
        config.update(cell_weight_config(self))
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                       "reset_after": self.reset_after, "seed": self.seed})
        return config


@builtin("keras.layers")
class GRU(DenseRNN):
    """Gated Recurrent Unit layer (Cho et al. 2014).

    Example:
        >>> lamina.layers.GRU(4)(np.ones((2, 5, 3), "float32")).shape
        (2, 4)
    """

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed=None, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, reset_after: bool = True, use_cudnn="auto", **kwargs):
        cell = GRUCell(
            units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            reset_after=reset_after, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="gru_cell", seed=seed, implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"GRU: `use_cudnn` must be one of 'auto', True, False; received {use_cudnn!r}.")
        self.use_cudnn = use_cudnn

    def inner_loop(self, sequences, initial_state, mask, training=False):
        fused = fused_inner_loop(self, "gru", GRUCell, sequences, initial_state, mask, training)
        if fused is not None:
            return fused
        return super().inner_loop(sequences, initial_state, mask, training=training)

    def get_config(self) -> dict:
        config = self._layer_config([
            "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
            "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
            "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
            "recurrent_dropout", "reset_after", "seed"])
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config
