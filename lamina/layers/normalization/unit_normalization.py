"""UnitNormalization: scale each sample to unit L2 norm along ``axis``."""

from __future__ import annotations

from lamina import ops
from lamina.layers.layer import Layer
from lamina.layers.normalization._utils import axis_list, check_axes
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class UnitNormalization(Layer):
    """Divide each sample by its L2 norm over ``axis`` (an int or a list of ints).

    Example:
        >>> lamina.layers.UnitNormalization()(np.array([[3.0, 4.0]], "float32"))   # [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis_list(self, axis)
        self.supports_masking = True
        self.built = True  # no weights: built at construction, as in Keras

    def call(self, inputs, training=None):
        check_axes(self, self.axis, inputs.shape)
        return ops.normalize(inputs, axis=self.axis, order=2, epsilon=1e-12)

    def compute_output_shape(self, input_shape):
        check_axes(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config
