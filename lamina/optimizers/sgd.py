"""SGD: gradient descent with optional (Nesterov) momentum."""

from __future__ import annotations

import numbers

from lamina import ops
from lamina.optimizers.base_optimizer import Optimizer
from lamina.saving.serialization import builtin


@builtin("keras.optimizers")
class SGD(Optimizer):
    """Gradient descent (with momentum).

    ``velocity = momentum * velocity - lr * g``; ``w += velocity`` (or, with
    ``nesterov``, ``w += momentum * velocity - lr * g``); plain ``w -= lr * g``
    when ``momentum`` is 0.

    Example:
        >>> opt = lamina.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0 <= momentum <= 1:
            raise ValueError(f"SGD: `momentum` must be a float between [0, 1]. Received: momentum={momentum!r}")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        fused = self._fused_kernel("sgd_update", grads, trainable_variables)
        if fused is not None:
            momentums = None
            if self.momentum != 0:
                momentums = [self.momentums[self._get_variable_index(v)] for v in trainable_variables]
            fused(trainable_variables, grads, momentums, learning_rate, self.momentum, self.nesterov)
            return
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.multiply(gradient, lr)
        if self.momentum == 0:
            variable.assign_sub(step)
            return
        m = self.momentums[self._get_variable_index(variable)]
        momentum = ops.cast(self.momentum, dtype)
        new_m = ops.subtract(ops.multiply(m.value, momentum), step)
        m.assign(new_m)
        if self.nesterov:
            variable.assign_add(ops.subtract(ops.multiply(new_m, momentum), step))
        else:
            variable.assign_add(new_m)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
