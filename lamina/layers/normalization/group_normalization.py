"""GroupNormalization: normalize each sample over groups of channels."""

from __future__ import annotations

from lamina import constraints, initializers, ops, regularizers
from lamina.backend.common.dtypes import result_type, standardize_dtype
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.normalization._utils import check_axes
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class GroupNormalization(Layer):
    """Split the channels (``axis``) into ``groups`` and normalize each sample within each group.

    ``groups=-1`` gives one group per channel (instance normalization), ``groups=1``
    normalizes over all channels (like LayerNormalization over the non-batch axes).

    Example:
        >>> lamina.layers.GroupNormalization(groups=2)(np.random.rand(2, 5, 4).astype("float32")).shape
        (2, 5, 4)
    """

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or isinstance(groups, bool) or (groups <= 0 and groups != -1):
            raise ValueError(
                "GroupNormalization: `groups` must be a positive integer (or -1 for instance normalization). "
                f"Received: groups={groups!r}"
            )
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"GroupNormalization: `axis` must be an int. Received: axis={axis!r}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self.autocast = False
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = None
        self.beta = None

    def build(self, input_shape):
        (axis,) = check_axes(self, self.axis, input_shape)
        if axis == 0:
            raise ValueError(
                f'GroupNormalization layer "{self.name}": `axis` must be a channel axis, not the batch axis 0. '
                f"Received: axis={self.axis}, input shape={tuple(input_shape)}"
            )
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(
                f'GroupNormalization layer "{self.name}": axis {self.axis} of the input must have a defined size. '
                f"Received input shape={tuple(input_shape)}"
            )
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(
                f'GroupNormalization layer "{self.name}": the number of groups ({self.groups}) cannot be more '
                f"than the number of channels ({dim}) on axis {self.axis}. Received input shape={tuple(input_shape)}"
            )
        if dim % self.groups != 0:
            raise ValueError(
                f'GroupNormalization layer "{self.name}": the number of channels ({dim}) on axis {self.axis} must '
                f"be a multiple of the number of groups ({self.groups}). Received input shape={tuple(input_shape)}"
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        if self.scale:
            self.gamma = self.add_weight(shape=(dim,), name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         autocast=False)
        if self.center:
            self.beta = self.add_weight(shape=(dim,), name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        autocast=False)
        self.built = True

    def call(self, inputs, training=None):
        shape = tuple(inputs.shape)
        rank = len(shape)
        axis = self.axis % rank
        channels = shape[axis]
        per_group = channels // self.groups
        # (batch, ..., groups, channels // groups, ...): statistics over everything but batch and group.
        grouped_shape = [-1] + list(shape[1:axis]) + [self.groups, per_group] + list(shape[axis + 1:])
        param_shape = [1] * axis + [self.groups, per_group] + [1] * (rank - axis - 1)
        reduce_axes = [a for a in range(1, rank + 1) if a != axis]
        in_dtype = standardize_dtype(inputs.dtype)
        dtype = result_type(in_dtype, "float32")
        x = ops.reshape(ops.cast(inputs, dtype), grouped_shape)
        mean, variance = ops.moments(x, axes=reduce_axes, keepdims=True)
        inv = ops.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * ops.reshape(ops.cast(self.gamma.value, dtype), param_shape)
        offset = -mean * inv
        if self.beta is not None:
            offset = offset + ops.reshape(ops.cast(self.beta.value, dtype), param_shape)
        outputs = ops.reshape(x * inv + offset, [-1] + list(shape[1:]))
        return ops.cast(ops.cast(outputs, in_dtype), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        check_axes(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config
