"""SpectralNormalization: a wrapper that divides a layer's kernel by its spectral norm in training."""

from __future__ import annotations

from lamina import initializers, ops
from lamina.backend.common.dtypes import standardize_dtype
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin, serialize_keras_object


@builtin("keras.layers")
class SpectralNormalization(Layer):
    """Wrap a layer that has a ``kernel`` (or ``embeddings``) and keep its spectral norm near 1.

    Each training call runs ``power_iterations`` steps of the power method with the
    persistent vector ``vector_u`` to estimate the largest singular value ``sigma``
    of the kernel (reshaped to ``(-1, kernel.shape[-1])``), and assigns
    ``kernel / sigma`` to the wrapped layer's kernel before calling it.

    Example:
        >>> layer = lamina.layers.SpectralNormalization(lamina.layers.Dense(4))
        >>> y = layer(np.ones((2, 3), "float32"), training=True)
    """

    def __init__(self, layer, power_iterations: int = 1, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "SpectralNormalization: `layer` must be a lamina Layer instance (such as Dense or Conv2D). "
                f"Received: layer={layer!r} of type {type(layer).__name__}"
            )
        super().__init__(**kwargs)
        if not isinstance(power_iterations, int) or isinstance(power_iterations, bool) or power_iterations <= 0:
            raise ValueError(
                "SpectralNormalization: `power_iterations` must be an integer greater than zero. "
                f"Received: power_iterations={power_iterations!r}"
            )
        self.layer = layer
        self.power_iterations = power_iterations

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build_from_config({"input_shape": list(input_shape)})
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(
                f'SpectralNormalization layer "{self.name}": the wrapped layer {type(self.layer).__name__} '
                f'("{self.layer.name}") has no `kernel` nor `embeddings` weight to normalize.'
            )
        self.kernel = kernel
        self.kernel_shape = tuple(kernel.shape)
        self.vector_u = self.add_weight(shape=(1, self.kernel_shape[-1]),
                                        initializer=initializers.TruncatedNormal(stddev=0.02),
                                        trainable=False, name="vector_u", dtype=kernel.dtype)
        self.built = True

    def call(self, inputs, training=False):
        if training:
            all_zero = ops.all(ops.equal(self.kernel.value, 0))
            new_u, new_kernel = ops.cond(all_zero, lambda: (self.vector_u.value, self.kernel.value),
                                         self.normalized_weights)
            self.vector_u.assign(new_u)
            self.kernel.assign(new_kernel)
        outputs = self.layer(inputs)
        return ops.cast(outputs, standardize_dtype(inputs.dtype))

    def normalized_weights(self):
        """``(vector_u, kernel / sigma)`` after ``power_iterations`` steps of the power method."""
        kernel = self.kernel.value
        w = ops.reshape(kernel, [-1, self.kernel_shape[-1]])
        u = self.vector_u.value
        v = None
        for _ in range(self.power_iterations):
            v = ops.normalize(ops.matmul(u, ops.transpose(w)), axis=None)
            u = ops.normalize(ops.matmul(v, w), axis=None)
        u = ops.stop_gradient(u)
        v = ops.stop_gradient(v)
        sigma = ops.matmul(ops.matmul(v, w), ops.transpose(u))
        new_kernel = ops.reshape(kernel / sigma, self.kernel_shape)
        return ops.cast(u, self.vector_u.dtype), ops.cast(new_kernel, self.kernel.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"layer": serialize_keras_object(self.layer), "power_iterations": self.power_iterations})
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from lamina.layers import deserialize

        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        return super().from_config(dict(config, layer=layer))
