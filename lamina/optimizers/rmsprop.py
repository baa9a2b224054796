"""RMSprop (optionally centered, with momentum); the default optimizer of compile()."""

from __future__ import annotations

from lamina import ops
from lamina.optimizers.base_optimizer import Optimizer
from lamina.saving.serialization import builtin


@builtin("keras.optimizers")
class RMSprop(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, variables):
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = self.add_optimizer_variables(variables, "momentum") if self.momentum > 0 else []
        self._average_gradients = self.add_optimizer_variables(variables, "average_gradient") if self.centered else []

    def update_step(self, gradient, variable, learning_rate):
        i = self._var_index(variable)
        velocity = self._velocities[i]
        velocity.assign(ops.add(ops.multiply(velocity.value, self.rho), ops.multiply(ops.square(gradient), 1 - self.rho)))
        if self.centered:
            avg = self._average_gradients[i]
            avg.assign(ops.add(ops.multiply(avg.value, self.rho), ops.multiply(gradient, 1 - self.rho)))
            denominator = ops.add(ops.subtract(velocity.value, ops.square(avg.value)), self.epsilon)
        else:
            denominator = ops.add(velocity.value, self.epsilon)
        increment = ops.divide(ops.multiply(learning_rate, gradient), ops.sqrt(denominator))
        if self.momentum > 0:
            m = self._momentums[i]
            m.assign(ops.add(ops.multiply(m.value, self.momentum), increment))
            variable.assign_sub(m.value)
        else:
            variable.assign_sub(increment)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon, "centered": self.centered})
        return config
