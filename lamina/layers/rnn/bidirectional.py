"""Bidirectional: run a recurrent layer forwards and a copy backwards, and merge their outputs."""

from __future__ import annotations

import copy

from lamina import ops
from lamina.layers.layer import Layer
from lamina.layers.rnn.wrapper import deserialize_layer
from lamina.saving.serialization import builtin, serialize_keras_object

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _strip(prefix: str, name: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


@builtin("keras.layers")
class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs.

    Args:
        layer: an RNN layer (or any layer with ``go_backwards``, ``return_sequences``,
            ``return_state`` and ``stateful``); a fresh copy of it runs forwards.
        merge_mode: ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"`` or None (a list of both outputs).
        weights: optional initial weights (forward then backward).
        backward_layer: the layer that runs backwards (default: a copy of ``layer`` with ``go_backwards``
            flipped).

    Example:
        >>> bi = lamina.layers.Bidirectional(lamina.layers.LSTM(4, return_sequences=True))
        >>> bi(np.ones((2, 5, 3), "float32")).shape
        (2, 5, 8)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional: `layer` must be a lamina Layer instance; received {layer!r}.")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"Bidirectional: `backward_layer` must be a lamina Layer instance; "
                             f"received {backward_layer!r}.")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: invalid merge_mode {merge_mode!r}; expected one of "
                             '"sum", "mul", "ave", "concat" or None.')
        for attr in ("go_backwards", "return_sequences", "return_state", "stateful"):
            if not hasattr(layer, attr):
                raise ValueError(f"Bidirectional: the wrapped layer {layer.name!r} has no attribute `{attr}`; "
                                 "it must be a recurrent layer such as LSTM, GRU or RNN.")
        super().__init__(**kwargs)
        config = serialize_keras_object(layer)
        config["config"]["name"] = "forward_" + _strip("forward_", layer.name)
        self.forward_layer = deserialize_layer(config)
        if backward_layer is None:
            config = serialize_keras_object(layer)
            config["config"]["go_backwards"] = not layer.go_backwards
            config["config"]["name"] = "backward_" + _strip("backward_", layer.name)
            self.backward_layer = deserialize_layer(config)
        else:
            self.backward_layer = backward_layer
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = layer.use_cudnn
            self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights else None
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layer_config(self):
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(
                f'Bidirectional layer "{self.name}": the forward and backward layers must have different '
                f"`go_backwards`; received forward_layer.go_backwards={fwd.go_backwards}, "
                f"backward_layer.go_backwards={bwd.go_backwards}."
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(
                    f'Bidirectional layer "{self.name}": the forward and backward layers must have the same '
                    f"`{attr}`; received {getattr(fwd, attr)} (forward) and {getattr(bwd, attr)} (backward)."
                )

    # ------------------------------------------------------------------ shapes
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        output_shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shape = ()
        if self.return_state:
            output_shape, state_shape = output_shape[0], tuple(output_shape[1:])
        if self.merge_mode == "concat":
            output_shape = tuple(output_shape[:-1]) + (
                None if output_shape[-1] is None else output_shape[-1] * 2,)
        elif self.merge_mode is None:
            output_shape = [tuple(output_shape), tuple(output_shape)]
        if self.return_state:
            if self.merge_mode is None:
                return tuple(output_shape) + state_shape + state_shape
            return (tuple(output_shape),) + state_shape + state_shape
        return tuple(output_shape) if self.merge_mode is not None else output_shape

    def compute_mask(self, _, mask):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else mask
        else:
            output_mask = [None, None] if not self.merge_mode else None
        if self.return_state:
            n_states = len(self.forward_layer.state_size) if hasattr(self.forward_layer, "state_size") else 0
            state_mask = [None] * (2 * n_states)
            if isinstance(output_mask, list):
                return output_mask + state_mask
            return [output_mask] + state_mask
        return output_mask

    # ------------------------------------------------------------------ build and call
    def build(self, sequences_shape, initial_state_shape=None):
        if not self.forward_layer.built:
            self.forward_layer.build(sequences_shape)
        if not self.backward_layer.built:
            self.backward_layer.build(sequences_shape)
        if self._initial_weights is not None:
            n = len(self._initial_weights)
            self.forward_layer.set_weights(self._initial_weights[: n // 2])
            self.backward_layer.set_weights(self._initial_weights[n // 2:])
            self._initial_weights = None
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if self.forward_layer._signature.has_training and training is not None:
            kwargs["training"] = training
        if self.forward_layer._signature.has_mask and mask is not None:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            initial_state = list(initial_state)
            if len(initial_state) % 2:
                raise ValueError(
                    f'Bidirectional layer "{self.name}": `initial_state` must hold the forward states followed by '
                    f"the backward states (an even number of tensors); received {len(initial_state)}."
                )
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        dtype = self.compute_dtype
        y = y if ops.dtype(y) == dtype else ops.cast(y, dtype)
        y_rev = y_rev if ops.dtype(y_rev) == dtype else ops.cast(y_rev, dtype)
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        if self.merge_mode == "concat":
            output = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if self.return_state:
            if self.merge_mode is None:
                return (*output, *states)
            return (output, *states)
        return output

    # ------------------------------------------------------------------ state
    @property
    def states(self):
        fwd, bwd = getattr(self.forward_layer, "states", None), getattr(self.backward_layer, "states", None)
        if fwd and bwd:
            return tuple(fwd) + tuple(bwd)
        return None

    def reset_states(self):
        """Alias of :meth:`reset_state`."""
        self.reset_state()

    def reset_state(self):
        """Reset the states of both directions (the layer must be stateful)."""
        if not self.stateful:
            raise AttributeError(f'Bidirectional layer "{self.name}": reset_state() needs a stateful layer.')
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = serialize_keras_object(self.forward_layer)
        config["backward_layer"] = serialize_keras_object(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_layer(backward, custom_objects)
        return cls(**config)
