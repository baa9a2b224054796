"""Rescaling: multiply inputs by ``scale`` and add ``offset`` (e.g. pixels in [0, 255] -> [0, 1])."""

from __future__ import annotations

import numpy as np

from lamina import config, ops
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin, deserialize_keras_object, serialize_keras_object


@builtin("keras.layers")
class Rescaling(Layer):
    """Rescale inputs to ``inputs * scale + offset``, computed in the layer's compute dtype.

    ``scale`` and ``offset`` may be scalars or per-channel sequences (with
    ``channels_first`` images, a per-channel scale is broadcast over height and width).

    Example:
        >>> lamina.layers.Rescaling(1 / 127.5, offset=-1)(np.array([[0, 255]], "uint8"))   # [[-1., 1.]]
    """

    def __init__(self, scale: float, offset: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self._constants = None

    def _scale_offset(self):
        dtype = self.compute_dtype
        if self._constants is None or self._constants[0] != dtype:
            scale = np.asarray(ops.convert_to_numpy(self.scale) if ops.is_tensor(self.scale) else self.scale)
            if scale.ndim > 0 and config.image_data_format() == "channels_first":
                scale = scale.reshape(scale.shape + (1,) * (3 - scale.ndim))
            offset = np.asarray(ops.convert_to_numpy(self.offset) if ops.is_tensor(self.offset) else self.offset)
            # NumPy (or Python float) constants, never backend tensors: a tensor made while a jitted step is
            # traced would be a tracer, and caching it would leak it into the next trace.
            self._constants = (dtype, _constant(scale, dtype), _constant(offset, dtype))
        return self._constants[1], self._constants[2]

    def call(self, inputs):
        scale, offset = self._scale_offset()
        return ops.add(ops.multiply(ops.cast(inputs, self.compute_dtype), scale), offset)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({"scale": serialize_keras_object(self.scale), "offset": serialize_keras_object(self.offset)})
        return config_

    @classmethod
    def from_config(cls, config_: dict, custom_objects=None):
        config_ = dict(config_)
        for key in ("scale", "offset"):
            if isinstance(config_.get(key), dict):
                config_[key] = deserialize_keras_object(config_[key], custom_objects=custom_objects)
        return super().from_config(config_)


def _constant(value, dtype: str):
    """A scalar as a Python float (weakly typed: it takes the tensor's dtype), else a NumPy array of ``dtype``."""
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value.astype(dtype)
