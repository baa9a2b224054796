"""Ftrl: follow-the-regularized-leader, for large sparse linear models."""

from __future__ import annotations

from lamina import initializers, ops
from lamina.optimizers.base_optimizer import Optimizer
from lamina.saving.serialization import builtin


@builtin("keras.optimizers")
class Ftrl(Optimizer):
    """FTRL-Proximal with L1, L2 and L2-shrinkage regularization (Keras's formulation).

    Example:
        >>> opt = lamina.optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        checks = [("initial_accumulator_value", initial_accumulator_value, "positive or zero", initial_accumulator_value < 0.0),
                  ("learning_rate_power", learning_rate_power, "negative or zero", learning_rate_power > 0.0),
                  ("l1_regularization_strength", l1_regularization_strength, "positive or zero",
                   l1_regularization_strength < 0.0),
                  ("l2_regularization_strength", l2_regularization_strength, "positive or zero",
                   l2_regularization_strength < 0.0),
                  ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
                   "positive or zero", l2_shrinkage_regularization_strength < 0.0)]
        for arg, value, expected, bad in checks:
            if bad:
                raise ValueError(f"Ftrl: `{arg}` needs to be {expected}. Received: {arg}={value}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"],
            initializer=[initializers.Constant(self.initial_accumulator_value), "zeros"])

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        i = self._get_variable_index(variable)
        accum, linear = self._accumulators[i], self._linears[i]
        power = -self.learning_rate_power
        l2_reg = ops.add(self.l2_regularization_strength, ops.divide(self.beta, ops.multiply(2.0, lr)))
        w = variable.value
        accum_old = accum.value
        grad_to_use = ops.add(gradient, ops.multiply(2 * self.l2_shrinkage_regularization_strength, w))
        new_accum = ops.add(accum_old, ops.square(gradient))
        sigma = ops.divide(ops.subtract(ops.power(new_accum, power), ops.power(accum_old, power)), lr)
        linear.assign_add(ops.subtract(grad_to_use, ops.multiply(sigma, w)))
        quadratic = ops.add(ops.divide(ops.power(new_accum, power), lr), ops.multiply(2, l2_reg))
        l1 = self.l1_regularization_strength
        linear_clipped = ops.clip(linear.value, -l1, l1)
        variable.assign(ops.divide(ops.subtract(linear_clipped, linear.value), quadratic))
        accum.assign(new_accum)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
