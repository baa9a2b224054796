"""SpatialDropout1D/2D/3D: drop whole feature maps (channels) instead of single entries."""

from __future__ import annotations

from lamina import config, random
from lamina.layers.core.dropout import Dropout
from lamina.layers.input_spec import InputSpec
from lamina.saving.serialization import builtin


def _check_rate(cls_name: str, rate) -> None:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(f"{cls_name}: `rate` must be a float between 0 and 1. Received: rate={rate!r}")


class _SpatialDropout(Dropout):
    """Dropout whose mask is shared over every spatial position of a channel (training only).

    Like Keras, the constructor takes only ``rate``, ``seed``, ``name`` and ``dtype``.
    """

    _ndim = 0

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None, dtype=None):
        _check_rate(type(self).__name__, rate)
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.input_spec = InputSpec(ndim=self._ndim)

    def _channels_axis(self) -> int:
        return self._ndim - 1

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            shape = tuple(inputs.shape)
            keep = (0, self._channels_axis())
            noise_shape = tuple(shape[i] if i in keep else 1 for i in range(len(shape)))
            return random.dropout(inputs, self.rate, noise_shape=noise_shape, seed=self.seed_generator)
        return inputs

    def get_config(self):
        # Keras writes only these keys, with ``dtype`` as the variable dtype's name.
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class _SpatialDropoutWithFormat(_SpatialDropout):
    def __init__(self, rate: float, data_format=None, seed: int | None = None, name: str | None = None,
                 dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        try:
            self.data_format = config.standardize_data_format(data_format)
        except ValueError:
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": `data_format` must be "channels_last" or '
                f'"channels_first". Received data_format={data_format!r}.'
            ) from None

    def _channels_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else self._ndim - 1

    def get_config(self):
        config_ = super().get_config()
        config_["data_format"] = self.data_format
        return config_


@builtin("keras.layers")
class SpatialDropout1D(_SpatialDropout):
    """Drop entire channels of ``(batch, steps, channels)`` inputs in training.

    Example:
        >>> lamina.layers.SpatialDropout1D(0.5, seed=1)(np.ones((2, 8, 4)), training=True)
    """

    _ndim = 3


@builtin("keras.layers")
class SpatialDropout2D(_SpatialDropoutWithFormat):
    """Drop entire channels of 4D inputs (``channels_last``: ``(batch, rows, cols, channels)``) in training.

    Example:
        >>> lamina.layers.SpatialDropout2D(0.5, seed=1)(np.ones((2, 4, 4, 3)), training=True)
    """

    _ndim = 4


@builtin("keras.layers")
class SpatialDropout3D(_SpatialDropoutWithFormat):
    """Drop entire channels of 5D inputs (``channels_last``: ``(batch, d1, d2, d3, channels)``) in training.

    Example:
        >>> lamina.layers.SpatialDropout3D(0.5, seed=1)(np.ones((2, 2, 2, 2, 3)), training=True)
    """

    _ndim = 5
