"""ActivityRegularization: identity whose output adds an L1/L2 activity penalty to the layer's losses."""

from __future__ import annotations

from lamina import regularizers
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class ActivityRegularization(Layer):
    """Return the inputs unchanged and add ``l1 * sum(|x|) + l2 * sum(x**2)`` to ``losses``.

    Example:
        >>> layer = lamina.layers.ActivityRegularization(l1=0.01)
        >>> _ = layer(np.ones((2, 3)))
        >>> layer.losses
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
