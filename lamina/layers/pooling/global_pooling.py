"""GlobalMaxPooling1D/2D/3D and GlobalAveragePooling1D/2D/3D: pool over all spatial positions."""

from __future__ import annotations

from lamina import ops
from lamina.layers.convolutional import _utils as U
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


class BaseGlobalPooling(Layer):
    """Reduce the spatial axes (max or mean); ``keepdims=True`` keeps them with size 1."""

    _reduce = None  # set by subclasses: ops.max or ops.mean

    def __init__(self, pool_dimensions: int, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.pool_dimensions = pool_dimensions
        self.data_format = U.standardize_data_format(data_format, self)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + pool_dimensions))
        self.built = True

    def call(self, inputs):
        return self._reduce(inputs, axis=self._axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = U.check_rank(input_shape, self.pool_dimensions, self, self.data_format)
        batch, _, channels = U.split_shape(input_shape, self.data_format)
        spatial = (1,) * self.pool_dimensions if self.keepdims else ()
        return U.join_shape(batch, spatial, channels, self.data_format)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


@builtin("keras.layers")
class GlobalMaxPooling1D(BaseGlobalPooling):
    """Max over the steps of ``(batch, steps, channels)``.

    Example:
        >>> lamina.layers.GlobalMaxPooling1D()(np.ones((2, 7, 3))).shape
        (2, 3)
    """

    _reduce = staticmethod(ops.max)

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)


@builtin("keras.layers")
class GlobalMaxPooling2D(BaseGlobalPooling):
    """Max over height and width.

    Example:
        >>> lamina.layers.GlobalMaxPooling2D(keepdims=True)(np.ones((2, 5, 5, 3))).shape
        (2, 1, 1, 3)
    """

    _reduce = staticmethod(ops.max)

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs)


@builtin("keras.layers")
class GlobalMaxPooling3D(BaseGlobalPooling):
    """Max over depth, height and width.

    Example:
        >>> lamina.layers.GlobalMaxPooling3D()(np.ones((1, 4, 4, 4, 2))).shape
        (1, 2)
    """

    _reduce = staticmethod(ops.max)

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs)


@builtin("keras.layers")
class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over the steps of ``(batch, steps, channels)``; with a mask, the mean of the unmasked steps.

    The layer consumes the mask (its output has none).

    Example:
        >>> x = np.array([[[1.0], [3.0], [100.0]]])
        >>> lamina.layers.GlobalAveragePooling1D()(x, mask=np.array([[True, True, False]]))  # [[2.0]]
    """

    _reduce = staticmethod(ops.mean)

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        steps_axis = self._axes[0]
        if mask is None:
            return ops.mean(inputs, axis=steps_axis, keepdims=self.keepdims)
        mask = ops.expand_dims(ops.cast(mask, "bool"), 2 if self.data_format == "channels_last" else 1)
        total = ops.sum(ops.where(mask, inputs, 0), axis=steps_axis, keepdims=self.keepdims)
        count = ops.sum(ops.cast(mask, ops.dtype(total)), axis=steps_axis, keepdims=self.keepdims)
        return ops.divide(total, count)

    def compute_mask(self, inputs, mask=None):
        return None


@builtin("keras.layers")
class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over height and width.

    Example:
        >>> lamina.layers.GlobalAveragePooling2D()(np.ones((2, 5, 5, 3))).shape
        (2, 3)
    """

    _reduce = staticmethod(ops.mean)

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs)


@builtin("keras.layers")
class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean over depth, height and width.

    Example:
        >>> lamina.layers.GlobalAveragePooling3D(data_format="channels_first")(np.ones((1, 2, 4, 4, 4))).shape
        (1, 2)
    """

    _reduce = staticmethod(ops.mean)

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs)


GlobalMaxPool1D = builtin("keras.layers", "GlobalMaxPool1D")(GlobalMaxPooling1D)
GlobalMaxPool2D = builtin("keras.layers", "GlobalMaxPool2D")(GlobalMaxPooling2D)
GlobalMaxPool3D = builtin("keras.layers", "GlobalMaxPool3D")(GlobalMaxPooling3D)
GlobalAvgPool1D = builtin("keras.layers", "GlobalAvgPool1D")(GlobalAveragePooling1D)
GlobalAvgPool2D = builtin("keras.layers", "GlobalAvgPool2D")(GlobalAveragePooling2D)
GlobalAvgPool3D = builtin("keras.layers", "GlobalAvgPool3D")(GlobalAveragePooling3D)
