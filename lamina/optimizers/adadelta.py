"""Adadelta: adaptive rates from moving windows of gradients and updates."""

from __future__ import annotations

from lamina import ops
from lamina.optimizers.base_optimizer import Optimizer
from lamina.saving.serialization import builtin


@builtin("keras.optimizers")
class Adadelta(Optimizer):
    """Adadelta: ``delta = -sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g``; ``w += lr * delta``.

    Example:
        >>> opt = lamina.optimizers.Adadelta(learning_rate=1.0, rho=0.95)
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, grad, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        grad = ops.cast(grad, dtype)
        rho = self.rho
        i = self._get_variable_index(variable)
        acc_grad, acc_delta = self._accumulated_grads[i], self._accumulated_delta_vars[i]

        def rms(x):
            return ops.sqrt(ops.add(x, self.epsilon))

        acc_grad.assign(ops.add(ops.multiply(rho, acc_grad.value), ops.multiply(1 - rho, ops.square(grad))))
        delta = ops.negative(ops.divide(ops.multiply(rms(acc_delta.value), grad), rms(acc_grad.value)))
        acc_delta.assign(ops.add(ops.multiply(rho, acc_delta.value), ops.multiply(1 - rho, ops.square(delta))))
        variable.assign_add(ops.multiply(lr, delta))

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
