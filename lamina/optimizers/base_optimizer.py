"""Optimizer: the base class of every optimizer.

Subclasses create slot variables in ``build`` and implement
``update_step(gradient, variable, learning_rate)`` with lamina.ops and
``Variable.assign``; the base handles learning-rate schedules, gradient
clipping, weight decay, gradient accumulation, EMA and constraints. Written
this way, one optimizer runs eagerly on torch and inside a jitted JAX step.
"""

from __future__ import annotations

from lamina import ops
from lamina.core.variable import Variable
from lamina.saving.serialization import builtin, serialize_keras_object


@builtin("keras.optimizers")
class Optimizer:
    """Base class. Example subclass::

        class PlainSGD(lamina.optimizers.Optimizer):
            def update_step(self, gradient, variable, learning_rate):
                variable.assign_sub(gradient * learning_rate)
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema: bool = False, ema_momentum: float = 0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name: str | None = None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"{type(self).__name__}: only one of clipnorm, clipvalue and global_clipnorm can be set.")
        if gradient_accumulation_steps is not None and int(gradient_accumulation_steps) < 2:
            raise ValueError(f"{type(self).__name__}: gradient_accumulation_steps must be >= 2, received "
                             f"{gradient_accumulation_steps}.")
        from lamina.utils.naming import auto_name, to_snake_case

        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._exclude_from_weight_decay: set = set()
        self._exclude_names: list = []
        self.built = False
        self._variables: list = []
        self._trainable_variables: list = []
        self._slot_index: dict = {}
        self.iterations = self._new_variable(0, "int32", "iteration")
        from lamina.optimizers.schedules import LearningRateSchedule

        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._schedule = learning_rate
            self._learning_rate = None
        else:
            self._schedule = None
            self._learning_rate = self._new_variable(float(learning_rate), "float32", "learning_rate")

    # ------------------------------------------------------------------ variables
    def _new_variable(self, value, dtype, name):
        v = Variable(ops.convert_to_tensor(value, dtype=dtype), dtype=dtype, trainable=False, name=name)
        v.path = f"{self.name}/{name}"
        self._variables.append(v)
        return v

    @property
    def variables(self) -> list:
        return list(self._variables)

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none", name=None) -> Variable:
        from lamina import initializers

        v = Variable(initializers.get(initializer), shape=tuple(shape), dtype=dtype or "float32",
                     trainable=False, name=name or "variable")
        v.path = f"{self.name}/{v.name}"
        self._variables.append(v)
        return v

    def add_variable_from_reference(self, reference_variable, name: str, initializer="zeros") -> Variable:
        """A slot variable shaped like ``reference_variable`` (e.g. Adam's momentum)."""
        from lamina import initializers

        slot_name = f"{reference_variable.path.replace('/', '_')}_{name}"
        v = Variable(initializers.get(initializer), shape=reference_variable.shape,
                     dtype=reference_variable._dtype, trainable=False, name=slot_name)
        v.path = f"{self.name}/{slot_name}"
        self._variables.append(v)
        return v

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable for each name, created variable by variable (Keras's file order)."""
        names = [name] if isinstance(name, str) else list(name)
        out = [[] for _ in names]
        for var in trainable_variables:
            for i, n in enumerate(names):
                out[i].append(self.add_variable_from_reference(var, n, initializer))
        return out[0] if isinstance(name, str) else tuple(out)

    def build(self, variables) -> None:
        """Create slot variables for ``variables``. Subclasses call super().build first."""
        self._trainable_variables = list(variables)
        self._slot_index = {id(v): i for i, v in enumerate(self._trainable_variables)}
        if self.gradient_accumulation_steps:
            self._accumulated = self.add_optimizer_variables(self._trainable_variables, "gradient_accumulator")
        if self.use_ema:
            self._ema_values = self.add_optimizer_variables(self._trainable_variables, "average")
        self.built = True

    def _var_index(self, variable) -> int:
        return self._slot_index[id(variable)]

    # ------------------------------------------------------------------ learning rate
    @property
    def learning_rate(self):
        return self._current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, value):
        from lamina.optimizers.schedules import LearningRateSchedule

        if isinstance(value, LearningRateSchedule) or callable(value):
            self._schedule = value
            return
        if self._learning_rate is None:
            raise TypeError(f"{self.name}: the learning rate is a schedule; it cannot be set to a number.")
        self._learning_rate.assign(float(value) if not hasattr(value, "shape") else value)

    def _current_learning_rate(self):
        if self._schedule is not None:
            return ops.cast(self._schedule(self.iterations.value), "float32")
        return self._learning_rate.value

    # ------------------------------------------------------------------ applying
    def apply_gradients(self, grads_and_vars):
        """Apply ``[(gradient, variable), ...]``."""
        grads_and_vars = list(grads_and_vars)
        self.apply([g for g, _ in grads_and_vars], [v for _, v in grads_and_vars])
        return self.iterations

    def apply(self, grads, trainable_variables=None) -> None:
        """One optimizer step: clip, decay, update each variable, count the iteration."""
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{self.name}.apply: pass trainable_variables on the first call (the optimizer is not built).")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        grads = list(grads)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"{self.name}.apply: received {len(grads)} gradients for {len(trainable_variables)} variables.")
        if not self.built:
            self.build(trainable_variables)
        pairs = [(g, v) for g, v in zip(grads, trainable_variables) if g is not None]
        grads = [g for g, _ in pairs]
        variables = [v for _, v in pairs]
        if self.loss_scale_factor is not None:
            grads = [ops.divide(g, self.loss_scale_factor) for g in grads]
        if self.gradient_accumulation_steps:
            self._apply_accumulated(grads, variables)
        else:
            self._apply_now(grads, variables)
        self.iterations.assign_add(1)

    def _apply_now(self, grads, variables):
        grads = self._clip_gradients(grads)
        learning_rate = self._current_learning_rate()
        self._apply_weight_decay(variables, learning_rate)
        for g, v in zip(grads, variables):
            self.update_step(ops.cast(g, v._dtype), v, ops.cast(learning_rate, v._dtype))
        for v in variables:
            if v.constraint is not None:
                v.assign(v.constraint(v.value))
        if self.use_ema:
            self._update_ema(variables)

    def _apply_accumulated(self, grads, variables):
        steps = self.gradient_accumulation_steps
        is_update_step = ops.equal(ops.mod(self.iterations.value + 1, steps), 0)
        accumulators = [self._accumulated[self._var_index(v)] for v in variables]
        summed = [ops.add(a.value, ops.cast(g, a._dtype)) for a, g in zip(accumulators, grads)]
        means = [ops.divide(s, steps) for s in summed]
        # Every variable and slot is written through ops.where so the step stays branch-free under jit.
        before = {id(x): x.value for x in variables + self._variables if x is not self.iterations}
        self._apply_now(means, variables)
        for x in variables + self._variables:
            if x is self.iterations or id(x) not in before:
                continue
            x.assign(ops.where(is_update_step, x.value, before[id(x)]))
        for a, s in zip(accumulators, summed):
            a.assign(ops.where(is_update_step, ops.zeros_like(s), s))

    def _clip_gradients(self, grads):
        if self.clipnorm is not None:
            out = []
            for g in grads:
                norm = ops.sqrt(ops.sum(ops.square(g)))
                out.append(ops.where(ops.greater(norm, self.clipnorm),
                                     ops.multiply(g, ops.divide(self.clipnorm, ops.maximum(norm, 1e-12))), g))
            return out
        if self.global_clipnorm is not None:
            total = ops.sqrt(ops.sum(ops.stack([ops.sum(ops.square(ops.cast(g, "float32"))) for g in grads])))
            scale = ops.divide(self.global_clipnorm, ops.maximum(total, self.global_clipnorm))
            return [ops.multiply(g, ops.cast(scale, g.dtype)) for g in grads]
        if self.clipvalue is not None:
            return [ops.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Skip weight decay for these variables (or variables whose name contains one of ``var_names``)."""
        self._exclude_from_weight_decay |= {id(v) for v in (var_list or [])}
        self._exclude_names += list(var_names or [])

    def _use_weight_decay(self, variable) -> bool:
        if id(variable) in self._exclude_from_weight_decay:
            return False
        return not any(n in variable.name for n in self._exclude_names)

    def _apply_weight_decay(self, variables, learning_rate):
        if self.weight_decay is None:
            return
        for v in variables:
            if self._use_weight_decay(v):
                lr = ops.cast(learning_rate, v._dtype)
                v.assign(ops.subtract(v.value, ops.multiply(v.value, ops.multiply(lr, self.weight_decay))))

    def _update_ema(self, variables):
        for v in variables:
            avg = self._ema_values[self._var_index(v)]
            first = ops.equal(self.iterations.value, 0)
            new = ops.add(ops.multiply(avg.value, self.ema_momentum), ops.multiply(v.value, 1 - self.ema_momentum))
            avg.assign(ops.where(first, v.value, new))

    def finalize_variable_values(self, var_list) -> None:
        """With EMA, copy the moving averages into the model's variables (called at the end of fit)."""
        if self.use_ema:
            for v in var_list:
                v.assign(self._ema_values[self._var_index(v)].value)

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError(f"{type(self).__name__} must implement update_step().")

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        if self._schedule is not None:
            lr = serialize_keras_object(self._schedule)
        else:
            lr = float(self._learning_rate.numpy())
        return {
            "name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
            "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            from lamina.saving.serialization import deserialize_keras_object

            config["learning_rate"] = deserialize_keras_object(config["learning_rate"], custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
