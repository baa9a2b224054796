"""Muon: momentum orthogonalized by Newton-Schulz iterations, with AdamW for the other variables."""

from __future__ import annotations

import re

from lamina import ops
from lamina.optimizers.base_optimizer import Optimizer
from lamina.saving.serialization import builtin


@builtin("keras.optimizers")
class Muon(Optimizer):
    """Muon for 2-D weights; AdamW for the rest (non-2-D variables, embeddings, ``exclude_layers``).

    A Muon step keeps a momentum ``m = momentum * m + g``, orthogonalizes
    ``g + momentum * m`` (Nesterov) or ``m`` with ``ns_steps`` quintic
    Newton-Schulz iterations (coefficients ``muon_a, muon_b, muon_c``) and
    subtracts ``lr * update * sqrt(max(rows, cols)) * rms_rate``.

    Example:
        >>> opt = lamina.optimizers.Muon(learning_rate=0.02, exclude_layers=["head"])
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-7, weight_decay=0.004, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None, exclude_embeddings=True,
                 muon_a=3.4445, muon_b=-4.775, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5,
                 nesterov=True, rms_rate=0.2, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable) -> bool:
        if len(variable.shape) != 2:
            return True
        path = getattr(variable, "path", variable.name)
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def build(self, var_list):
        if self.built:
            return
        var_list = list(var_list)
        super().build(var_list)
        self.momentums = [None] * len(var_list)
        self.adam_velocities = [None] * len(var_list)
        for var in var_list:
            if self._overwrite_variable_with_gradient(var):
                continue
            i = self._get_variable_index(var)
            self.momentums[i] = self.add_variable_from_reference(var, name="momentum")
            if self._should_use_adamw(var):
                self.adam_velocities[i] = self.add_variable_from_reference(var, name="velocity")

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        m, v = self.momentums[i], self.adam_velocities[i]
        if v is not None:
            self._adamw_update_step(gradient, variable, ops.multiply(learning_rate, self.adam_lr_ratio), m, v)
        else:
            self._muon_update_step(gradient, variable, learning_rate, m)

    def _muon_update_step(self, gradient, variable, lr, m):
        m.assign_add(ops.add(gradient, ops.multiply(m.value, self.momentum - 1)))
        g = ops.add(gradient, ops.multiply(self.momentum, m.value)) if self.nesterov else m.value
        update = self.zeropower_via_newtonschulz5(g, self.ns_steps)
        variable.assign_sub(self.lr_adjust(ops.multiply(lr, update)))

    def _adamw_update_step(self, gradient, variable, learning_rate, m, v):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        local_step = ops.cast(ops.add(self.iterations, 1), dtype)
        beta_1_power = ops.power(ops.cast(self.adam_beta_1, dtype), local_step)
        beta_2_power = ops.power(ops.cast(self.adam_beta_2, dtype), local_step)
        alpha = ops.divide(ops.multiply(lr, ops.sqrt(ops.subtract(1, beta_2_power))), ops.subtract(1, beta_1_power))
        m.assign_add(ops.multiply(ops.subtract(gradient, m.value), 1 - self.adam_beta_1))
        v.assign_add(ops.multiply(ops.subtract(ops.square(gradient), v.value), 1 - self.adam_beta_2))
        variable.assign_sub(ops.divide(ops.multiply(m.value, alpha), ops.add(ops.sqrt(v.value), self.epsilon)))

    def transpose_last_axis(self, x):
        """Swap the last two axes."""
        order = list(range(len(ops.shape(x))))
        order[-2], order[-1] = order[-1], order[-2]
        return ops.transpose(x, order)

    def lr_adjust(self, x):
        """Scale the update so its RMS matches AdamW's (``sqrt(max(rows, cols)) * rms_rate``)."""
        if self.rms_rate is None:
            return x
        shape = ops.shape(x)
        return ops.multiply(ops.multiply(x, ops.sqrt(ops.maximum(shape[0], shape[1]))), self.rms_rate)

    def zeropower_via_newtonschulz5(self, x, steps: int):
        """Approximately orthogonalize ``x`` (rank >= 2) with quintic Newton-Schulz iterations."""
        shape = ops.shape(x)
        if len(shape) < 2:
            raise ValueError(f"Muon: expected the gradient or momentum to have at least 2 dimensions. "
                             f"Received: shape={shape}")
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        tall = shape[-2] > shape[-1]
        if tall:
            x = self.transpose_last_axis(x)
        x = ops.divide(x, ops.add(ops.norm(x, axis=(-2, -1), keepdims=True), 1e-7))
        for _ in range(steps):
            gram = ops.matmul(x, self.transpose_last_axis(x))
            poly = ops.add(ops.multiply(b, gram), ops.matmul(ops.multiply(c, gram), gram))
            x = ops.add(ops.multiply(a, x), ops.matmul(poly, x))
        if tall:
            x = self.transpose_last_axis(x)
        return x

    def _apply_weight_decay(self, variables):
        for variable in variables:
            if not self._use_weight_decay(variable):
                continue
            wd_value = self.adam_weight_decay if self._should_use_adamw(variable) else self.weight_decay
            if wd_value is None:
                continue
            wd = ops.cast(wd_value, variable.dtype)
            lr = ops.cast(self.learning_rate, variable.dtype)
            value = variable.value
            variable.assign(ops.subtract(value, ops.multiply(ops.multiply(value, wd), lr)))

    def get_config(self):
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2, "epsilon": self.epsilon,
            "exclude_layers": self.exclude_layers, "muon_a": self.muon_a, "muon_b": self.muon_b,
            "muon_c": self.muon_c, "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
            "ns_steps": self.ns_steps, "nesterov": self.nesterov, "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate,
        })
        return config
