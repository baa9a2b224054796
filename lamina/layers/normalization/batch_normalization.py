"""BatchNormalization: normalize with batch statistics in training, moving statistics in inference."""

from __future__ import annotations

from lamina import config, constraints, initializers, ops, regularizers
from lamina.ops import fused
from lamina.backend.common.dtypes import result_type, standardize_dtype
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.normalization._utils import check_axes, defined_dims
from lamina.saving.serialization import builtin

_RENORM_KEYS = ("rmax", "rmin", "dmax")


_COMPUTE_DTYPES: dict = {}  # input dtype -> the dtype statistics are computed in (at least float32)


def _value_as(variable, dtype):
    value = variable.value
    return value if variable.dtype == dtype else ops.cast(value, dtype)


@builtin("keras.layers")
class BatchNormalization(Layer):
    """Normalize over all axes but ``axis``: ``gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    In training (``training=True`` and the layer trainable) the statistics of the
    batch are used and the moving statistics are updated:
    ``moving = moving * momentum + batch_stat * (1 - momentum)``. Otherwise the
    moving statistics are used. A mask of rank ``inputs.ndim - 1`` excludes the
    masked steps from the batch statistics.

    Example:
        >>> layer = lamina.layers.BatchNormalization()
        >>> y = layer(np.random.rand(8, 3).astype("float32"), training=True)
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, renorm: bool = False,
                 renorm_clipping=None, renorm_momentum: float = 0.99, synchronized: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"BatchNormalization: `axis` must be an int. Received: axis={axis!r}")
        if synchronized:
            raise ValueError(
                "BatchNormalization: synchronized=True is only supported with the TensorFlow backend; "
                f"this is the {config.backend()} backend. Received: synchronized={synchronized!r}"
            )
        self.axis = int(axis)
        self.synchronized = synchronized
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.renorm = renorm
        if renorm:
            clipping = dict(renorm_clipping or {})
            unknown = set(clipping) - set(_RENORM_KEYS)
            if unknown:
                raise ValueError(
                    f"BatchNormalization: `renorm_clipping` accepts the keys {list(_RENORM_KEYS)}. "
                    f"Received: renorm_clipping={renorm_clipping}"
                )
            rmax, rmin, dmax = clipping.get("rmax"), clipping.get("rmin"), clipping.get("dmax")
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError(
                    f"BatchNormalization: `renorm_clipping` needs rmax >= rmin. Received: rmax={rmax}, rmin={rmin}"
                )
            if dmax is not None and dmax < 0:
                raise ValueError(f"BatchNormalization: `renorm_clipping` needs dmax >= 0. Received: dmax={dmax}")
            renorm_clipping = clipping
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None
        self._reduction_axes = None

    def build(self, input_shape):
        (axis,) = check_axes(self, self.axis, input_shape)
        shape = defined_dims(self, [axis], input_shape)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         trainable=True, autocast=False)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        trainable=True, autocast=False)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer, trainable=False,
                                           autocast=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer, trainable=False,
                                               autocast=False)
        if self.renorm:
            variance_init = self.moving_variance_initializer

            def stddev_initializer(shape, dtype=None):
                fresh = _fresh_initializer(variance_init)
                return ops.sqrt(fresh(shape, dtype=dtype))

            self.moving_stddev = self.add_weight(shape=shape, name="moving_stddev",
                                                 initializer=stddev_initializer, trainable=False, autocast=False)
            self.renorm_mean = self.add_weight(shape=shape, name="renorm_mean",
                                               initializer=_fresh_initializer(self.moving_mean_initializer),
                                               trainable=False, autocast=False)
            self.renorm_stddev = self.add_weight(shape=shape, name="renorm_stddev",
                                                 initializer=stddev_initializer, trainable=False, autocast=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: input_shape[axis]})
        self._reduction_axes = [a for a in range(len(input_shape)) if a != axis]
        self._param_shape = shape
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if mask is not None and len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError(
                f'BatchNormalization layer "{self.name}": the mask must have one dimension less than the '
                f"inputs. Received: mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}"
            )
        in_dtype = standardize_dtype(inputs.dtype)
        dtype = _COMPUTE_DTYPES.get(in_dtype) or _COMPUTE_DTYPES.setdefault(in_dtype, result_type(in_dtype, "float32"))
        x = inputs if in_dtype == dtype else ops.cast(inputs, dtype)
        gamma = _value_as(self.gamma, dtype) if self.scale else None
        beta = _value_as(self.beta, dtype) if self.center else None
        moving_mean = _value_as(self.moving_mean, dtype)
        moving_variance = _value_as(self.moving_variance, dtype)
        if mask is None and not self.renorm and not self.synchronized:
            # One fused normalization (torch: torch.batch_norm) that also gives the batch moments.
            train = bool(training and self.trainable)
            outputs, mean, variance = fused.batch_normalization(
                x, self.axis, gamma, beta, self.epsilon, None if train else moving_mean,
                None if train else moving_variance)
            if train:
                self.moving_mean.assign(moving_mean * self.momentum + mean * (1.0 - self.momentum))
                self.moving_variance.assign(moving_variance * self.momentum + variance * (1.0 - self.momentum))
            return ops.cast(outputs, self.compute_dtype)
        if training and self.trainable:
            mean, variance = self._moments(x, mask)
            if self.renorm:
                r, d = self._renorm_correction(mean, variance)
                gamma, beta = _compose(r, d, gamma, beta, dtype)
                self._update_renorm_statistics(mean, variance)
            else:
                self.moving_mean.assign(moving_mean * self.momentum + mean * (1.0 - self.momentum))
                self.moving_variance.assign(moving_variance * self.momentum + variance * (1.0 - self.momentum))
        else:
            mean, variance = moving_mean, moving_variance
        outputs = ops.batch_normalization(x, mean, variance, axis=self.axis, offset=beta, scale=gamma,
                                          epsilon=self.epsilon)
        return ops.cast(outputs, self.compute_dtype)

    def _moments(self, x, mask):
        if mask is None:
            return ops.moments(x, axes=self._reduction_axes, synchronized=self.synchronized)
        weights = ops.broadcast_to(ops.expand_dims(ops.cast(mask, "bool"), -1), ops.shape(x))
        counts = ops.sum(ops.cast(weights, x.dtype), self._reduction_axes, keepdims=True)
        denominator = counts + config.epsilon()
        mean = ops.sum(ops.where(weights, x, 0), self._reduction_axes, keepdims=True) / denominator
        centered = ops.where(weights, x - mean, 0)
        variance = ops.sum(ops.square(centered), self._reduction_axes, keepdims=True) / denominator
        return ops.reshape(mean, self._param_shape), ops.reshape(variance, self._param_shape)

    def _renorm_correction(self, mean, variance):
        dtype = standardize_dtype(mean.dtype)
        stddev = ops.sqrt(variance + self.epsilon)
        renorm_mean = ops.cast(self.renorm_mean.value, dtype)
        renorm_stddev = ops.maximum(ops.cast(self.renorm_stddev.value, dtype),
                                    ops.sqrt(ops.cast(self.epsilon, dtype)))
        r = stddev / renorm_stddev
        d = (mean - renorm_mean) / renorm_stddev
        clipping = self.renorm_clipping
        if clipping.get("rmin") is not None:
            r = ops.maximum(r, clipping["rmin"])
        if clipping.get("rmax") is not None:
            r = ops.minimum(r, clipping["rmax"])
        if clipping.get("dmax") is not None:
            d = ops.clip(d, -clipping["dmax"], clipping["dmax"])
        return r, d

    def _update_renorm_statistics(self, mean, variance):
        dtype = standardize_dtype(mean.dtype)
        stddev = ops.sqrt(variance + self.epsilon)
        rm = self.renorm_momentum
        self.renorm_mean.assign(ops.cast(self.renorm_mean.value, dtype) * rm + mean * (1.0 - rm))
        self.renorm_stddev.assign(ops.cast(self.renorm_stddev.value, dtype) * rm + stddev * (1.0 - rm))
        m = self.momentum
        self.moving_mean.assign(ops.cast(self.moving_mean.value, dtype) * m + mean * (1.0 - m))
        new_stddev = ops.cast(self.moving_stddev.value, dtype) * m + stddev * (1.0 - m)
        self.moving_stddev.assign(new_stddev)
        self.moving_variance.assign(ops.relu(new_stddev * new_stddev - self.epsilon))

    def compute_output_shape(self, input_shape):
        check_axes(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config_


def _fresh_initializer(initializer):
    """A copy of a configurable initializer (so a seeded one is not drawn twice from the same state)."""
    if isinstance(initializer, initializers.Initializer):
        return type(initializer).from_config(initializer.get_config())
    return initializer


def _compose(r, d, gamma, beta, dtype):
    """Fold the renorm correction ``(x * r + d) * gamma + beta`` into one scale and offset."""
    r = ops.stop_gradient(r)
    d = ops.stop_gradient(d)
    if gamma is not None:
        new_gamma, new_beta = r * gamma, d * gamma
    else:
        new_gamma, new_beta = ops.cast(r, dtype), ops.cast(d, dtype)
    if beta is not None:
        new_beta = new_beta + beta
    return new_gamma, new_beta
