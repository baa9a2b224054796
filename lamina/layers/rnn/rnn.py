"""RNN: run a recurrent cell over the time axis of a sequence.

The time loop is ``ops.scan`` (a single ``lax.scan`` under ``jax.jit``; a
Python loop on torch and NumPy) or, with ``unroll=True``, a Python loop.
The built-in cells (SimpleRNNCell, LSTMCell, GRUCell) expose a split of their
step into an input projection and a recurrent update: the projection
``x @ kernel + bias`` of every time step is computed in one matmul before the
loop, so each step only multiplies the state by the recurrent kernel.

Masking follows Keras: at a masked step every state keeps its previous value
and the output repeats the previous output (zeros before the first unmasked
step), or is zero with ``zero_output_for_mask=True``.
"""

from __future__ import annotations

import inspect

from lamina import ops
from lamina.ops import rnn as fused_kernels
from lamina.layers.layer import Layer
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells
from lamina.layers.rnn.wrapper import deserialize_layer
from lamina.saving.serialization import builtin, serialize_keras_object
from lamina.utils import tree


def _describe(layer) -> str:
    return f'{type(layer).__name__} layer "{layer.name}"'


def _cell_takes_training(cell) -> bool:
    if isinstance(cell, Layer):
        return cell._signature.has_training
    try:
        return "training" in inspect.signature(cell.call).parameters
    except (TypeError, ValueError):
        return False


def _bmask(m, x):
    """The step mask ``m`` (shape (batch, 1)) shaped to broadcast against ``x``."""
    rank = len(x.shape)
    if rank == 2:
        return m
    return ops.reshape(m, (-1,) + (1,) * (rank - 1))


def time_loop(step, xs, initial_states, mask=None, *, return_sequences=True, zero_output_for_mask=False,
              unroll=False, zero_output=None):
    """Run ``output, states = step(x_t, states)`` over the leading (time) axis of ``xs``.

    ``xs`` is a tensor or structure of tensors shaped ``(time, batch, ...)``; ``mask``
    is None or a bool tensor ``(time, batch, 1)``. ``zero_output``, when the shape of
    one step's output is known in advance, is a zero tensor of that shape: the loop
    then carries the previous output from it; otherwise the first step runs before
    the loop to find it. Returns ``(last_output, outputs (time-major, or None unless
    return_sequences), final_states)``.
    """
    structure = initial_states

    def run(x_t, states):
        out, new = step(x_t, states)
        return out, tree.pack_sequence_as(structure, tree.flatten(new))

    n = tree.flatten(xs)[0].shape[0]
    if n == 0:
        raise ValueError("RNN: the input sequence has no time steps (timesteps=0).")
    if mask is None and return_sequences and not unroll:
        def plain_fn(carry, x_t):
            out, new = run(x_t, carry)
            return new, out

        final, outputs = ops.scan(plain_fn, initial_states, xs)
        return outputs[-1], outputs, final

    def masked_step(states, prev, x_t, m_t):
        out, new = run(x_t, states)
        if m_t is not None:
            flat_new, flat_old = tree.flatten(new), tree.flatten(states)
            new = tree.pack_sequence_as(
                structure, [ops.where(_bmask(m_t, a), a, b) for a, b in zip(flat_new, flat_old)])
            fallback = ops.zeros_like(out) if (prev is None or zero_output_for_mask) else prev
            out = ops.where(_bmask(m_t, out), out, fallback)
        return new, out

    def at(i):
        return tree.map_structure(lambda a: a[i], xs)

    if unroll:
        states, out, outs = initial_states, None, []
        for i in range(n):
            states, out = masked_step(states, out, at(i), None if mask is None else mask[i])
            outs.append(out)
        return out, (ops.stack(outs) if return_sequences else None), states

    def scan_fn(carry, inp):
        s, p = carry
        x_t, m_t = inp if mask is not None else (inp, None)
        s, o = masked_step(s, p, x_t, m_t)
        return (s, o), (o if return_sequences else None)

    if zero_output is not None:
        (states, out), outputs = ops.scan(scan_fn, (initial_states, zero_output),
                                          (xs, mask) if mask is not None else xs)
        return out, outputs, states
    # The shape of an output is unknown: run the first step on its own.
    states, first = masked_step(initial_states, None, at(0), None if mask is None else mask[0])
    out, outputs = first, (ops.expand_dims(first, 0) if return_sequences else None)
    if n > 1:
        rest = tree.map_structure(lambda a: a[1:], xs)
        (states, out), ys = ops.scan(scan_fn, (states, first), (rest, mask[1:]) if mask is not None else rest)
        if return_sequences:
            outputs = ops.concatenate([outputs, ys], axis=0)
    return out, outputs, states


def _configure_dropout(cell, batch_size, step_shape, dtype):
    """Draw the dropout masks of ``cell`` (and of stacked cells) before the time loop.

    ``step_shape`` is the shape of one time step of the cell's input, without the batch axis.
    """
    if isinstance(cell, StackedRNNCells):
        for c in cell.cells:
            _configure_dropout(c, batch_size, step_shape, dtype)
            step_shape = (_output_size(c),)
        return
    if isinstance(cell, DropoutRNNCell):
        if getattr(cell, "dropout", 0) > 0:
            cell.get_dropout_mask(ops.zeros((batch_size,) + tuple(step_shape), dtype=dtype))
        if getattr(cell, "recurrent_dropout", 0) > 0:
            init = getattr(cell, "get_initial_state", None)
            if init is not None:
                template = tree.flatten(init(batch_size=batch_size))[0]
            else:
                size = cell.state_size
                size = tree.flatten(size)[0] if isinstance(size, (list, tuple)) else size
                template = ops.zeros((batch_size, size), dtype=dtype)
            cell.get_recurrent_dropout_mask(template)


def _reset_dropout(cell):
    if isinstance(cell, StackedRNNCells):
        for c in cell.cells:
            _reset_dropout(c)
    elif isinstance(cell, DropoutRNNCell):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()


def _output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if isinstance(state_size, (list, tuple)) else state_size


@builtin("keras.layers")
class RNN(Layer):
    """Base class for recurrent layers: applies ``cell`` to each time step of a ``(batch, time, ...)`` input.

    Args:
        cell: an RNN cell (``call(inputs, states, training)``, ``state_size``, optionally
            ``output_size`` and ``get_initial_state``) or a list of cells (stacked).
        return_sequences: return the output of every step (else only the last).
        return_state: also return the final states.
        go_backwards: process the sequence in reverse (outputs are in processing order).
        stateful: carry the final states of a batch over as the initial states of the next.
        unroll: a Python loop instead of a symbolic one (short sequences only).
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Example:
        >>> layer = lamina.layers.RNN(lamina.layers.LSTMCell(8), return_sequences=True)
        >>> layer(np.ones((2, 5, 3), "float32")).shape
        (2, 5, 8)
    """

    _input_rank = None  # the exact input rank, where a subclass requires one (3 for the dense RNNs)

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"{type(self).__name__}: the argument `cell` must have a `call` method; "
                             f"received cell={cell!r}.")
        state_size = getattr(cell, "state_size", None)
        if state_size is None:
            raise ValueError(
                f"{type(self).__name__}: the RNN cell must have a `state_size` attribute (an integer or a "
                f"list of integers, one per state); received cell={cell!r} without one."
            )
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError(f"{type(self).__name__}: the cell's `state_size` must be an integer or a list/tuple "
                             f"of integers; received {state_size!r}.")
        super().__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.supports_masking = True
        self.input_spec = None
        object.__setattr__(self, "states", None)  # not tracked as weights (as in Keras)
        self._expected_batch_size = None
        if isinstance(state_size, int):
            self.state_size = [state_size]
            self.single_state = True
        else:
            self.state_size = list(state_size)
            self.single_state = False

    # ------------------------------------------------------------------ shapes
    def _check_rank(self, shape):
        shape = tuple(shape)
        rank = self._input_rank
        if (rank is not None and len(shape) != rank) or len(shape) < 3:
            expected = f"rank {rank} (batch, timesteps, features)" if rank else "rank >= 3 (batch, timesteps, ...)"
            raise ValueError(f"{_describe(self)} expects inputs of {expected}; received an input of shape {shape}.")

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        self._check_rank(sequences_shape)
        batch, length = sequences_shape[0], sequences_shape[1]
        states_shape = []
        for size in self.state_size:
            if isinstance(size, int):
                states_shape.append((batch, size))
            elif isinstance(size, (list, tuple)):
                states_shape.append([(batch, s) for s in size])
        output_size = getattr(self.cell, "output_size", None)
        if output_size is None:
            output_size = self.state_size[0]
        if not isinstance(output_size, int):
            raise ValueError(f"{_describe(self)}: the cell's output_size must be an integer; received {output_size!r}.")
        output_shape = (batch, length, output_size) if self.return_sequences else (batch, output_size)
        if self.return_state:
            return (output_shape, *states_shape)
        return output_shape

    def compute_mask(self, _, mask):
        if mask is not None:
            mask = tree.flatten(mask)[0] if tree.is_nested(mask) else mask
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    # ------------------------------------------------------------------ build and state
    def build(self, sequences_shape, initial_state_shape=None):
        self._check_rank(sequences_shape)
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True
        if self.stateful:
            if self.states is not None:
                self.reset_state()
            else:
                if sequences_shape[0] is None:
                    raise ValueError(
                        f"{_describe(self)}: with stateful=True the batch size must be static; received input "
                        f"shape {tuple(sequences_shape)}. Pass `batch_size=` to your Input layer."
                    )
                self._create_state_variables(sequences_shape[0])
                self._expected_batch_size = int(sequences_shape[0])
        self.built = True

    def _create_state_variables(self, batch_size):
        from lamina.core.variable import Variable

        init = self.get_initial_state(batch_size)
        states = tree.map_structure(
            lambda v: Variable(v, trainable=False, dtype=self.variable_dtype, name="rnn_state"), init)
        object.__setattr__(self, "states", states)

    def get_initial_state(self, batch_size):
        """The initial states (zeros unless the cell says otherwise), as a list."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is None:
            dtype = getattr(self.cell, "compute_dtype", self.compute_dtype)
            return [ops.zeros((batch_size, d), dtype=dtype) for d in self.state_size]
        init = fn(batch_size=batch_size)
        if not tree.is_nested(init):
            init = [init]
        return list(init)

    def reset_states(self):
        """Alias of :meth:`reset_state`."""
        self.reset_state()

    def reset_state(self):
        """Set the states of a stateful RNN back to zeros."""
        if self.states is not None:
            for v in tree.flatten(self.states):
                v.assign(ops.zeros(v.shape, dtype=v.dtype))

    # ------------------------------------------------------------------ calling
    def _standardize_initial_state(self, initial_state, batch_size):
        if not tree.is_nested(initial_state):
            initial_state = [initial_state]
        initial_state = list(initial_state)
        dtype = getattr(self.cell, "compute_dtype", self.compute_dtype)
        reference = self.get_initial_state(batch_size)
        flat_ref = tree.flatten(reference)
        flat_given = tree.flatten(initial_state)
        if len(flat_given) != len(flat_ref):
            raise ValueError(
                f"{_describe(self)} expects {len(flat_ref)} initial state tensor(s) (state_size="
                f"{self.cell.state_size}); received {len(flat_given)}."
            )
        converted = []
        for given, ref in zip(flat_given, flat_ref):
            t = ops.convert_to_tensor(given, dtype=dtype)
            if tuple(t.shape)[1:] != tuple(ref.shape)[1:]:
                raise ValueError(
                    f"{_describe(self)}: an initial state has shape {tuple(t.shape)}; expected "
                    f"{(batch_size,) + tuple(ref.shape)[1:]}."
                )
            converted.append(t)
        return tree.pack_sequence_as(reference, converted)

    def _step_function(self, sequences_tm, states, training):
        """``(xs, step, zero_output)``: the time-major loop inputs, the step ``x_t, states -> output, states``
        and a zero output of one step (None where its shape is not known beforehand)."""
        cell = self.cell
        if hasattr(cell, "_rnn_step") and not isinstance(cell, StackedRNNCells):
            h_tm1 = tree.flatten(states)[0]
            ctx = cell._rnn_prepare(sequences_tm[0], h_tm1, training)
            if fused_kernels.projects_inputs_per_step():
                def fused_step(x_t, s):  # the input projection inside the loop (faster for XLA on CPU)
                    return cell._rnn_step(cell._rnn_project(x_t, ctx), s, ctx)

                return sequences_tm, fused_step, ops.zeros_like(h_tm1)
            xs = cell._rnn_project(sequences_tm, ctx)  # every step's input projection in one product

            def fused_step(x_t, s):
                return cell._rnn_step(x_t, s, ctx)

            return xs, fused_step, ops.zeros_like(h_tm1)  # the built-in cells output their first state
        kwargs = {"training": training} if _cell_takes_training(cell) else {}
        call = cell if isinstance(cell, Layer) else cell.call

        def step(x_t, s):
            out, new = call(x_t, s, **kwargs)
            if not tree.is_nested(new):
                new = [new]
            return out, new

        zero_output = None
        size = getattr(cell, "output_size", None)
        if isinstance(size, int) and not isinstance(size, bool):
            first_state = tree.flatten(states)[0]
            zero_output = ops.zeros((ops.shape(first_state)[0], size), dtype=ops.dtype(first_state))
        return sequences_tm, step, zero_output

    def inner_loop(self, sequences, initial_state, mask, training=False):
        """``(last_output, outputs, states)`` of the cell run over ``sequences`` (batch-major)."""
        x = sequences
        if mask is not None:
            mask = ops.cast(mask, "bool")
            if len(mask.shape) > 2:  # a mask with feature axes: a step is kept where any entry is
                mask = ops.any(ops.reshape(mask, tuple(mask.shape[:2]) + (-1,)), axis=-1)
        if self.go_backwards:
            x = ops.flip(x, axis=1)
            if mask is not None:
                mask = ops.flip(mask, axis=1)
        x = ops.swapaxes(x, 0, 1)
        mask_tm = None if mask is None else ops.expand_dims(ops.swapaxes(mask, 0, 1), -1)
        xs, step, zero_output = self._step_function(x, initial_state, training)
        last, outputs, states = time_loop(
            step, xs, initial_state, mask_tm, return_sequences=self.return_sequences,
            zero_output_for_mask=self.zero_output_for_mask, unroll=self.unroll, zero_output=zero_output)
        if outputs is not None:
            outputs = ops.swapaxes(outputs, 0, 1)
        return last, outputs, states

    def call(self, sequences, initial_state=None, mask=None, training=False):
        timesteps = sequences.shape[1]
        if self.unroll and timesteps is None:
            raise ValueError(f"{_describe(self)}: unroll=True needs a known number of timesteps; "
                             f"received input shape {tuple(sequences.shape)}.")
        batch_size = ops.shape(sequences)[0]
        if self.stateful and self._expected_batch_size is not None and batch_size != self._expected_batch_size:
            raise ValueError(
                f"{_describe(self)} is stateful with batch size {self._expected_batch_size}; received a batch "
                f"of {batch_size} sequences."
            )
        if initial_state is None:
            if self.stateful:
                initial_state = tree.map_structure(lambda v: ops.copy(v.value), self.states)
                initial_state = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            else:
                initial_state = self.get_initial_state(batch_size)
        else:
            initial_state = self._standardize_initial_state(initial_state, batch_size)
        if mask is not None and tree.is_nested(mask):
            mask = tree.flatten(mask)[0]
        if training:
            _configure_dropout(self.cell, batch_size, tuple(sequences.shape[2:]), ops.dtype(sequences))
        try:
            last_output, outputs, states = self.inner_loop(sequences, initial_state, mask, training=training)
        finally:
            _reset_dropout(self.cell)
        if self.stateful:
            for variable, value in zip(tree.flatten(self.states), tree.flatten(states)):
                variable.assign(value)
        output = outputs if self.return_sequences else last_output
        dtype = self.compute_dtype
        if ops.dtype(output) != dtype:
            output = ops.cast(output, dtype)
        if self.return_state:
            return (output, *states)
        return output

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        })
        config["cell"] = serialize_keras_object(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        return cls(cell, **config)
