"""PReLU: leaky ReLU with a learned slope ``alpha`` per input entry (optionally shared along axes)."""

from __future__ import annotations

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class PReLU(Layer):
    """``x`` for ``x >= 0``, ``alpha * x`` otherwise, with ``alpha`` a weight of shape ``input_shape[1:]``
    (size 1 along each of ``shared_axes``).

    Example:
        >>> layer = lamina.layers.PReLU(shared_axes=[1, 2])   # one slope per channel of an image
        >>> layer(np.ones((2, 8, 8, 3))).shape
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(a) for a in shared_axes]
        else:
            self.shared_axes = [int(shared_axes)]

    def build(self, input_shape):
        rank = len(input_shape)
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis < rank:
                raise ValueError(
                    f'PReLU layer "{self.name}": each of `shared_axes` must be a non-batch axis in [1, {rank - 1}] '
                    f"of the input. Received shared_axes={self.shared_axes} for input shape {tuple(input_shape)}."
                )
            param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(
                f'PReLU layer "{self.name}": the non-shared axes of the input must be defined to create `alpha`. '
                f"Received input shape {tuple(input_shape)} with shared_axes={self.shared_axes}."
            )
        self.alpha = self.add_weight(shape=param_shape, name="alpha", initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        axes = {}
        if self.shared_axes:
            axes = {i: input_shape[i] for i in range(1, rank) if i not in self.shared_axes}
        self.input_spec = InputSpec(ndim=rank, axes=axes)
        self.built = True

    def call(self, inputs):
        positive = activations.relu(inputs)
        negative = ops.multiply(ops.negative(self.alpha), activations.relu(ops.negative(inputs)))
        return ops.add(positive, negative)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
