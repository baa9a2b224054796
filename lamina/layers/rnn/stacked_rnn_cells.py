"""StackedRNNCells: several RNN cells run one after another as a single cell."""

from __future__ import annotations

from lamina import ops
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin, serialize_keras_object
from lamina.utils import tree


def _cell_output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if isinstance(state_size, (list, tuple)) else state_size


@builtin("keras.layers")
class StackedRNNCells(Layer):
    """A stack of RNN cells that behaves as one cell: each cell's output is the next cell's input.

    Its state is the list of the cells' states.

    Example:
        >>> cells = [lamina.layers.LSTMCell(8), lamina.layers.GRUCell(4)]
        >>> lamina.layers.RNN(lamina.layers.StackedRNNCells(cells))(np.ones((2, 5, 3), "float32")).shape
        (2, 4)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f"StackedRNNCells: `cells` must be a non-empty list of RNN cells; received {cells!r}.")
        for cell in cells:
            if not callable(getattr(cell, "call", None)):
                raise ValueError(f"StackedRNNCells: every cell must have a `call` method; received {cell!r}.")
            if getattr(cell, "state_size", None) is None:
                raise ValueError(f"StackedRNNCells: every cell must have a `state_size` attribute; "
                                 f"received {cell!r} without one.")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return _cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states.append(fn(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(ops.zeros((batch_size, cell.state_size), dtype=self.compute_dtype))
            else:
                states.append([ops.zeros((batch_size, d), dtype=self.compute_dtype) for d in cell.state_size])
        return states

    def call(self, inputs, states, training=False, **kwargs):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            was_nested = tree.is_nested(cell_states)
            cell_states = list(cell_states) if was_nested else [cell_states]
            if hasattr(cell, "_rnn_step"):
                ctx = cell._rnn_prepare(inputs, cell_states[0], training)
                inputs, cell_states = cell._rnn_step(cell._rnn_project(inputs, ctx), cell_states, ctx)
            else:
                if isinstance(cell, Layer) and cell._signature.has_training:
                    kwargs["training"] = training
                else:
                    kwargs.pop("training", None)
                call = cell if isinstance(cell, Layer) else cell.call
                inputs, cell_states = call(inputs, cell_states, **kwargs)
            if not tree.is_nested(cell_states):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not was_nested:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        if len(new_states) == 1:
            new_states = new_states[0]
        return inputs, new_states

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell.built = True
            batch = tree.flatten(input_shape)[0] if tree.is_nested(input_shape) else input_shape[0]
            input_shape = (batch, _cell_output_size(cell))
        self.built = True

    def get_config(self) -> dict:
        config = super().get_config()
        config["cells"] = [serialize_keras_object(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.layers.rnn.wrapper import deserialize_layer

        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
