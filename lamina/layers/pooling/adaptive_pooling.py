"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D: pool to a fixed output size."""

from __future__ import annotations

from lamina import ops
from lamina.layers.convolutional import _utils as U
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin

_NAMES = {1: "(length,)", 2: "(height, width)", 3: "(depth, height, width)"}


class BaseAdaptivePooling(Layer):
    """Pool each spatial dimension of size ``n`` to ``output_size`` cells with PyTorch's windows.

    Output cell ``i`` pools positions ``floor(i * n / out)`` to ``ceil((i + 1) * n / out)`` (exclusive).
    """

    _pool = None  # set by subclasses: ops.adaptive_average_pool or ops.adaptive_max_pool

    def __init__(self, output_size, pool_dimensions: int, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_dimensions = pool_dimensions
        if isinstance(output_size, (list, tuple)) and len(output_size) != pool_dimensions:
            raise ValueError(
                f"{U.describe(self)}: `output_size` must be an int or a tuple {_NAMES[pool_dimensions]} of "
                f"{pool_dimensions} ints, received output_size={output_size!r}."
            )
        self.output_size = U.standardize_tuple(output_size, pool_dimensions, "output_size", self)
        self.data_format = U.standardize_data_format(data_format, self)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)

    def call(self, inputs):
        return self._pool(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = U.check_rank(input_shape, self.pool_dimensions, self, self.data_format)
        batch, _, channels = U.split_shape(input_shape, self.data_format)
        return U.join_shape(batch, self.output_size, channels, self.data_format)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"output_size": self.output_size, "data_format": self.data_format})
        return config


@builtin("keras.layers")
class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Average pooling of ``(batch, steps, channels)`` to ``output_size`` steps.

    Example:
        >>> lamina.layers.AdaptiveAveragePooling1D(4)(np.ones((2, 10, 3))).shape
        (2, 4, 3)
    """

    _pool = staticmethod(ops.adaptive_average_pool)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 1, data_format=data_format, **kwargs)


@builtin("keras.layers")
class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """Average pooling of images to ``output_size`` (an int or (height, width)).

    Example:
        >>> lamina.layers.AdaptiveAveragePooling2D((2, 3))(np.ones((2, 7, 9, 3))).shape
        (2, 2, 3, 3)
    """

    _pool = staticmethod(ops.adaptive_average_pool)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 2, data_format=data_format, **kwargs)


@builtin("keras.layers")
class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    """Average pooling of volumes to ``output_size`` (an int or (depth, height, width)).

    Example:
        >>> lamina.layers.AdaptiveAveragePooling3D(2)(np.ones((1, 5, 5, 5, 2))).shape
        (1, 2, 2, 2, 2)
    """

    _pool = staticmethod(ops.adaptive_average_pool)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 3, data_format=data_format, **kwargs)


@builtin("keras.layers")
class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """Max pooling of ``(batch, steps, channels)`` to ``output_size`` steps.

    Example:
        >>> lamina.layers.AdaptiveMaxPooling1D(4)(np.ones((2, 10, 3))).shape
        (2, 4, 3)
    """

    _pool = staticmethod(ops.adaptive_max_pool)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 1, data_format=data_format, **kwargs)


@builtin("keras.layers")
class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    """Max pooling of images to ``output_size`` (an int or (height, width)).

    Example:
        >>> lamina.layers.AdaptiveMaxPooling2D(1)(np.ones((2, 7, 9, 3))).shape
        (2, 1, 1, 3)
    """

    _pool = staticmethod(ops.adaptive_max_pool)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 2, data_format=data_format, **kwargs)


@builtin("keras.layers")
class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Max pooling of volumes to ``output_size`` (an int or (depth, height, width)).

    Example:
        >>> lamina.layers.AdaptiveMaxPooling3D((1, 2, 2))(np.ones((1, 5, 5, 5, 2))).shape
        (1, 1, 2, 2, 2)
    """

    _pool = staticmethod(ops.adaptive_max_pool)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 3, data_format=data_format, **kwargs)
