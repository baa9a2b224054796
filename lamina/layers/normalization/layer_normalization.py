"""LayerNormalization: normalize each sample over ``axis`` (the features by default)."""

from __future__ import annotations

import warnings

from lamina import constraints, initializers, ops, regularizers
from lamina.backend.common.dtypes import result_type, standardize_dtype
from lamina.layers.layer import Layer
from lamina.layers.normalization._utils import axis_list, check_axes, defined_dims
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class LayerNormalization(Layer):
    """Normalize each sample over ``axis``: ``gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    ``axis`` is an int or a list of ints; ``gamma``/``beta`` have the shape of the
    normalized axes. The deprecated ``rms_scaling=True`` divides by the root of
    the variance and drops ``beta`` (as in Keras); prefer ``RMSNormalization``.

    Example:
        >>> lamina.layers.LayerNormalization()(np.random.rand(2, 5).astype("float32")).shape
        (2, 5)
    """

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn(
                "LayerNormalization: `rms_scaling=True` is deprecated; it scales the inputs by the variance, "
                "not the root mean square. Use lamina.layers.RMSNormalization for RMS normalization.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.axis = axis_list(self, axis)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.autocast = False
        self.gamma = None
        self.beta = None

    def build(self, input_shape):
        check_axes(self, self.axis, input_shape)
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = defined_dims(self, self.axis, input_shape)
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         trainable=True, autocast=False)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        trainable=True, autocast=False)
        self.built = True

    def call(self, inputs, training=None):
        if self.rms_scaling:
            outputs = self._variance_scaling(inputs)
        else:
            outputs = ops.layer_normalization(inputs, self.gamma, self.beta, self.axis, self.epsilon)
        return ops.cast(outputs, self.compute_dtype)

    def _variance_scaling(self, inputs):
        """The deprecated ``rms_scaling`` path: ``x / sqrt(var(x) + epsilon) * gamma``."""
        in_dtype = standardize_dtype(inputs.dtype)
        dtype = result_type(in_dtype, "float32")
        x = ops.cast(inputs, dtype)
        _, variance = ops.moments(x, axes=self.axis, keepdims=True)
        outputs = x * ops.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            outputs = outputs * ops.reshape(ops.cast(self.gamma.value, dtype), self._param_broadcast_shape(x))
        return ops.cast(outputs, in_dtype) if in_dtype != dtype and in_dtype.startswith(("float", "bfloat")) \
            else outputs

    def _param_broadcast_shape(self, x):
        rank = len(x.shape)
        shape = [1] * rank
        for a in self.axis:
            shape[a % rank] = x.shape[a]
        return shape

    def compute_output_shape(self, input_shape):
        check_axes(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config
