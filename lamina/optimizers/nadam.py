"""Nadam: Adam with Nesterov momentum."""

from __future__ import annotations

from lamina import config as _config
from lamina import ops
from lamina.core.variable import Variable
from lamina.optimizers.base_optimizer import Optimizer
from lamina.saving.serialization import builtin


@builtin("keras.optimizers")
class Nadam(Optimizer):
    """Nadam, with Keras's momentum schedule ``u_t = beta_1 (1 - 0.5 * 0.96^t)``.

    Example:
        >>> opt = lamina.optimizers.Nadam(learning_rate=2e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        var_list = list(var_list)
        dtype = var_list[0].dtype if var_list else _config.floatx()
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])
        u_product = Variable(ops.convert_to_tensor(1.0, dtype=dtype), dtype=dtype, trainable=False,
                             name="variable")
        u_product.path = f"{self.name}/variable"
        self._u_product = self._track_variable(u_product)

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        dtype = self._u_product.dtype
        decay = ops.subtract(1.0, ops.multiply(0.5, ops.power(0.96, ops.cast(ops.add(self.iterations, 1), dtype))))
        self._u_product.assign(ops.multiply(ops.multiply(self._u_product.value, self.beta_1), decay))
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        local_step = ops.cast(ops.add(self.iterations, 1), dtype)
        next_step = ops.cast(ops.add(self.iterations, 2), dtype)
        decay = ops.cast(0.96, dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        u_t = ops.multiply(beta_1, ops.subtract(1.0, ops.multiply(0.5, ops.power(decay, local_step))))
        u_t_1 = ops.multiply(beta_1, ops.subtract(1.0, ops.multiply(0.5, ops.power(decay, next_step))))
        u_product_t = ops.cast(self._u_product.value, dtype)
        u_product_t_1 = ops.multiply(u_product_t, u_t_1)
        beta_2_power = ops.power(beta_2, local_step)
        i = self._get_variable_index(variable)
        m, v = self._momentums[i], self._velocities[i]
        m.assign_add(ops.multiply(ops.subtract(gradient, m.value), ops.subtract(1, beta_1)))
        v.assign_add(ops.multiply(ops.subtract(ops.square(gradient), v.value), ops.subtract(1, beta_2)))
        m_hat = ops.add(ops.divide(ops.multiply(u_t_1, m.value), ops.subtract(1, u_product_t_1)),
                        ops.divide(ops.multiply(ops.subtract(1, u_t), gradient), ops.subtract(1, u_product_t)))
        v_hat = ops.divide(v.value, ops.subtract(1, beta_2_power))
        variable.assign_sub(ops.divide(ops.multiply(m_hat, lr), ops.add(ops.sqrt(v_hat), self.epsilon)))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
