"""ScheduleFreeAdamW: AdamW without a learning-rate schedule (Defazio et al., 2024)."""

from __future__ import annotations

from lamina import ops
from lamina.optimizers.base_optimizer import Optimizer
from lamina.saving.serialization import builtin


@builtin("keras.optimizers")
class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW: the weights hold the interpolation ``y`` of the iterate ``z`` (the
    ``momentum`` slot, starting at the weights) and its running average ``x``.

    Example:
        >>> opt = lamina.optimizers.ScheduleFreeAdamW(learning_rate=2.5e-3, warmup_steps=100)
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def build(self, var_list):
        if self.built:
            return
        var_list = list(var_list)
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])
        for momentum, var in zip(self._momentums, var_list):
            if momentum is not None:
                momentum.assign(ops.copy(var.value))

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        local_step = ops.cast(ops.add(self.iterations, 1), dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        epsilon = ops.cast(self.epsilon, dtype)
        if self.warmup_steps > 0:
            warmup = ops.minimum(ops.divide(local_step, ops.cast(self.warmup_steps, dtype)), 1.0)
            lr = ops.multiply(lr, warmup)
        i = self._get_variable_index(variable)
        momentum, velocity = self._momentums[i], self._velocities[i]
        z_old = momentum.value
        y_old = variable.value
        bias_correction_2 = ops.subtract(1, ops.power(beta_2, local_step))
        velocity.assign_add(ops.multiply(ops.subtract(ops.square(gradient), velocity.value), ops.subtract(1, beta_2)))
        denom = ops.add(ops.sqrt(ops.divide(velocity.value, bias_correction_2)), epsilon)
        z_new = ops.subtract(z_old, ops.divide(ops.multiply(lr, gradient), denom))
        weight = ops.divide(1.0, local_step)
        x_old = ops.divide(ops.subtract(y_old, ops.multiply(ops.subtract(1, beta_1), z_old)), beta_1)
        x_new = ops.add(ops.multiply(ops.subtract(1, weight), x_old), ops.multiply(weight, z_new))
        y_new = ops.add(ops.multiply(ops.subtract(1, beta_1), z_new), ops.multiply(beta_1, x_new))
        momentum.assign(z_new)
        variable.assign(y_new)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config
