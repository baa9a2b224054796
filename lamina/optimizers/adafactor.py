"""Adafactor: memory-efficient adaptive rates from factored second moments."""

from __future__ import annotations

from lamina import ops
from lamina.core.variable import Variable
from lamina.optimizers.base_optimizer import Optimizer
from lamina.saving.serialization import builtin


@builtin("keras.optimizers")
class Adafactor(Optimizer):
    """Adafactor: the second moment of a matrix is kept as row and column means.

    For each variable of rank >= 2 it holds a row (``shape[:-1]``) and column
    (``shape[:-2] + shape[-1:]``) accumulator; lower-rank variables get two
    int32 placeholders, as Keras creates (so weight files line up).

    Example:
        >>> opt = lamina.optimizers.Adafactor(learning_rate=1e-2)
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._r, self._c, self._v = [], [], []
        for var in var_list:
            shape = tuple(var.shape)
            if len(shape) < 2:
                for slots in (self._r, self._c):
                    placeholder = Variable(ops.convert_to_tensor(0, dtype="int32"), dtype="int32",
                                           trainable=False, name=var.name)
                    placeholder.path = f"{self.name}/{var.name}"
                    slots.append(self._track_variable(placeholder))
            elif self._overwrite_variable_with_gradient(var):
                self._r.append(None)
                self._c.append(None)
            else:
                self._r.append(self.add_variable(shape=shape[:-1], dtype=var.dtype, name=var.name))
                self._c.append(self.add_variable(shape=shape[:-2] + shape[-1:], dtype=var.dtype, name=var.name))
            if self._overwrite_variable_with_gradient(var):
                self._v.append(None)
            else:
                self._v.append(self.add_variable_from_reference(var, name="velocity"))

    def _rms(self, x):
        return ops.sqrt(ops.mean(ops.square(x)))

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        epsilon_2 = ops.cast(self.epsilon_2, dtype)
        one = ops.cast(1.0, dtype)
        local_step = ops.cast(ops.add(self.iterations, 1), dtype)
        inv_sqrt_step = ops.divide(1, ops.sqrt(local_step))
        if isinstance(self._learning_rate, Variable) and self.relative_step:
            lr = ops.minimum(lr, inv_sqrt_step)
        i = self._get_variable_index(variable)
        r, c, v = self._r[i], self._c[i], self._v[i]
        rho_t = ops.minimum(lr, inv_sqrt_step)
        alpha_t = ops.multiply(ops.maximum(epsilon_2, self._rms(variable.value)), rho_t)
        regulated_grad_square = ops.add(ops.square(gradient), self.epsilon_1)
        beta_2_t = ops.subtract(1, ops.power(local_step, self.beta_2_decay))
        if len(variable.shape) >= 2:
            r.assign(ops.add(ops.multiply(beta_2_t, r.value),
                             ops.multiply(ops.subtract(1, beta_2_t), ops.mean(regulated_grad_square, axis=-1))))
            c.assign(ops.add(ops.multiply(beta_2_t, c.value),
                             ops.multiply(ops.subtract(1, beta_2_t), ops.mean(regulated_grad_square, axis=-2))))
            row = ops.divide(r.value, ops.mean(r.value, axis=-1, keepdims=True))
            v.assign(ops.multiply(ops.expand_dims(row, axis=-1), ops.expand_dims(c.value, -2)))
        else:
            v.assign(ops.add(ops.multiply(beta_2_t, v.value),
                             ops.multiply(ops.subtract(1, beta_2_t), regulated_grad_square)))
        u_t = ops.divide(gradient, ops.sqrt(v.value))
        u_t_hat = ops.divide(u_t, ops.maximum(one, ops.divide(self._rms(u_t), self.clip_threshold)))
        variable.assign_sub(ops.multiply(alpha_t, u_t_hat))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config
