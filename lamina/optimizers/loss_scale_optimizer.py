"""LossScaleOptimizer: dynamic loss scaling for mixed-precision (float16) training."""

from __future__ import annotations

from lamina import initializers, ops
from lamina.optimizers.base_optimizer import Optimizer, conditional_update
from lamina.saving.serialization import builtin, deserialize_keras_object, serialize_keras_object

_BASE_DEFAULTS = {
    "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
    "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


@builtin("keras.optimizers")
class LossScaleOptimizer(Optimizer):
    """Wrap an optimizer with dynamic loss scaling.

    ``scale_loss(loss)`` multiplies the loss by the current scale; ``apply``
    divides the gradients by it. If any gradient is not finite the step is
    skipped (no variable, slot or iteration changes) and the scale halves;
    after ``dynamic_growth_steps`` finite steps in a row it doubles. The
    whole step is branch-free under a traced (jitted) step.

    Example:
        >>> opt = lamina.optimizers.LossScaleOptimizer(lamina.optimizers.Adam(), initial_scale=2.0 ** 15)
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000, name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                             "`loss_scale_factor` directly on the `inner_optimizer`.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg not in kwargs:
                continue
            value = kwargs.pop(arg)
            if value != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Instead, set `{arg}` on the "
                                 "`inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError("LossScaleOptimizer: `inner_optimizer` must be an Optimizer instance. "
                             f"Received: {inner_optimizer!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None

    def build(self, var_list):
        var_list = list(var_list)
        self.step_counter = self.add_variable(shape=(), dtype="int32", initializer=initializers.Zeros(),
                                              name="step_counter")
        self.dynamic_scale = self.add_variable(shape=(), dtype="float32",
                                               initializer=initializers.Constant(self.initial_scale),
                                               name="dynamic_scale")
        self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self) -> list:
        """Its own variables (iteration, learning_rate, step_counter, dynamic_scale), then the inner ones."""
        return self._variables + self.inner_optimizer.variables

    def check_finite(self, grads):
        """A scalar bool tensor: every gradient is free of inf and NaN."""
        flags = [ops.all(ops.isfinite(g)) for g in grads if g is not None]
        return ops.all(ops.stack(flags))

    def apply(self, grads, trainable_variables=None) -> None:
        """Unscale and apply ``grads`` if all are finite; otherwise skip the step and halve the scale."""
        grads = list(grads)
        if not self.built:
            if trainable_variables is None:
                raise ValueError(f"{self.name}.apply: pass `trainable_variables` on the first call "
                                 "(the optimizer is not built).")
            self.build(trainable_variables)
            self.built = True
        tvs = list(trainable_variables) if trainable_variables is not None else self._trainable_variables
        finite = self.check_finite(grads)
        scale = self.dynamic_scale.value
        unscaled = [g if g is None or self._overwrite_variable_with_gradient(v) else ops.divide(g, scale)
                    for g, v in zip(grads, tvs)]
        conditional_update(finite,
                           lambda: self.inner_optimizer.apply(unscaled, trainable_variables=trainable_variables),
                           lambda: None,
                           tvs + self._trainable_variables + self.inner_optimizer.variables)
        counter = self.step_counter.value
        grow = ops.logical_and(finite, ops.equal(counter, self.dynamic_growth_steps - 1))
        new_counter = ops.where(ops.logical_and(finite, ops.logical_not(grow)), ops.add(counter, 1), 0)
        factor = ops.where(finite, ops.where(grow, 2.0, 1.0), 0.5)
        self.step_counter.assign(ops.cast(new_counter, "int32"))
        self.dynamic_scale.assign(ops.multiply(scale, ops.cast(factor, "float32")))

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """Pure ``apply``: values in, ``(new_trainable_values, new_optimizer_values)`` out."""
        from lamina.backend.common.scopes import StatelessScope

        if not self.built:
            raise ValueError(f"{self.name}.stateless_apply: the optimizer must be built first.")
        own = self.variables
        mapping = list(zip(self._trainable_variables, trainable_variables)) + list(zip(own, optimizer_variables))
        with StatelessScope(mapping) as scope:
            self.apply(grads, self._trainable_variables)
        return ([scope.get_current_value(v) for v in self._trainable_variables],
                [scope.get_current_value(v) for v in own])

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        """``loss * current scale`` (``initial_scale`` before the optimizer is built)."""
        scale = self.dynamic_scale if self.built else self.initial_scale
        return ops.multiply(loss, scale)

    def finalize_variable_values(self, var_list) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self) -> dict:
        return {"name": self.name, "inner_optimizer": serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        inner = deserialize_keras_object(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)
