"""SimpleRNNCell and SimpleRNN: ``h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)``."""

from __future__ import annotations

from lamina import activations, constraints, initializers, ops, random, regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell, check_units, clip_rate, training_masks
from lamina.layers.rnn.rnn import RNN
from lamina.saving.serialization import builtin

def cell_weight_config(cell) -> dict:
    """The config entries shared by the dense recurrent cells (activation, initializers, ...)."""
    return {
        "use_bias": cell.use_bias,
        "kernel_initializer": initializers.serialize(cell.kernel_initializer),
        "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
        "bias_initializer": initializers.serialize(cell.bias_initializer),
        "kernel_regularizer": regularizers.serialize(cell.kernel_regularizer),
        "recurrent_regularizer": regularizers.serialize(cell.recurrent_regularizer),
        "bias_regularizer": regularizers.serialize(cell.bias_regularizer),
        "kernel_constraint": constraints.serialize(cell.kernel_constraint),
        "recurrent_constraint": constraints.serialize(cell.recurrent_constraint),
        "bias_constraint": constraints.serialize(cell.bias_constraint),
    }


def init_cell_weights_args(cell, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                           kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                           recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed):
    cell.use_bias = use_bias
    cell.kernel_initializer = initializers.get(kernel_initializer)
    cell.recurrent_initializer = initializers.get(recurrent_initializer)
    cell.bias_initializer = initializers.get(bias_initializer)
    cell.kernel_regularizer = regularizers.get(kernel_regularizer)
    cell.recurrent_regularizer = regularizers.get(recurrent_regularizer)
    cell.bias_regularizer = regularizers.get(bias_regularizer)
    cell.kernel_constraint = constraints.get(kernel_constraint)
    cell.recurrent_constraint = constraints.get(recurrent_constraint)
    cell.bias_constraint = constraints.get(bias_constraint)
    cell.dropout = clip_rate(dropout)
    cell.recurrent_dropout = clip_rate(recurrent_dropout)
    cell.seed = seed
    cell.seed_generator = random.SeedGenerator(seed)


def build_cell_kernels(cell, input_dim, gates: int):
    """Create ``kernel`` (input_dim, gates*units) and ``recurrent_kernel`` (units, gates*units), in Keras's order."""
    if input_dim is None:
        raise ValueError(f'{type(cell).__name__} "{cell.name}": the last dimension of the inputs must be defined.')
    cell.kernel = cell.add_weight(
        shape=(input_dim, cell.units * gates), name="kernel", initializer=cell.kernel_initializer,
        regularizer=cell.kernel_regularizer, constraint=cell.kernel_constraint)
    cell.recurrent_kernel = cell.add_weight(
        shape=(cell.units, cell.units * gates), name="recurrent_kernel", initializer=cell.recurrent_initializer,
        regularizer=cell.recurrent_regularizer, constraint=cell.recurrent_constraint)


def project_inputs(x, kernel, bias, dp):
    """``(x * dropout mask) @ kernel + bias``; ``dp`` a mask, a list of one mask per gate, or None."""
    if dp is None:
        z = ops.matmul(x, kernel)
    elif isinstance(dp, (list, tuple)):
        parts = ops.split(kernel, len(dp), axis=1)
        z = ops.concatenate([ops.matmul(x * m, k) for m, k in zip(dp, parts)], axis=-1)
    else:
        z = ops.matmul(x * dp, kernel)
    if bias is not None:
        z = z + bias
    return z


class DenseRNNCellBase(Layer, DropoutRNNCell):
    """What SimpleRNNCell, LSTMCell and GRUCell share: a step split into an input projection
    (``_rnn_project``, done for all time steps at once by the RNN layer) and a recurrent update
    (``_rnn_step``)."""

    def call(self, inputs, states, training=False):
        nested = isinstance(states, (list, tuple))
        states = [s if ops.is_tensor(s) else ops.convert_to_tensor(s, dtype=self.compute_dtype)
                  for s in (states if nested else [states])]
        ctx = self._rnn_prepare(inputs, states[0], training)
        output, new_states = self._rnn_step(self._rnn_project(inputs, ctx), states, ctx)
        return output, (new_states if nested or len(new_states) > 1 else new_states[0])

    def _rnn_project(self, x, ctx):
        return project_inputs(x, ctx["kernel"], ctx["bias"], ctx["dp"])

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes]


@builtin("keras.layers")
class SimpleRNNCell(DenseRNNCellBase):
    """One step of a fully connected RNN: ``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``.

    Example:
        >>> cell = lamina.layers.SimpleRNNCell(4)
        >>> out, [h] = cell(np.ones((2, 3), "float32"), [np.zeros((2, 4), "float32")])
    """

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = check_units(self, units)
        self.activation = activations.get(activation)
        init_cell_weights_args(self, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                               kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                               recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        build_cell_kernels(self, input_shape[-1], 1)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), name="bias", initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def _rnn_prepare(self, step_input, h_tm1, training):
        dp, rdp = training_masks(self, step_input, h_tm1, training)
        return {"kernel": self.kernel.value, "recurrent": self.recurrent_kernel.value,
                "bias": None if self.bias is None else self.bias.value, "dp": dp, "rdp": rdp}

    def _rnn_step(self, x_t, states, ctx):
        h = states[0]
        if ctx["rdp"] is not None:
            h = h * ctx["rdp"]
        output = self.activation(x_t + ops.matmul(h, ctx["recurrent"]))
        return output, [output]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"units": self.units, "activation": activations.serialize(self.activation)})
        config.update(cell_weight_config(self))
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed})
        return config


class DenseRNN(RNN):
    """What SimpleRNN, LSTM and GRU share: read-only views of the cell's arguments and a 3D input spec."""

    _input_rank = 3

    def call(self, sequences, initial_state=None, mask=None, training=False):
        features = sequences.shape[-1]
        kernel = getattr(self.cell, "kernel", None)
        if kernel is not None and features is not None and features != kernel.shape[0]:
            raise ValueError(
                f'{type(self).__name__} "{self.name}" was built for inputs with {kernel.shape[0]} features '
                f"(last dimension); received inputs of shape {tuple(sequences.shape)}."
            )
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def __getattr__(self, name):
        # units, activation, initializers, dropout, ... are the cell's.
        if name in _FORWARDED and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _layer_config(self, cell_keys) -> dict:
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in cell_keys:
            config[key] = cell_config[key]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


_FORWARDED = {"units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "reset_after",
              "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
              "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
              "bias_constraint", "dropout", "recurrent_dropout", "implementation"}


@builtin("keras.layers")
class SimpleRNN(DenseRNN):
    """A fully connected RNN whose output is fed back as its next input state.

    Example:
        >>> lamina.layers.SimpleRNN(4, return_sequences=True)(np.ones((2, 5, 3), "float32")).shape
        (2, 5, 4)
    """

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False, seed=None, **kwargs):
        cell = SimpleRNNCell(
            units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True), name="simple_rnn_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = [InputSpec(ndim=3)]

    def get_config(self) -> dict:
        config = self._layer_config([
            "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
            "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
            "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout"])
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config
