"""ZeroPadding1D/2D/3D (add zeros around the spatial axes) and Cropping1D/2D/3D (remove them)."""

from __future__ import annotations

from lamina import ops
from lamina.layers.input_spec import InputSpec
from lamina.layers.reshaping._utils import ShapeOnlyLayer, data_format_of, describe, int_tuple, pairs
from lamina.saving.serialization import builtin


def _spatial_axes(data_format: str, n: int) -> tuple:
    start = 2 if data_format == "channels_first" else 1
    return tuple(range(start, start + n))


class _ZeroPadding(ShapeOnlyLayer):
    _rank = 0

    def _set_common(self, data_format):
        self.data_format = data_format_of(data_format, self)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _pads(self) -> tuple:
        return self.padding if self._rank > 1 else (self.padding,)

    def call(self, inputs):
        widths = [(0, 0)] * (self._rank + 2)
        for axis, pad in zip(_spatial_axes(self.data_format, self._rank), self._pads()):
            widths[axis] = pad
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, (before, after) in zip(_spatial_axes(self.data_format, self._rank), self._pads()):
            if out[axis] is not None:
                out[axis] = out[axis] + before + after
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


@builtin("keras.layers")
class ZeroPadding1D(_ZeroPadding):
    """Pad the steps axis with zeros; ``padding`` is an int or ``(before, after)``.

    Example:
        >>> lamina.layers.ZeroPadding1D((1, 2))(np.ones((1, 3, 4))).shape
        (1, 6, 4)
    """

    _rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = int_tuple(padding, 2, "padding", self, allow_zero=True)
        self._set_common(data_format)


@builtin("keras.layers")
class ZeroPadding2D(_ZeroPadding):
    """Pad rows and columns with zeros.

    ``padding``: an int (all sides), ``(sym_height, sym_width)``, or
    ``((top, bottom), (left, right))``.

    Example:
        >>> lamina.layers.ZeroPadding2D(((1, 0), (2, 3)))(np.ones((1, 4, 4, 3))).shape
        (1, 5, 9, 3)
    """

    _rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = pairs(padding, 2, "padding", self)
        self._set_common(data_format)


@builtin("keras.layers")
class ZeroPadding3D(_ZeroPadding):
    """Pad the three spatial axes with zeros (an int, 3 ints, or 3 ``(before, after)`` pairs).

    Example:
        >>> lamina.layers.ZeroPadding3D(1)(np.ones((1, 2, 2, 2, 3))).shape
        (1, 4, 4, 4, 3)
    """

    _rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = pairs(padding, 3, "padding", self)
        self._set_common(data_format)


class _Cropping(ShapeOnlyLayer):
    _rank = 0

    def _crops(self) -> tuple:
        return self.cropping if self._rank > 1 else (self.cropping,)

    def _axes(self) -> tuple:
        return _spatial_axes(getattr(self, "data_format", "channels_last"), self._rank)

    def _check(self, shape, what: str):
        for axis, crop in zip(self._axes(), self._crops()):
            dim = shape[axis]
            if dim is not None and sum(crop) >= dim:
                raise ValueError(
                    f"{describe(self)}: the values in `cropping` must be smaller than the spatial dimension they "
                    f"crop (the output would be empty). Received: {what}={tuple(shape)}, cropping={self.cropping}"
                )

    def call(self, inputs):
        shape = tuple(inputs.shape)
        self._check(shape, "inputs.shape")
        index = [slice(None)] * len(shape)
        for axis, (before, after) in zip(self._axes(), self._crops()):
            index[axis] = slice(before, -after if after else None)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        self._check(input_shape, "input_shape")
        out = list(input_shape)
        for axis, crop in zip(self._axes(), self._crops()):
            if out[axis] is not None:
                out[axis] = out[axis] - sum(crop)
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping
        if self._rank > 1:
            config["data_format"] = self.data_format
        return config


@builtin("keras.layers")
class Cropping1D(_Cropping):
    """Crop the steps axis: ``cropping`` is an int or ``(start, end)`` steps to remove.

    Example:
        >>> lamina.layers.Cropping1D((1, 2))(np.ones((1, 6, 4))).shape
        (1, 3, 4)
    """

    _rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = int_tuple(cropping, 2, "cropping", self, allow_zero=True)
        self.input_spec = InputSpec(ndim=3)


@builtin("keras.layers")
class Cropping2D(_Cropping):
    """Crop rows and columns: an int, ``(sym_height, sym_width)``, or ``((top, bottom), (left, right))``.

    Example:
        >>> lamina.layers.Cropping2D(((1, 0), (2, 1)))(np.ones((1, 5, 6, 3))).shape
        (1, 4, 3, 3)
    """

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(data_format, self)
        self.cropping = pairs(cropping, 2, "cropping", self)
        self.input_spec = InputSpec(ndim=4)


@builtin("keras.layers")
class Cropping3D(_Cropping):
    """Crop the three spatial axes (an int, 3 ints, or 3 ``(start, end)`` pairs).

    Example:
        >>> lamina.layers.Cropping3D(1)(np.ones((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 2, 2)
    """

    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(data_format, self)
        self.cropping = pairs(cropping, 3, "cropping", self)
        self.input_spec = InputSpec(ndim=5)
