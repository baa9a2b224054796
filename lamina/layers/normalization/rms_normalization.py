"""RMSNormalization: scale each sample by the root mean square over ``axis``."""

from __future__ import annotations

from lamina import ops
from lamina.layers.layer import Layer
from lamina.layers.normalization._utils import axis_list, check_axes, defined_dims
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class RMSNormalization(Layer):
    """``x / sqrt(mean(x ** 2, axis) + epsilon) * scale``, with a learned ``scale`` of the axes' shape.

    Example:
        >>> lamina.layers.RMSNormalization()(np.random.rand(2, 5).astype("float32")).shape
        (2, 5)
    """

    def __init__(self, axis=-1, epsilon: float = 1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis_list(self, axis)
        self.epsilon = epsilon

    def build(self, input_shape):
        check_axes(self, self.axis, input_shape)
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = defined_dims(self, self.axis, input_shape)
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self.built = True

    def call(self, x, training=None):
        scale = self.scale
        rank = len(x.shape)
        axes = [a % rank for a in self.axis]
        if axes != list(range(rank - len(axes), rank)):
            # Normalized axes that are not the trailing ones: the scale is laid out to broadcast on them.
            shape = [1] * rank
            for a in axes:
                shape[a] = x.shape[a]
            scale = ops.reshape(scale.value, shape)
        return ops.rms_normalization(x, scale=scale, axis=self.axis, epsilon=self.epsilon)

    def compute_output_shape(self, input_shape):
        check_axes(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
