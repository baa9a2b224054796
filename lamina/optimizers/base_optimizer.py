"""Optimizer: the base class of every optimizer (Keras 3's ``keras.optimizers.Optimizer``).

Subclasses create slot variables in ``build`` and implement
``update_step(gradient, variable, learning_rate)`` with lamina.ops and
``Variable.assign``; the base handles the learning rate (a float held in a
variable, a schedule or a callable), the iteration counter, gradient clipping,
weight decay, gradient accumulation, EMA of the weights and constraints.

Everything a step does is ordinary code over lamina.ops, with no Python state
that changes per step and no branching on tensor values while traced, so one
optimizer runs eagerly on torch and inside a jitted JAX step (where variables
are read and written through a ``StatelessScope``).

The variables follow Keras's order (the one its weight files use):
``iteration``, ``learning_rate`` (unless a schedule), then the EMA averages,
then the gradient accumulators, then the optimizer's own slots, created
variable by variable.
"""

from __future__ import annotations

import numbers
import re
import warnings

from lamina import ops
from lamina.backend import impl as B
from lamina.backend.common import scopes
from lamina.core.variable import Variable
from lamina.saving.serialization import builtin, serialize_keras_object


def conditional_update(pred, true_fn, false_fn, variables) -> None:
    """Run ``true_fn()`` if ``pred`` else ``false_fn()``; both only assign to ``variables``.

    Eagerly (no ``StatelessScope`` active) this is a Python branch on the
    concrete predicate. Inside a stateless scope (a traced JAX step) both
    branches run and every variable either touched is set with ``ops.where``,
    so the step stays free of data-dependent Python control flow.
    """
    if scopes.current_stateless_scope() is None:
        (true_fn if bool(ops.convert_to_numpy(pred)) else false_fn)()
        return
    variables = _unique(variables)
    before = [v.value for v in variables]
    true_fn()
    after_true = [v.value for v in variables]
    for v, b, t in zip(variables, before, after_true):
        if t is not b:
            v.assign(b)
    false_fn()
    for v, t in zip(variables, after_true):
        f = v.value
        if t is not f:
            v.assign(ops.where(pred, t, f))


def _unique(variables) -> list:
    seen, out = set(), []
    for v in variables:
        if v is not None and id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


@builtin("keras.optimizers")
class Optimizer:
    """Base class of optimizers: subclass it with ``build`` and ``update_step``.

    Args:
        learning_rate: a float, a ``LearningRateSchedule``, or a callable taking
            no argument and returning the learning rate.
        weight_decay: if set, each step first does ``w -= w * weight_decay * lr``.
        clipnorm / clipvalue / global_clipnorm: gradient clipping (at most one).
        use_ema, ema_momentum, ema_overwrite_frequency: moving average of the weights.
        loss_scale_factor: ``scale_loss`` multiplies the loss by it and the
            gradients are divided by it.
        gradient_accumulation_steps: update every N steps with the mean gradient.
        name: the optimizer's name (prefix of its variables' paths).

    Example::

        class PlainSGD(lamina.optimizers.Optimizer):
            def __init__(self, learning_rate=0.01, **kwargs):
                super().__init__(learning_rate=learning_rate, **kwargs)

            def update_step(self, gradient, variable, learning_rate):
                lr = ops.cast(learning_rate, variable.dtype)
                variable.assign_sub(ops.multiply(ops.cast(gradient, variable.dtype), lr))
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name: str | None = None, **kwargs):
        cls_name = type(self).__name__
        if kwargs.pop("decay", None) is not None:
            warnings.warn(f"{cls_name}: argument `decay` is no longer supported and is ignored.")
        if kwargs:
            raise ValueError(f"{cls_name}: argument(s) not recognized: {kwargs}")
        if gradient_accumulation_steps:
            if not isinstance(gradient_accumulation_steps, numbers.Integral) or gradient_accumulation_steps < 2:
                raise ValueError(f"{cls_name}: `gradient_accumulation_steps` must be an integer >= 2. "
                                 f"Received: gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(f"{cls_name}: `ema_momentum` must be in the range [0, 1]. "
                                 f"Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, numbers.Integral)
                                            or ema_overwrite_frequency < 1):
                raise ValueError(f"{cls_name}: `ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"{cls_name}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                             f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        from lamina.utils.naming import auto_name

        self.name = name if name is not None else auto_name(cls_name)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables: list = []
        self._trainable_variables: list = []
        self._trainable_variables_indices: dict = {}
        self._exclude_from_weight_decay: set = set()
        self._exclude_from_weight_decay_pattern = None
        self._exclude_from_weight_decay_cache: dict = {}
        self._iterations = self._make_variable(0, "int32", "iteration", aggregation="only_first_replica")
        self._learning_rate = self._resolve_learning_rate(learning_rate)

    def _resolve_learning_rate(self, learning_rate):
        from lamina import config
        from lamina.optimizers.schedules import LearningRateSchedule

        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            return learning_rate
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
            raise ValueError(
                f"{type(self).__name__}: `learning_rate` should be a float, a LearningRateSchedule or a "
                f"callable taking no argument. Received: learning_rate={learning_rate!r}")
        return self._make_variable(float(learning_rate), config.floatx(), "learning_rate",
                                   aggregation="only_first_replica")

    # ------------------------------------------------------------------ variables
    def _make_variable(self, value, dtype, name, aggregation="none"):
        v = Variable(ops.convert_to_tensor(value, dtype=dtype), dtype=dtype, trainable=False,
                     aggregation=aggregation, name=name)
        v.path = f"{self.name}/{name}"
        return self._track_variable(v)

    def _track_variable(self, variable):
        self._variables.append(variable)
        return variable

    def _untrack_variable(self, variable):
        self._variables = [v for v in self._variables if v is not variable]

    @property
    def variables(self) -> list:
        """All the optimizer's variables, in Keras's order (iteration, learning_rate, ..., slots)."""
        return self._variables[:]

    @property
    def iterations(self):
        """The step count: the ``iteration`` variable, or ``iteration // steps`` with gradient accumulation."""
        if self.gradient_accumulation_steps:
            return ops.floor_divide(self._iterations, self.gradient_accumulation_steps)
        return self._iterations

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none", layout=None,
                     name=None) -> Variable:
        """A new optimizer variable of ``shape`` (dtype defaults to floatx)."""
        from lamina import config, initializers

        name = name or "variable"
        v = Variable(initializers.get(initializer), shape=tuple(shape), dtype=dtype or config.floatx(),
                     trainable=False, aggregation=aggregation, name=name)
        v.path = f"{self.name}/{name}"
        return self._track_variable(v)

    def add_variable_from_reference(self, reference_variable, name: str | None = None,
                                    initializer="zeros") -> Variable:
        """A slot shaped like ``reference_variable``, named ``{its path with '_' for '/'}_{name}``."""
        name = name or "var"
        if hasattr(reference_variable, "path"):
            name = f"{reference_variable.path.replace('/', '_')}_{name}"
        else:
            name = f"{str(reference_variable.name).replace('/', '_').replace(':', '_')}_{name}"
        dtype = getattr(reference_variable, "_dtype", None) or reference_variable.dtype
        return self.add_variable(shape=reference_variable.shape, initializer=initializer, dtype=dtype, name=name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable for each name, interleaved variable by variable (Keras's file order).

        Returns a list (one name) or a tuple of lists (several names); a
        variable with ``overwrite_with_gradient`` gets ``None`` slots.
        """
        from lamina import initializers

        if isinstance(name, str):
            names, inits = [name], [initializer]
        else:
            names = list(name)
            single = isinstance(initializer, str) or isinstance(initializer, initializers.Initializer)
            inits = [initializer] * len(names) if single else list(initializer)
        if len(names) != len(inits):
            raise ValueError(f"{self.name}.add_optimizer_variables: the number of names must match the number of "
                             f"initializers. Received name={name!r}, initializer={initializer!r}")
        out = tuple([] for _ in names)
        for var in trainable_variables:
            skip = self._overwrite_variable_with_gradient(var)
            for i, (n, init) in enumerate(zip(names, inits)):
                out[i].append(None if skip else self.add_variable_from_reference(var, name=n, initializer=init))
        return out[0] if isinstance(name, str) else out

    def build(self, variables) -> None:
        """Create the optimizer's variables for ``variables``. Subclasses call ``super().build`` first."""
        variables = list(variables)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = []
        for i, variable in enumerate(variables):
            self._trainable_variables_indices[self._var_key(variable)] = i
            if self.gradient_accumulation_steps:
                self._accumulated_gradients.append(
                    self.add_variable_from_reference(variable, name="gradient_accumulator"))
        self._trainable_variables = variables[:]
        self.built = True

    def _var_key(self, variable):
        return id(variable)

    def _get_variable_index(self, variable) -> int:
        return self._trainable_variables_indices[self._var_key(variable)]

    _var_index = _get_variable_index

    def _overwrite_variable_with_gradient(self, variable) -> bool:
        return getattr(variable, "overwrite_with_gradient", False)

    def _check_variables_are_known(self, variables):
        for v in variables:
            if self._var_key(v) not in self._trainable_variables_indices:
                raise ValueError(
                    f"{self.name}: unknown variable {getattr(v, 'path', v)!r}. This optimizer can only be "
                    "called for the variables it was built with; create a new optimizer for new variables.")

    def assign(self, variable, value):
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        variable.assign_sub(value)

    # ------------------------------------------------------------------ learning rate
    @property
    def learning_rate(self):
        """The current learning rate: the variable, or the schedule's value at this iteration."""
        return self._get_current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        from lamina.optimizers.schedules import LearningRateSchedule

        previous = self._learning_rate if isinstance(self._learning_rate, Variable) else None
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            if isinstance(self._learning_rate, LearningRateSchedule):
                raise TypeError(
                    f"{self.name}: this optimizer was created with a LearningRateSchedule as its "
                    "`learning_rate`, so the learning rate cannot be set; create it with a float "
                    "`learning_rate` to be able to set it.")
            if not isinstance(self._learning_rate, Variable):
                self._learning_rate = self._resolve_learning_rate(learning_rate)
            else:
                self._learning_rate.assign(learning_rate)
        if previous is not None and not isinstance(self._learning_rate, Variable):
            self._untrack_variable(previous)

    def _get_current_learning_rate(self):
        from lamina.optimizers.schedules import LearningRateSchedule

        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            return lr(self._iterations)
        if isinstance(lr, Variable):
            return lr
        if callable(lr):
            return lr()
        return lr

    # ------------------------------------------------------------------ applying
    def apply_gradients(self, grads_and_vars):
        """Apply ``[(gradient, variable), ...]``; returns the iteration variable."""
        grads, variables = zip(*list(grads_and_vars))
        self.apply(list(grads), list(variables))
        return self._iterations

    def apply(self, grads, trainable_variables=None) -> None:
        """One optimizer step: clip, decay, update each variable, EMA, constraints, count the iteration.

        ``trainable_variables`` may be omitted once the optimizer is built; the
        first call builds it.
        """
        grads = list(grads)
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{self.name}.apply: when `trainable_variables` is omitted the optimizer must "
                                 "already be built; call `optimizer.build(trainable_variables)` first.")
            if len(grads) != len(self._trainable_variables_indices):
                raise ValueError(f"{self.name}.apply: received {len(grads)} gradients but the optimizer tracks "
                                 f"{len(self._trainable_variables)} trainable variables.")
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if len(grads) != len(trainable_variables):
                raise ValueError(f"{self.name}.apply: received {len(grads)} gradients for "
                                 f"{len(trainable_variables)} variables.")
            if not self.built:
                self.build(trainable_variables)
                self.built = True
            self._check_variables_are_known(trainable_variables)
        grads, trainable_variables = self._filter_empty_gradients(grads, trainable_variables)
        grads, trainable_variables = self._overwrite_variables_directly_with_gradients(grads, trainable_variables)
        if grads:
            scale = self.loss_scale_factor
            if scale is not None:
                grads = [ops.divide(g, scale) for g in grads]
            self._backend_apply_gradients(grads, trainable_variables)
            for variable in trainable_variables:
                if variable.constraint is not None:
                    variable.assign(variable.constraint(variable.value))
        self._iterations.assign_add(1)

    def _backend_apply_gradients(self, grads, trainable_variables):
        if self.gradient_accumulation_steps:
            steps = self.gradient_accumulation_steps
            is_update_step = ops.equal(ops.mod(ops.add(self._iterations, 1), steps), 0)
            acc_grads = [self._accumulated_gradients[self._get_variable_index(v)] for v in trainable_variables]

            def update():
                mean_grads = [ops.divide(ops.add(g, a.value), steps) for g, a in zip(grads, acc_grads)]
                mean_grads = self._clip_gradients(mean_grads)
                self._apply_weight_decay(trainable_variables)
                self._backend_update_step(mean_grads, trainable_variables, self.learning_rate)
                for a in self._accumulated_gradients:
                    if a is not None:
                        a.assign(ops.zeros(a.shape, dtype=a.dtype))

            def increment():
                for g, a in zip(grads, acc_grads):
                    a.assign(ops.add(g, a.value))

            conditional_update(is_update_step, update, increment,
                               list(trainable_variables) + self._trainable_variables + self.variables)
        else:
            grads = self._clip_gradients(grads)
            self._apply_weight_decay(trainable_variables)
            self._backend_update_step(grads, trainable_variables, self.learning_rate)
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
            if self.ema_overwrite_frequency:
                should_overwrite = ops.equal(
                    ops.mod(ops.add(self.iterations, 1), self.ema_overwrite_frequency), 0)
                conditional_update(
                    should_overwrite,
                    lambda: self._overwrite_model_variables_with_average_value(self._trainable_variables),
                    lambda: None, self._trainable_variables)

    def _fused_kernel(self, name: str, grads, variables):
        """The backend's fused update ``name`` (torch: ``torch._foreach_*`` kernels over all variables at
        once) where it applies to this step — eager, one float dtype, every gradient present — else None.
        The per-variable ``update_step`` stays the reference (and what runs traced)."""
        fused = getattr(getattr(B, "optimizers", None), name, None)
        if fused is None or not can_fuse(grads, variables):
            return None
        return fused

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        for grad, var in zip(grads, trainable_variables):
            self.update_step(grad, var, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        """Update ``variable`` (and its slots) from ``gradient``; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_step().")

    def _filter_empty_gradients(self, grads, variables):
        kept_g, kept_v, missing = [], [], []
        for g, v in zip(grads, variables):
            if g is None:
                missing.append(getattr(v, "path", getattr(v, "name", repr(v))))
            else:
                kept_g.append(g)
                kept_v.append(v)
        if not kept_g:
            raise ValueError(f"{self.name}: no gradients provided for any variable.")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
                          "`model.compile()`, did you forget to provide a `loss` argument?")
        return kept_g, kept_v

    def _overwrite_variables_directly_with_gradients(self, grads, variables):
        """Variables with ``overwrite_with_gradient`` take their gradient as new value (float8 scales)."""
        if not any(self._overwrite_variable_with_gradient(v) for v in variables):
            return grads, variables
        kept_g, kept_v = [], []
        for g, v in zip(grads, variables):
            if not self._overwrite_variable_with_gradient(v):
                kept_g.append(g)
                kept_v.append(v)
                continue
            if self.gradient_accumulation_steps:
                is_update_step = ops.equal(ops.mod(ops.add(self._iterations, 1),
                                                   self.gradient_accumulation_steps), 0)
                acc = self._accumulated_gradients[self._get_variable_index(v)]
                running_max = ops.maximum(g, acc.value)
                new_acc = ops.where(is_update_step, ops.zeros_like(running_max), running_max)
                v.assign(ops.where(is_update_step, running_max, v.value))
                acc.assign(new_acc)
            else:
                v.assign(g)
        return kept_g, kept_v

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [self._clip_by_norm(g) if g is not None else g for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            c = self.clipvalue
            return [ops.clip(g, -c, c) if g is not None else g for g in grads]
        return grads

    def _clip_by_norm(self, values):
        l2sum = ops.sum(ops.square(values), keepdims=True)
        positive = ops.greater(l2sum, 0)
        safe = ops.where(positive, l2sum, ops.ones_like(l2sum))
        l2norm = ops.where(positive, ops.sqrt(safe), l2sum)
        return ops.divide(ops.multiply(values, self.clipnorm), ops.maximum(l2norm, self.clipnorm))

    # ------------------------------------------------------------------ weight decay
    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Skip weight decay for ``var_list`` and for variables whose name matches one of ``var_names``.

        Example:
            >>> opt = lamina.optimizers.AdamW()
            >>> opt.exclude_from_weight_decay(var_names=["bias", "gamma"])
        """
        self._exclude_from_weight_decay = {self._var_key(v) for v in var_list} if var_list else set()
        if var_names:
            self._exclude_from_weight_decay_pattern = re.compile("|".join(set(var_names)))
        else:
            self._exclude_from_weight_decay_pattern = None
        self._exclude_from_weight_decay_cache = {}

    def _use_weight_decay(self, variable) -> bool:
        key = self._var_key(variable)
        cached = self._exclude_from_weight_decay_cache.get(key)
        if cached is not None:
            return cached
        use = key not in self._exclude_from_weight_decay
        pattern = self._exclude_from_weight_decay_pattern
        if use and pattern is not None and re.search(pattern, variable.name) is not None:
            use = False
        self._exclude_from_weight_decay_cache[key] = use
        return use

    def _apply_weight_decay(self, variables):
        if self.weight_decay is None:
            return
        decayed = [v for v in variables if self._use_weight_decay(v)]
        fused = self._fused_kernel("weight_decay_update", decayed, decayed)
        if fused is not None:
            fused(decayed, self.learning_rate, self.weight_decay)
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                lr = ops.cast(self.learning_rate, variable.dtype)
                wd = ops.cast(self.weight_decay, variable.dtype)
                value = variable.value
                variable.assign(ops.subtract(value, ops.multiply(ops.multiply(value, wd), lr)))

    # ------------------------------------------------------------------ EMA
    def _update_model_variables_moving_average(self, trainable_variables):
        if not self.use_ema:
            return
        not_first_step = ops.not_equal(self.iterations, 0)
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            if average is None:
                continue
            momentum = ops.multiply(ops.cast(not_first_step, var.dtype), self.ema_momentum)
            average.assign(ops.add(ops.multiply(momentum, average.value),
                                   ops.multiply(ops.subtract(1, momentum), var.value)))

    def _overwrite_model_variables_with_average_value(self, trainable_variables):
        averages = self._model_variables_moving_average
        if len(trainable_variables) != len(averages):
            raise ValueError(f"{self.name}: {len(trainable_variables)} model variables to overwrite, but the "
                             f"optimizer holds averages for {len(averages)}. Was it applied to this model?")
        for var, average in zip(trainable_variables, averages):
            if average is not None:
                var.assign(average.value)

    def finalize_variable_values(self, var_list) -> None:
        """With EMA, copy the moving averages into the model's variables (``fit`` calls it at the end)."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(var_list)

    # ------------------------------------------------------------------ misc API
    def scale_loss(self, loss):
        """Multiply the loss by ``loss_scale_factor`` (if set) before gradients are taken."""
        if self.loss_scale_factor is not None:
            return ops.multiply(loss, self.loss_scale_factor)
        return loss

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """Pure ``apply``: values in, ``(new_trainable_values, new_optimizer_values)`` out."""
        if not self.built:
            raise ValueError(f"{self.name}.stateless_apply: the optimizer must be built first "
                             "(call `optimizer.build(trainable_variables)`).")
        own = self.variables
        if len(optimizer_variables) != len(own):
            raise ValueError(f"{self.name}.stateless_apply: expected {len(own)} optimizer variable values, "
                             f"received {len(optimizer_variables)}.")
        if len(trainable_variables) != len(self._trainable_variables):
            raise ValueError(f"{self.name}.stateless_apply: expected {len(self._trainable_variables)} trainable "
                             f"variable values, received {len(trainable_variables)}.")
        mapping = list(zip(self._trainable_variables, trainable_variables)) + list(zip(own, optimizer_variables))
        with scopes.StatelessScope(mapping) as scope:
            self.apply(grads)
        return ([scope.get_current_value(v) for v in self._trainable_variables],
                [scope.get_current_value(v) for v in own])

    def set_weights(self, weights) -> None:
        """Set every optimizer variable from a list of arrays (in ``variables`` order)."""
        if not self.built:
            raise ValueError(f"{self.name}.set_weights: the optimizer is not built yet; call "
                             "`optimizer.build(trainable_variables)` first.")
        for variable, weight in zip(self._variables, weights):
            if tuple(variable.shape) != tuple(weight.shape):
                raise ValueError(f"{self.name}.set_weights: variable {variable.path!r} has shape "
                                 f"{tuple(variable.shape)}, received a weight of shape {tuple(weight.shape)}.")
            variable.assign(weight)

    def get_weights(self) -> list:
        return [v.numpy() for v in self._variables]

    def save_own_variables(self, store) -> None:
        """Write the variables to ``store`` under keys "0", "1", ... (the .keras weights layout)."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store) -> None:
        """Read the variables from ``store`` written by ``save_own_variables`` (Keras's or lamina's)."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has {len(variables)} "
                   f"variables whereas the saved optimizer has {len(store.keys())} variables.")
            if not variables:
                msg += " This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, variable in enumerate(variables):
            variable.assign(store[str(i)])

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """The constructor arguments, with Keras's keys (the learning rate as a float or a schedule config)."""
        from lamina.optimizers.schedules import LearningRateSchedule

        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            learning_rate = serialize_keras_object(lr)
        elif isinstance(lr, Variable):
            learning_rate = float(lr.numpy())
        elif callable(lr):
            learning_rate = serialize_keras_object(lr)
        else:
            learning_rate = 0.5
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an optimizer from ``get_config()`` output (a schedule config is deserialized)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            from lamina.saving.serialization import deserialize_keras_object

            config["learning_rate"] = deserialize_keras_object(config["learning_rate"],
                                                               custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def can_fuse(grads, variables) -> bool:
    """Whether a fused backend update applies: an eager step over variables of one float dtype."""
    if scopes._state["stateless"] is not None or not variables:
        return False
    dtype = variables[0].dtype
    return dtype in ("float32", "float64", "float16", "bfloat16") and all(v.dtype == dtype for v in variables) \
        and all(g is not None for g in grads)


def global_norm(value_list):
    """The L2 norm of all tensors in ``value_list`` together (``None`` entries skipped)."""
    squared = [ops.sum(ops.square(v)) for v in value_list if v is not None]
    return ops.sqrt(ops.sum(ops.stack(squared)))


def clip_by_global_norm(value_list, clip_norm):
    """Scale every tensor by ``clip_norm / max(global_norm, clip_norm)``; a non-finite norm gives NaN."""
    norm = global_norm(value_list)
    scale = ops.multiply(clip_norm, ops.minimum(ops.divide(1.0, norm), 1.0 / clip_norm))
    scale = ops.add(scale, ops.subtract(norm, norm))
    return [ops.multiply(v, scale) if v is not None else v for v in value_list]
