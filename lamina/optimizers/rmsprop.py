"""RMSprop (optionally centered, with momentum); the default optimizer of compile()."""

from __future__ import annotations

from lamina import ops
from lamina.optimizers.base_optimizer import Optimizer
from lamina.saving.serialization import builtin


@builtin("keras.optimizers")
class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a moving RMS of past gradients.

    ``v = rho v + (1 - rho) g^2``; ``w -= lr g / sqrt(v + epsilon)`` (``centered``
    subtracts the squared moving mean of ``g`` from ``v``; ``momentum`` > 0
    accumulates the increments).

    Example:
        >>> opt = lamina.optimizers.RMSprop(learning_rate=1e-3, momentum=0.9, centered=True)
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient")

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        fused = self._fused_kernel("rmsprop_update", grads, trainable_variables)
        if fused is not None:
            indices = [self._get_variable_index(v) for v in trainable_variables]
            fused(trainable_variables, grads, [self._velocities[i] for i in indices],
                  [self._average_gradients[i] for i in indices] if self.centered else None,
                  [self._momentums[i] for i in indices] if self.momentum > 0 else None,
                  learning_rate, self.rho, self.momentum, self.epsilon)
            return
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        i = self._get_variable_index(variable)
        rho = self.rho
        velocity = self._velocities[i]
        velocity.assign(ops.add(ops.multiply(rho, velocity.value), ops.multiply(1 - rho, ops.square(gradient))))
        if self.centered:
            avg = self._average_gradients[i]
            avg.assign(ops.add(ops.multiply(rho, avg.value), ops.multiply(1 - rho, gradient)))
            denominator = ops.add(ops.subtract(velocity.value, ops.square(avg.value)), self.epsilon)
        else:
            denominator = ops.add(velocity.value, self.epsilon)
        increment = ops.divide(ops.multiply(lr, gradient), ops.sqrt(denominator))
        if self.momentum > 0:
            m = self._momentums[i]
            m.assign(ops.add(ops.multiply(self.momentum, m.value), increment))
            variable.assign_sub(m.value)
        else:
            variable.assign_sub(increment)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
