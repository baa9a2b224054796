"""MaxPooling1D/2D/3D and AveragePooling1D/2D/3D: pooling over sliding windows."""

from __future__ import annotations

from lamina import ops
from lamina.layers.convolutional import _utils as U
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


class BasePooling(Layer):
    """Max or average pooling over windows of ``pool_size`` moved by ``strides`` (default: ``pool_size``).

    ``padding="same"`` is TensorFlow's (the odd pixel at the end); padded positions never win a
    max and are left out of an average. The layer has no weights and is built on creation.
    """

    def __init__(self, pool_size, strides, pool_dimensions: int, pool_mode: str = "max", padding: str = "valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_dimensions = pool_dimensions
        self.pool_size = U.standardize_tuple(pool_size, pool_dimensions, "pool_size", self)
        self.strides = self.pool_size if strides is None else U.standardize_tuple(
            strides, pool_dimensions, "strides", self)
        if pool_mode not in ("max", "average"):
            raise ValueError(f"{U.describe(self)}: `pool_mode` must be 'max' or 'average', received {pool_mode!r}.")
        self.pool_mode = pool_mode
        self.padding = padding  # kept as given, as Keras writes it in the config
        self._padding = U.standardize_padding(padding, self)
        self.data_format = U.standardize_data_format(data_format, self)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self._pool = ops.max_pool if pool_mode == "max" else ops.average_pool
        self.built = True

    def call(self, inputs):
        try:
            return self._pool(inputs, self.pool_size, strides=self.strides, padding=self._padding,
                              data_format=self.data_format)
        except ValueError:
            # Re-raise a bad-shape error naming this layer (only on the failure path: no per-call cost).
            self.compute_output_shape(tuple(inputs.shape))
            raise

    def compute_output_shape(self, input_shape):
        input_shape = U.check_rank(input_shape, self.pool_dimensions, self, self.data_format)
        channels = U.split_shape(input_shape, self.data_format)[2]
        return U.window_output_shape(self, input_shape, channels, self.pool_size, self.strides, self._padding,
                                     self.data_format, what="pool")

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        })
        return config


@builtin("keras.layers")
class MaxPooling1D(BasePooling):
    """Max pooling over steps of ``(batch, steps, channels)``.

    Example:
        >>> lamina.layers.MaxPooling1D(2)(np.ones((2, 7, 3))).shape
        (2, 3, 3)
    """

    def __init__(self, pool_size=2, strides=None, padding: str = "valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)


@builtin("keras.layers")
class MaxPooling2D(BasePooling):
    """Max pooling over height and width.

    Example:
        >>> lamina.layers.MaxPooling2D(padding="same")(np.ones((2, 5, 5, 3))).shape
        (2, 3, 3, 3)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding: str = "valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)


@builtin("keras.layers")
class MaxPooling3D(BasePooling):
    """Max pooling over depth, height and width.

    Example:
        >>> lamina.layers.MaxPooling3D()(np.ones((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 2, 2)
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding: str = "valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)


@builtin("keras.layers")
class AveragePooling1D(BasePooling):
    """Average pooling over steps of ``(batch, steps, channels)``.

    Example:
        >>> lamina.layers.AveragePooling1D(3, strides=1)(np.ones((2, 7, 3))).shape
        (2, 5, 3)
    """

    def __init__(self, pool_size, strides=None, padding: str = "valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="average", padding=padding,
                         data_format=data_format, name=name, **kwargs)


@builtin("keras.layers")
class AveragePooling2D(BasePooling):
    """Average pooling over height and width.

    Example:
        >>> lamina.layers.AveragePooling2D(2)(np.ones((2, 6, 6, 3))).shape
        (2, 3, 3, 3)
    """

    def __init__(self, pool_size, strides=None, padding: str = "valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="average", padding=padding,
                         data_format=data_format, name=name, **kwargs)


@builtin("keras.layers")
class AveragePooling3D(BasePooling):
    """Average pooling over depth, height and width.

    Example:
        >>> lamina.layers.AveragePooling3D(2)(np.ones((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 2, 2)
    """

    def __init__(self, pool_size, strides=None, padding: str = "valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="average", padding=padding,
                         data_format=data_format, name=name, **kwargs)


MaxPool1D = builtin("keras.layers", "MaxPool1D")(MaxPooling1D)
MaxPool2D = builtin("keras.layers", "MaxPool2D")(MaxPooling2D)
MaxPool3D = builtin("keras.layers", "MaxPool3D")(MaxPooling3D)
AvgPool1D = builtin("keras.layers", "AvgPool1D")(AveragePooling1D)
AvgPool2D = builtin("keras.layers", "AvgPool2D")(AveragePooling2D)
AvgPool3D = builtin("keras.layers", "AvgPool3D")(AveragePooling3D)
