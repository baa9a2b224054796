"""How a train/test/predict step runs on JAX: one jitted, pure function over the model's state.

Every Variable the step touches (weights, non-trainable state such as
BatchNormalization statistics and seed generators, optimizer slots, metric
accumulators) goes in as a value and comes out updated; the function reads
and writes variables through a StatelessScope, so the model code is the same
as on eager backends. State buffers are donated, so an update reuses memory.
"""

from __future__ import annotations

import inspect

import jax
import numpy as np

from lamina.backend.common.scopes import StatelessScope
from lamina.trainers.packing import pack_batch, unpack_x_y_sample_weight
from lamina.utils import tree


def _batch_size(x) -> int:
    while isinstance(x, (list, tuple, dict)):
        x = next(iter(x.values())) if isinstance(x, dict) else x[0]
    return int(x.shape[0])


def _values(variables):
    return [v._value for v in variables]


def _write_back(groups, values):
    for variables, vals in zip(groups, values):
        for v, val in zip(variables, vals):
            v._value = val


def _recurrent_states(model) -> list:
    """The state variables of stateful RNN layers: not weights (as in Keras), but state a step carries
    from batch to batch, so the jitted step takes them in and gives them back like other state."""
    states = []
    for layer in model._flatten_layers():
        if getattr(layer, "stateful", False) and getattr(layer, "states", None) is not None:
            states += [v for v in tree.flatten(layer.states) if hasattr(v, "_value")]
    return states


class _StateGroups:
    """The model's variables, split once into the four groups a step reads and writes."""

    def __init__(self, model, with_optimizer: bool):
        self.trainable = list(model.trainable_variables)
        seen = {id(v) for v in self.trainable}
        self.non_trainable = [v for v in model.non_trainable_variables if id(v) not in seen]
        self.non_trainable += _recurrent_states(model)
        self.optimizer = list(model.optimizer.variables) if with_optimizer and model.optimizer else []
        self.metrics = list(model.metrics_variables)

    @property
    def groups(self):
        return (self.trainable, self.non_trainable, self.optimizer, self.metrics)

    def current(self):
        return tuple(_values(g) for g in self.groups)


def _eager(model) -> bool:
    """Whether steps run unjitted: ``run_eagerly``, or a layer that computes in NumPy (string lookups,
    hashing: ``supports_jit = False``, as in Keras) and so cannot be traced."""
    if getattr(model, "run_eagerly", False):
        return True
    return not all(getattr(layer, "supports_jit", True) for layer in model._flatten_layers())


def _maybe_jit(fn, model, donate=True):
    if _eager(model):
        return fn
    return jax.jit(fn, donate_argnums=(0,) if donate else ())


def _string_prefix(model):
    """The Functional graph of ``model`` when its only unjittable layers (string lookups, text
    vectorization, hashing) read the raw inputs: those run eagerly in NumPy before each step and the
    rest of the step stays one jitted function. None otherwise (then the step runs eagerly)."""
    if getattr(model, "run_eagerly", False):
        return None
    from lamina.models.functional import Functional

    graph = model if isinstance(model, Functional) else getattr(model, "_functional", None)
    if not isinstance(graph, Functional) or graph._eager_prefix() is None:
        return None
    covered = graph._eager_prefix_layers
    if any(not getattr(l, "supports_jit", True) and id(l) not in covered for l in model._flatten_layers()):
        return None
    return graph


def _no_strings(x):
    """``x`` with raw string arrays replaced by same-shape placeholders (their layers already ran)."""
    def swap(v):
        if isinstance(v, np.ndarray) and v.dtype.kind in "USO":
            return np.zeros(v.shape, dtype=bool)
        return v

    return tree.map_structure(swap, x)


def _jit_after_prefix(step, graph, donate=True):
    """``step(state, data)`` jitted with the eager prefix's outputs as an extra argument."""

    def with_prefix(state, data, prefix_values):
        object.__setattr__(graph, "_prefix_values", prefix_values)
        try:
            return step(state, data)
        finally:
            object.__setattr__(graph, "_prefix_values", None)

    jitted = jax.jit(with_prefix, donate_argnums=(0,) if donate else ())

    def run(state, x, pack):
        prefix_values = graph._run_eager_prefix(x)
        return jitted(state, pack(_no_strings(x)), prefix_values)

    return run


def train_step(model, data):
    """The default step runs inside make_train_function (it needs the state as arguments)."""
    raise RuntimeError("On jax the default train step runs inside make_train_function.")


def _is_stateless(method) -> bool:
    """Whether an overridden step follows Keras's JAX contract ``step(state, data)``."""
    params = [p for p in inspect.signature(method).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(params) >= 2


def _overridden(model, name: str) -> bool:
    return not getattr(getattr(type(model), name), "_lamina_default", False)


def _in_scope(model, fn, groups):
    """``fn(data)`` made pure: it reads and writes the variables of ``groups`` through a StatelessScope
    and returns ``(result, new values of every group)``."""

    def pure(state, data):
        mapping = [pair for variables, values in zip(groups, state) for pair in zip(variables, values)]
        with StatelessScope(mapping) as scope:
            result = fn(data)
            model._clear_losses()
        return result, tuple([scope.get_current_value(v) for v in variables] for variables in groups)

    return pure


def make_train_function(model):
    s = _StateGroups(model, with_optimizer=True)
    trainable, non_trainable, opt_vars, metric_vars = s.groups
    optimizer = model.optimizer

    def step(state, data):
        tv, ntv, ov, mv = state
        x, y, sample_weight = unpack_x_y_sample_weight(data)

        def forward(tv, ntv, mv):
            mapping = list(zip(trainable, tv)) + list(zip(non_trainable, ntv)) + list(zip(metric_vars, mv))
            with StatelessScope(mapping) as scope:
                y_pred = model(x, training=True)
                loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
                model._clear_losses()
            new_ntv = [scope.get_current_value(v) for v in non_trainable]
            new_mv = [scope.get_current_value(v) for v in metric_vars]
            scaled = optimizer.scale_loss(loss) if hasattr(optimizer, "scale_loss") else loss
            return scaled, (loss, y_pred, new_ntv, new_mv)

        grads, (loss, y_pred, ntv, mv) = jax.grad(forward, has_aux=True)(tv, ntv, mv)
        with StatelessScope(list(zip(trainable, tv)) + list(zip(opt_vars, ov))) as scope:
            optimizer.apply(grads, trainable)
        tv = [scope.get_current_value(v) for v in trainable]
        ov = [scope.get_current_value(v) for v in opt_vars]
        with StatelessScope(list(zip(metric_vars, mv))) as scope:
            model._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
            logs = model.compute_metrics(x, y, y_pred, sample_weight)
        mv = [scope.get_current_value(v) for v in metric_vars]
        return logs, (tv, ntv, ov, mv)

    if _overridden(model, "train_step"):
        if not _is_stateless(model.train_step):
            raise TypeError(
                f'Model "{model.name}": on the jax backend an overridden train_step must take (state, data) '
                "and return (logs, state), as in Keras's JAX guide; train_step(data) can only train on torch."
            )
        step = model.train_step
    graph = None if _overridden(model, "train_step") else _string_prefix(model)
    if graph is not None:
        fn = _jit_after_prefix(step, graph)

        def run(batch):
            x, y, sample_weight = batch
            logs, new_state = fn(s.current(), x, lambda x: pack_batch((x, y, sample_weight)))
            _write_back(s.groups, new_state)
            return logs

        return run
    fn = _maybe_jit(step, model)

    def run(batch):
        logs, new_state = fn(s.current(), pack_batch(tuple(batch)))
        _write_back(s.groups, new_state)
        return logs

    return run


def make_test_function(model):
    s = _StateGroups(model, with_optimizer=False)
    trainable, non_trainable, _, metric_vars = s.groups
    groups = (trainable, non_trainable, metric_vars)
    if _overridden(model, "test_step") and _is_stateless(model.test_step):
        step = model.test_step  # Keras's JAX contract: ((tv, ntv, mv), data) -> (logs, (tv, ntv, mv))
    else:
        step = _in_scope(model, model.test_step, groups)
    graph = None if _overridden(model, "test_step") else _string_prefix(model)
    if graph is not None:
        prefixed = _jit_after_prefix(step, graph)

        def run(batch):
            x, y, sample_weight = batch
            logs, new_state = prefixed(tuple(_values(g) for g in groups), x,
                                       lambda x: pack_batch((x, y, sample_weight)))
            _write_back(groups, new_state)
            return logs

        return run
    fn = _maybe_jit(step, model)

    def run(batch):
        logs, new_state = fn(tuple(_values(g) for g in groups), pack_batch(tuple(batch)))
        _write_back(groups, new_state)
        return logs

    return run


def make_predict_function(model):
    """A jitted forward pass, cached per input signature by jax.jit itself."""
    s = _StateGroups(model, with_optimizer=False)
    groups = (s.trainable, s.non_trainable)
    if _overridden(model, "predict_step") and _is_stateless(model.predict_step):
        custom = model.predict_step  # Keras's JAX contract: ((tv, ntv), data) -> (outputs, ntv)

        step = custom
    else:
        pure = _in_scope(model, model.predict_step, groups)

        def step(state, data):
            outputs, (_, ntv) = pure(state, data)
            return outputs, ntv  # the weights are not outputs: fewer buffers per call

    graph = None if _overridden(model, "predict_step") else _string_prefix(model)
    if graph is not None:
        prefixed = _jit_after_prefix(step, graph, donate=False)

        def run(x):
            outputs, ntv = prefixed(tuple(_values(g) for g in groups), x, lambda x: (x,))
            _write_back((s.non_trainable,), (ntv,))
            return outputs

        return run
    fn = step if _eager(model) else jax.jit(step)

    def run(x):
        # Non-trainable state a forward pass updates (a stateful RNN's states) is kept, as in Keras.
        outputs, ntv = fn(tuple(_values(g) for g in groups), (x,))
        if ntv:
            _write_back((s.non_trainable,), (ntv,))
        return outputs

    return run
