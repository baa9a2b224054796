"""UpSampling1D/2D/3D: repeat (or, in 2D, interpolate) the spatial axes by integer factors."""

from __future__ import annotations

from lamina import ops
from lamina.layers.input_spec import InputSpec
from lamina.layers.reshaping._utils import ShapeOnlyLayer, data_format_of, describe, int_tuple
from lamina.saving.serialization import builtin

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")


def _scaled(dim, factor):
    return None if dim is None else dim * factor


@builtin("keras.layers")
class UpSampling1D(ShapeOnlyLayer):
    """Repeat each timestep ``size`` times: ``(batch, steps, features)`` -> ``(batch, steps * size, features)``.

    Example:
        >>> lamina.layers.UpSampling1D(2)(np.zeros((1, 3, 4))).shape
        (1, 6, 4)
    """

    def __init__(self, size: int = 2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"{describe(self)}: expected an integer value for `size`, received {size!r} of type "
                            f"{type(size).__name__}.")
        if size <= 0:
            raise ValueError(f"{describe(self)}: `size` should be a positive integer. Received: size={size}")
        self.size = size
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], _scaled(input_shape[1], self.size), input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


@builtin("keras.layers")
class UpSampling2D(ShapeOnlyLayer):
    """Scale rows and columns by ``size``; ``interpolation`` "nearest" repeats, others resize the image.

    Example:
        >>> lamina.layers.UpSampling2D((2, 3), interpolation="bilinear")(np.zeros((1, 4, 4, 3))).shape
        (1, 8, 12, 3)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation: str = "nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(data_format, self)
        self.size = int_tuple(size, 2, "size", self)
        method = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if method not in _INTERPOLATIONS:
            raise ValueError(f"{describe(self)}: `interpolation` must be one of {list(_INTERPOLATIONS)}. "
                             f"Received interpolation={interpolation!r}.")
        self.interpolation = method
        self.input_spec = InputSpec(ndim=4)

    def _spatial_axes(self):
        return (2, 3) if self.data_format == "channels_first" else (1, 2)

    def call(self, inputs):
        h_axis, w_axis = self._spatial_axes()
        if self.interpolation == "nearest":
            x = ops.repeat(inputs, self.size[0], axis=h_axis)
            return ops.repeat(x, self.size[1], axis=w_axis)
        shape = inputs.shape
        size = (int(shape[h_axis]) * self.size[0], int(shape[w_axis]) * self.size[1])
        return ops.image.resize(inputs, size, interpolation=self.interpolation, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, factor in zip(self._spatial_axes(), self.size):
            out[axis] = _scaled(out[axis], factor)
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format, "interpolation": self.interpolation})
        return config


@builtin("keras.layers")
class UpSampling3D(ShapeOnlyLayer):
    """Repeat each of the three spatial axes by ``size`` (nearest neighbour).

    Example:
        >>> lamina.layers.UpSampling3D(2)(np.zeros((1, 2, 2, 2, 3))).shape
        (1, 4, 4, 4, 3)
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(data_format, self)
        self.size = int_tuple(size, 3, "size", self)
        self.input_spec = InputSpec(ndim=5)

    def _spatial_axes(self):
        return (2, 3, 4) if self.data_format == "channels_first" else (1, 2, 3)

    def call(self, inputs):
        x = inputs
        for axis, factor in zip(self._spatial_axes(), self.size):
            x = ops.repeat(x, factor, axis=axis)
        return x

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, factor in zip(self._spatial_axes(), self.size):
            out[axis] = _scaled(out[axis], factor)
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config
