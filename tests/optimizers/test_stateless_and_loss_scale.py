"""Optimizer steps through a StatelessScope (inside jax.jit on jax) and dynamic loss scaling."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.common.scopes import StatelessScope
from tests.conftest import BACKEND, requires_training
from tests.optimizers._helpers import TOLERANCE, assert_same_state, gradient_steps, initial_values, run_lamina

INF = np.float32(np.inf)

JIT_CASES = [
    ("SGD", {"momentum": 0.9, "nesterov": True, "clipnorm": 0.5}),
    ("Adam", {"amsgrad": True, "weight_decay": 0.01}),
    ("AdamW", {"global_clipnorm": 0.5}),
    ("Adamax", {}), ("Nadam", {}), ("RMSprop", {"centered": True, "momentum": 0.5}), ("Adagrad", {}),
    ("Adadelta", {}), ("Adafactor", {}), ("Ftrl", {"l1_regularization_strength": 0.01}), ("Lion", {}),
    ("Lamb", {}), ("Muon", {}), ("ScheduleFreeAdamW", {}),
    ("Adam", {"gradient_accumulation_steps": 2}),
    ("SGD", {"momentum": 0.5, "use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 2}),
    ("SGD", {"momentum": 0.5, "gradient_accumulation_steps": 2, "use_ema": True, "ema_overwrite_frequency": 1}),
]


def _make(name, kwargs):
    def make(lib):
        if name == "LossScaleOptimizer":
            return lib.optimizers.LossScaleOptimizer(lib.optimizers.SGD(0.1, momentum=0.5, name="inner"),
                                                     name="opt", **kwargs)
        return getattr(lib.optimizers, name)(**{"learning_rate": 0.1, "name": "opt", **kwargs})
    return make


def _stateless_steps(make, init, grads_seq):
    """Run the steps as pure functions of the state (jitted on jax); returns the final values."""
    opt = make(lamina)
    variables = [lamina.Variable(v.copy(), name=n) for n, v in init.items()]
    opt.build(variables)
    opt_vars = opt.variables

    def step(tv, ov, grads):
        with StatelessScope(list(zip(variables, tv)) + list(zip(opt_vars, ov))) as scope:
            opt.apply(grads, variables)
        return [scope.get_current_value(v) for v in variables], [scope.get_current_value(v) for v in opt_vars]

    if BACKEND == "jax":
        import jax

        step = jax.jit(step)
    tv, ov = [v.value for v in variables], [v.value for v in opt_vars]
    for grads in grads_seq:
        tv, ov = step(tv, ov, [ops.convert_to_tensor(g) for g in grads])
    # nothing was written to the variables themselves
    for v, x in zip(variables, init.values()):
        np.testing.assert_array_equal(v.numpy(), x)
    return opt, tv, ov


@requires_training
@pytest.mark.parametrize("name,kwargs", JIT_CASES + [
    ("LossScaleOptimizer", {"initial_scale": 4.0, "dynamic_growth_steps": 2})],
    ids=lambda x: x if isinstance(x, str) else "-".join(f"{k}={v}" for k, v in x.items()) or "default")
def test_stateless_step_equals_eager_step(name, kwargs):
    init = initial_values()
    grads = gradient_steps(steps=4)
    if name == "LossScaleOptimizer":
        grads[1][0][0, 0] = INF  # a skipped step in the middle
    make = _make(name, kwargs)
    eager_opt, eager_vars = run_lamina(make, init, grads)
    _, tv, ov = _stateless_steps(make, init, grads)
    for value, v in zip(tv, eager_vars):
        np.testing.assert_allclose(ops.convert_to_numpy(value), v.numpy(), rtol=TOLERANCE, atol=TOLERANCE)
    for value, v in zip(ov, eager_opt.variables):
        np.testing.assert_allclose(ops.convert_to_numpy(value), v.numpy(), rtol=TOLERANCE, atol=TOLERANCE, err_msg=v.path)


def _keras_lso_step(keras, opt, variables, grads):
    """The oracle's LossScaleOptimizer step: eager apply on torch, stateless_apply on jax (Keras's jax path)."""
    grads = [keras.ops.convert_to_tensor(g) for g in grads]
    if BACKEND != "jax":
        opt.apply(grads, variables)
        return
    tv, ov = opt.stateless_apply([v.value for v in opt.variables], grads, [v.value for v in variables])
    for v, x in zip(variables, tv):
        v.assign(x)
    for v, x in zip(opt.variables, ov):
        v.assign(x)


@requires_training
def test_loss_scale_optimizer_matches_keras_and_skips_non_finite_steps(keras):
    make = _make("LossScaleOptimizer", {"initial_scale": 8.0, "dynamic_growth_steps": 2})
    init = initial_values()
    grads = gradient_steps(steps=6)
    grads[1][1][2] = INF
    grads[4][0][1, 1] = np.float32(np.nan)
    lam = run_lamina(make, init, [])
    ker = make(keras), [keras.Variable(v.copy(), name=n) for n, v in init.items()]
    ker[0].build(ker[1])
    for g in grads:
        lam[0].apply([ops.convert_to_tensor(x) for x in g], lam[1])
        _keras_lso_step(keras, *ker, g)
        assert_same_state(lam, ker)
    opt = lam[0]
    # 8 -> 4 (inf) -> 8 (two finite steps in a row) -> 4 (nan), then one finite step
    assert float(opt.dynamic_scale.numpy()) == 4.0
    assert int(opt.step_counter.numpy()) == 1
    assert int(opt.iterations.numpy()) == 4  # only the finite steps counted


@requires_training
def test_loss_scale_optimizer_inf_gradient_leaves_everything_but_the_scale():
    v = lamina.Variable(np.array([1.0, -2.0], "float32"), name="w")
    opt = lamina.optimizers.LossScaleOptimizer(lamina.optimizers.Adam(0.1), initial_scale=16.0,
                                               dynamic_growth_steps=3)
    assert float(ops.convert_to_numpy(opt.scale_loss(ops.convert_to_tensor(2.0)))) == 32.0  # before build
    opt.apply([ops.convert_to_tensor(np.array([16.0, 16.0], "float32"))], [v])
    before = [x.numpy().copy() for x in opt.variables] + [v.numpy().copy()]
    assert int(opt.step_counter.numpy()) == 1
    opt.apply([ops.convert_to_tensor(np.array([INF, 1.0], "float32"))], [v])
    after = [x.numpy() for x in opt.variables] + [v.numpy()]
    names = [x.path for x in opt.variables] + ["w"]
    for name, b, a in zip(names, before, after):
        if name.endswith("dynamic_scale"):
            assert float(a) == float(b) / 2
        elif name.endswith("step_counter"):
            assert int(a) == 0
        else:
            np.testing.assert_array_equal(a, b, err_msg=name)
    assert float(ops.convert_to_numpy(opt.scale_loss(ops.convert_to_tensor(2.0)))) == 16.0
    # the update that did run used the unscaled gradient (16 / 16 = 1): Adam's first step moves by lr
    np.testing.assert_allclose(v.numpy(), [0.9, -2.1], rtol=1e-5)


def test_loss_scale_optimizer_config_equals_keras_and_round_trips(keras):
    def make(lib):
        return lib.optimizers.LossScaleOptimizer(lib.optimizers.Adam(0.01, name="inner"), initial_scale=1024.0,
                                                 dynamic_growth_steps=100, name="lso")

    ours, theirs = make(lamina).get_config(), make(keras).get_config()
    assert ours["inner_optimizer"]["config"] == theirs["inner_optimizer"]["config"]
    assert {k: v for k, v in ours.items() if k != "inner_optimizer"} == \
        {k: v for k, v in theirs.items() if k != "inner_optimizer"}
    restored = lamina.optimizers.LossScaleOptimizer.from_config(ours)
    assert isinstance(restored.inner_optimizer, lamina.optimizers.Adam)
    assert restored.get_config() == ours
    from_keras = lamina.optimizers.deserialize(keras.optimizers.serialize(make(keras)))
    assert isinstance(from_keras, lamina.optimizers.LossScaleOptimizer)
    assert from_keras.get_config() == ours


def test_loss_scale_optimizer_forwards_learning_rate_and_iterations():
    inner = lamina.optimizers.SGD(0.25)
    opt = lamina.optimizers.LossScaleOptimizer(inner)
    assert float(opt.learning_rate.numpy()) == 0.25
    opt.learning_rate = 0.5
    assert float(inner.learning_rate.numpy()) == 0.5
    assert opt.iterations is inner.iterations
