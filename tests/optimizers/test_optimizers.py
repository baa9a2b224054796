"""Every optimizer against the Keras 3 oracle (same framework): 3 steps, variables and slots within 1e-6."""

import re

import numpy as np
import pytest

import lamina
from lamina import ops
from tests.conftest import BACKEND, requires_training
from tests.optimizers._helpers import assert_same_state, gradient_steps, initial_values, run_keras, run_lamina

# (class name, kwargs): learning_rate defaults to 0.1 so that three steps move the weights visibly.
CASES = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("SGD", {"clipnorm": 0.5}),
    ("SGD", {"clipvalue": 0.1, "momentum": 0.5}),
    ("SGD", {"global_clipnorm": 0.3, "momentum": 0.5}),
    ("SGD", {"weight_decay": 0.1, "momentum": 0.5}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True}),
    ("Adam", {"weight_decay": 0.05, "clipnorm": 1.0}),
    ("Adam", {"global_clipnorm": 0.5, "beta_1": 0.8, "epsilon": 1e-3}),
    ("AdamW", {}),
    ("AdamW", {"amsgrad": True, "weight_decay": 0.1, "clipvalue": 0.5}),
    ("Adamax", {}),
    ("Adamax", {"clipvalue": 0.2, "weight_decay": 0.01}),
    ("Nadam", {}),
    ("Nadam", {"weight_decay": 0.01, "global_clipnorm": 1.0}),
    ("RMSprop", {}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"centered": True, "momentum": 0.5, "clipnorm": 0.5}),
    ("Adagrad", {}),
    ("Adagrad", {"initial_accumulator_value": 0.5, "global_clipnorm": 0.4}),
    ("Adadelta", {}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.9, "weight_decay": 0.01}),
    ("Adafactor", {}),
    ("Adafactor", {"relative_step": False, "learning_rate": 0.01, "clip_threshold": 0.5}),
    ("Ftrl", {}),
    ("Ftrl", {"l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.01, "beta": 0.1, "learning_rate_power": -0.6}),
    ("Lion", {}),
    ("Lion", {"weight_decay": 0.1, "beta_2": 0.9}),
    ("Lamb", {}),
    ("Lamb", {"weight_decay": 0.01, "clipnorm": 0.5}),
    ("Muon", {}),
    ("Muon", {"nesterov": False, "rms_rate": None, "ns_steps": 3}),
    ("ScheduleFreeAdamW", {}),
    ("ScheduleFreeAdamW", {"warmup_steps": 2, "weight_decay": 0.01}),
]
# Keras's torch ScheduleFreeAdamW reads its momentum slot after updating it in place (an aliasing
# quirk of that backend); lamina computes what the algorithm and Keras's jax backend compute.
_KERAS_TORCH_ALIASING = {"ScheduleFreeAdamW"}


def _maker(name, kwargs):
    kwargs = {"learning_rate": 0.1, "name": "opt", **kwargs}
    return lambda lib: getattr(lib.optimizers, name)(**kwargs)


def _ids(cases):
    return [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for n, kw in cases]


@requires_training
@pytest.mark.parametrize("name,kwargs", CASES, ids=_ids(CASES))
def test_three_steps_match_keras(keras, name, kwargs):
    if BACKEND == "torch" and name in _KERAS_TORCH_ALIASING:
        pytest.skip("Keras's torch backend aliases the old momentum slot here; checked on jax")
    init, grads = initial_values(), gradient_steps()
    lam = run_lamina(_maker(name, kwargs), init, grads)
    ker = run_keras(keras, _maker(name, kwargs), init, grads)
    assert_same_state(lam, ker)
    assert int(lam[0].iterations.numpy()) == 3
    # the weights moved: the comparison is not between two untouched copies
    assert not np.allclose(lam[1][0].numpy(), init["kern"])


@requires_training
def test_schedule_free_adamw_matches_reference_recursion():
    """Checks lamina's ScheduleFreeAdamW against a NumPy transcription of the algorithm (all backends)."""
    init, grads = initial_values({"w": (5,)}), gradient_steps({"w": (5,)})
    opt, (w,) = run_lamina(lambda lib: lib.optimizers.ScheduleFreeAdamW(learning_rate=0.1), init, grads)
    y, z, v = init["w"].astype("float64"), init["w"].astype("float64"), np.zeros(5)
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.1
    for t, (g,) in enumerate(grads, start=1):
        v = b2 * v + (1 - b2) * g ** 2
        z_new = z - lr * g / (np.sqrt(v / (1 - b2 ** t)) + eps)
        x_old = (y - (1 - b1) * z) / b1
        x_new = (1 - 1 / t) * x_old + z_new / t
        y, z = (1 - b1) * z_new + b1 * x_new, z_new
    np.testing.assert_allclose(w.numpy(), y, rtol=1e-5, atol=1e-6)


@requires_training
def test_muon_uses_adamw_for_embeddings_and_excluded_layers(keras):
    shapes = {"dense_kernel": (3, 4), "token_embedding": (5, 3), "head_kernel": (4, 2)}
    init, grads = initial_values(shapes), gradient_steps(shapes)
    make = lambda lib: lib.optimizers.Muon(learning_rate=0.05, exclude_layers=["head"], name="m")  # noqa: E731
    lam, ker = run_lamina(make, init, grads), run_keras(keras, make, init, grads)
    assert_same_state(lam, ker)
    # 2-D kernel: Muon (momentum only); the embedding and the excluded head: AdamW (momentum + velocity)
    assert [v.path.split("/")[1] for v in lam[0].variables[2:]] == [
        "dense_kernel_momentum", "token_embedding_momentum", "token_embedding_velocity",
        "head_kernel_momentum", "head_kernel_velocity"]


@requires_training
@pytest.mark.parametrize("case", ["exponential", "piecewise", "cosine_warmup", "callable"])
def test_schedule_driven_learning_rate_matches_keras(keras, case):
    def make(lib):
        s = lib.optimizers.schedules
        lr = {"exponential": lambda: s.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5),
              "piecewise": lambda: s.PiecewiseConstantDecay([0, 1], [0.3, 0.1, 0.02]),
              "cosine_warmup": lambda: s.CosineDecay(0.0, 4, warmup_target=0.2, warmup_steps=2),
              "callable": lambda: (lambda: 0.05)}[case]()
        return lib.optimizers.SGD(learning_rate=lr, momentum=0.5, weight_decay=0.1, name="opt")

    init, grads = initial_values(), gradient_steps(steps=4)
    lam, ker = run_lamina(make, init, grads), run_keras(keras, make, init, grads)
    assert_same_state(lam, ker)
    assert "learning_rate" not in [v.name for v in lam[0].variables]
    np.testing.assert_allclose(ops.convert_to_numpy(lam[0].learning_rate),
                               np.asarray(keras.ops.convert_to_numpy(ker[0].learning_rate)), rtol=1e-6)


@requires_training
@pytest.mark.parametrize("kwargs", [
    {"use_ema": True, "ema_momentum": 0.9},
    {"use_ema": True, "ema_momentum": 0.5, "ema_overwrite_frequency": 2},
    {"gradient_accumulation_steps": 2},
    {"gradient_accumulation_steps": 3, "use_ema": True, "ema_momentum": 0.8, "ema_overwrite_frequency": 1},
    {"gradient_accumulation_steps": 2, "clipnorm": 0.3, "weight_decay": 0.1},
], ids=["ema", "ema-overwrite", "accumulate", "accumulate-ema-overwrite", "accumulate-clip-decay"])
@pytest.mark.parametrize("name", ["Adam", "SGD"])
def test_ema_and_gradient_accumulation_match_keras(keras, name, kwargs):
    extra = {"momentum": 0.9} if name == "SGD" else {}
    make = _maker(name, {**extra, **kwargs})
    init, grads = initial_values(), gradient_steps(steps=5)
    lam, ker = run_lamina(make, init, []), run_keras(keras, make, init, [])
    for g in grads:  # compare after every step: accumulation leaves weights alone between updates
        lam[0].apply([ops.convert_to_tensor(x) for x in g], lam[1])
        ker[0].apply([keras.ops.convert_to_tensor(x) for x in g], ker[1])
        assert_same_state(lam, ker)
    if kwargs.get("gradient_accumulation_steps"):
        steps = kwargs["gradient_accumulation_steps"]
        assert int(ops.convert_to_numpy(lam[0].iterations)) == 5 // steps
        assert int(lam[0]._iterations.numpy()) == 5
    if kwargs.get("use_ema"):
        lam[0].finalize_variable_values(lam[1])
        ker[0].finalize_variable_values(ker[1])
        assert_same_state(lam, ker)


@requires_training
def test_gradient_accumulation_updates_with_the_mean_gradient():
    init = {"w": np.array([1.0, 2.0], "float32")}
    grads = [[np.array([1.0, 3.0], "float32")], [np.array([3.0, 5.0], "float32")]]
    opt, (w,) = run_lamina(lambda lib: lib.optimizers.SGD(0.5, gradient_accumulation_steps=2), init, grads[:1])
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])  # first micro-step: only accumulated
    np.testing.assert_array_equal(opt._accumulated_gradients[0].numpy(), [1.0, 3.0])
    opt.apply([ops.convert_to_tensor(grads[1][0])], [w])
    np.testing.assert_allclose(w.numpy(), [1.0 - 0.5 * 2.0, 2.0 - 0.5 * 4.0])
    np.testing.assert_array_equal(opt._accumulated_gradients[0].numpy(), [0.0, 0.0])


@requires_training
def test_constraint_loss_scale_factor_and_excluded_weight_decay_match_keras(keras):
    def make(lib):
        opt = lib.optimizers.AdamW(learning_rate=0.3, weight_decay=0.2, loss_scale_factor=4.0, name="w")
        opt.exclude_from_weight_decay(var_names=["bias"])
        return opt

    init, grads = initial_values(), gradient_steps()
    scaled = [[g * 4.0 for g in step] for step in grads]
    lam = run_lamina(make, init, scaled, constraint=lamina.constraints.NonNeg())
    ker = run_keras(keras, make, init, scaled, constraint=keras.constraints.NonNeg())
    assert_same_state(lam, ker)
    assert (lam[1][0].numpy() >= 0).all()
    assert float(ops.convert_to_numpy(lam[0].scale_loss(ops.convert_to_tensor(2.0)))) == 8.0


@requires_training
def test_setting_the_learning_rate_between_steps_matches_keras(keras):
    init, grads = initial_values(), gradient_steps()
    results = []
    for lib, run in ((lamina, run_lamina), (keras, lambda *a: run_keras(keras, *a))):
        opt, variables = run(lambda lib: lib.optimizers.Adam(0.1, name="a"), init, grads[:1])
        opt.learning_rate = 0.01
        for g in grads[1:]:
            opt.apply([lib.ops.convert_to_tensor(x) for x in g], variables)
        results.append((opt, variables))
    assert_same_state(*results)
    assert abs(float(results[0][0].learning_rate.numpy()) - 0.01) < 1e-9


@requires_training
def test_apply_gradients_none_gradients_and_errors():
    a, b = lamina.Variable(np.ones(2, "float32"), name="a"), lamina.Variable(np.ones(2, "float32"), name="b")
    opt = lamina.optimizers.SGD(0.5)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        it = opt.apply_gradients([(ops.convert_to_tensor(np.ones(2, "float32")), a), (None, b)])
    assert int(it.numpy()) == 1
    np.testing.assert_array_equal(a.numpy(), [0.5, 0.5])
    np.testing.assert_array_equal(b.numpy(), [1.0, 1.0])
    with pytest.raises(ValueError, match="no gradients provided"):
        opt.apply([None, None], [a, b])
    with pytest.raises(ValueError, match="unknown variable"):
        opt.apply([np.ones(2, "float32")], [lamina.Variable(np.ones(2, "float32"), name="c")])
    with pytest.raises(ValueError, match="received 1 gradients"):
        opt.apply([np.ones(2, "float32")], [a, b])
    with pytest.raises(ValueError, match="must already be built"):
        lamina.optimizers.SGD().apply([np.ones(2, "float32")])


@pytest.mark.parametrize("make,match", [
    (lambda: lamina.optimizers.SGD(clipnorm=1.0, clipvalue=1.0), "only one of"),
    (lambda: lamina.optimizers.SGD(momentum=1.5), "momentum"),
    (lambda: lamina.optimizers.AdamW(weight_decay=None), "weight_decay"),
    (lambda: lamina.optimizers.Lion(beta_1=0.0), "beta_1"),
    (lambda: lamina.optimizers.Ftrl(l1_regularization_strength=-1.0), "l1_regularization_strength"),
    (lambda: lamina.optimizers.Adam(gradient_accumulation_steps=1), "gradient_accumulation_steps"),
    (lambda: lamina.optimizers.Adam(use_ema=True, ema_momentum=2.0), "ema_momentum"),
    (lambda: lamina.optimizers.Adam(learning_rate="fast"), "learning_rate"),
    (lambda: lamina.optimizers.Adam(bogus=1), "not recognized"),
    (lambda: lamina.optimizers.LossScaleOptimizer(lamina.optimizers.SGD(), clipnorm=1.0), "clipnorm"),
    (lambda: lamina.optimizers.schedules.ExponentialDecay(0.1, 0, 0.5), "decay_steps"),
])
def test_bad_arguments_raise_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_schedule_learning_rate_cannot_be_set_to_a_number():
    opt = lamina.optimizers.SGD(learning_rate=lamina.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="cannot be set"):
        opt.learning_rate = 0.5


# ---------------------------------------------------------------------------------------------- configs
CONFIG_CASES = CASES + [("Adam", {"use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 3,
                                  "gradient_accumulation_steps": 4, "loss_scale_factor": 2.0})]


@pytest.mark.parametrize("name,kwargs", CONFIG_CASES, ids=_ids(CONFIG_CASES))
def test_get_config_equals_keras_and_round_trips(keras, name, kwargs):
    kwargs = {"learning_rate": 0.1, "name": "opt", **kwargs}
    ours = getattr(lamina.optimizers, name)(**kwargs)
    theirs = getattr(keras.optimizers, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    again = type(ours).from_config(ours.get_config())
    assert type(again) is type(ours) and again.get_config() == ours.get_config()
    # a Keras-written config (any backend's module path) deserializes into the lamina class
    restored = lamina.optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad",
                                  "Adadelta", "Adafactor", "Ftrl", "Lion", "Lamb", "Muon", "ScheduleFreeAdamW"])
def test_default_config_and_name_equal_keras(keras, name):
    ours, theirs = getattr(lamina.optimizers, name)().get_config(), getattr(keras.optimizers, name)().get_config()
    # Keras's name counter is not reset between tests: compare the name without its "_N" suffix
    assert ours.pop("name") == re.sub(r"_\d+$", "", theirs.pop("name"))
    assert ours == theirs


def test_schedule_in_optimizer_config_equals_keras(keras):
    def make(lib):
        return lib.optimizers.Adam(learning_rate=lib.optimizers.schedules.CosineDecay(
            0.1, 100, alpha=0.1, warmup_target=0.2, warmup_steps=5), name="a")

    cfg = make(lamina).get_config()
    assert cfg == make(keras).get_config()
    restored = lamina.optimizers.Adam.from_config(cfg)
    assert isinstance(restored._learning_rate, lamina.optimizers.schedules.CosineDecay)
    assert restored.get_config() == cfg


def test_serialize_module_and_get():
    cfg = lamina.optimizers.serialize(lamina.optimizers.SGD(name="s"))
    assert cfg["module"] == "keras.optimizers" and cfg["class_name"] == "SGD"
    assert lamina.optimizers.get(cfg).get_config() == lamina.optimizers.SGD(name="s").get_config()
    for name in ["sgd", "SGD", "adam", "adamw", "Adamax", "nadam", "rmsprop", "adagrad", "adadelta",
                 "adafactor", "ftrl", "lion", "lamb", "muon", "schedulefreeadamw"]:
        opt = lamina.optimizers.get(name)
        assert type(opt).__name__.lower() == name.lower()
    opt = lamina.optimizers.Adam()
    assert lamina.optimizers.get(opt) is opt
    assert isinstance(lamina.optimizers.get(lamina.optimizers.Lion), lamina.optimizers.Lion)
    assert lamina.optimizers.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        lamina.optimizers.get("adamz")
    lowered = {"class_name": "adam", "config": {"learning_rate": 0.5}}
    assert isinstance(lamina.optimizers.deserialize(lowered), lamina.optimizers.Adam)


def test_variables_order_and_names_match_keras(keras):
    """iteration, learning_rate, EMA averages, accumulators, then slots interleaved per variable."""
    def build(lib):
        opt = lib.optimizers.Adam(use_ema=True, gradient_accumulation_steps=2, amsgrad=True, name="o")
        opt.build([lib.Variable(np.zeros((2, 3), "float32"), name="k"), lib.Variable(np.zeros(3, "float32"), name="b")])
        return [(v.path, tuple(v.shape), v.dtype) for v in opt.variables]

    ours = build(lamina)
    assert ours == build(keras)
    assert ours[0] == ("o/iteration", (), "int32") and ours[1] == ("o/learning_rate", (), "float32")


def test_save_and_load_own_variables_round_trip():
    v = lamina.Variable(np.ones(3, "float32"), name="w")
    opt = lamina.optimizers.RMSprop(momentum=0.5)
    opt.build([v])
    store = {}
    for i, x in enumerate(opt.variables):
        x.assign(np.full(x.shape, i + 1, x.dtype))
    opt.save_own_variables(store)
    other = lamina.optimizers.RMSprop(momentum=0.5)
    other.build([v])
    other.load_own_variables(store)
    for a, b in zip(opt.variables, other.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        lamina.optimizers.RMSprop().load_own_variables(store)


FUSED_CONFIGS = [
    ("Adam", {}), ("Adam", {"amsgrad": True}), ("AdamW", {"weight_decay": 0.1}),
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("SGD", {"weight_decay": 0.05}), ("RMSprop", {}), ("RMSprop", {"momentum": 0.5}),
    ("RMSprop", {"centered": True, "momentum": 0.3}),
]


@pytest.mark.parametrize("name,kwargs", FUSED_CONFIGS)
def test_fused_backend_update_equals_the_per_variable_rule(name, kwargs, monkeypatch):
    """Where the backend fuses an update (torch: foreach kernels), it matches the reference rule, and on
    torch the fused kernel is what runs."""
    import lamina.optimizers.base_optimizer as base_module

    rng = np.random.default_rng(0)
    inits = [rng.normal(size=s).astype("float32") for s in [(3, 4), (4,), (2, 2, 2)]]
    grads = [[rng.normal(size=w.shape).astype("float32") for w in inits] for _ in range(3)]
    original = base_module.can_fuse
    fused_steps = []

    def run(fuse):
        def check(g, v):
            result = fuse and original(g, v)
            fused_steps.append(result)
            return result

        monkeypatch.setattr(base_module, "can_fuse", check)
        variables = [lamina.Variable(w) for w in inits]
        opt = getattr(lamina.optimizers, name)(learning_rate=0.05, **kwargs)
        for step_grads in grads:
            opt.apply([lamina.ops.convert_to_tensor(g) for g in step_grads], variables)
        return [v.numpy() for v in variables] + [v.numpy() for v in opt.variables[1:]]

    fused_run = run(True)
    assert any(fused_steps) == (getattr(lamina.backend.impl, "optimizers", None) is not None)
    # Adam's fused torch kernel orders the float32 arithmetic differently (see _helpers.TOLERANCE).
    tolerance = 1e-5 if name.startswith("Adam") else 1e-7
    for fused, reference in zip(fused_run, run(False)):
        np.testing.assert_allclose(fused, reference, rtol=max(tolerance, 1e-6), atol=tolerance)


@pytest.mark.skipif(getattr(lamina.backend.impl, "optimizers", None) is None, reason="no fused optimizer kernels")
@pytest.mark.parametrize("amsgrad", [False, True])
def test_fused_adam_is_accurate_to_float64(amsgrad):
    """The fused Adam kernel (torch) stays within float32 rounding of the exact rule."""
    rng = np.random.default_rng(3)
    inits = [rng.normal(size=s).astype("float32") for s in [(5, 4), (4,)]]
    grads = [[rng.normal(size=w.shape).astype("float32") * (0.01 if t == 1 else 1.0) for w in inits]
             for t in range(4)]
    variables = [lamina.Variable(w) for w in inits]
    opt = lamina.optimizers.Adam(learning_rate=0.1, amsgrad=amsgrad)
    b1, b2, eps, lr = 0.9, 0.999, 1e-7, np.float64(np.float32(0.1))
    exact = [w.astype("float64") for w in inits]
    m = [np.zeros_like(w) for w in exact]
    v = [np.zeros_like(w) for w in exact]
    v_hat = [np.zeros_like(w) for w in exact]
    for t, step_grads in enumerate(grads, start=1):
        opt.apply([lamina.ops.convert_to_tensor(g) for g in step_grads], variables)
        for i, g in enumerate(step_grads):
            g = g.astype("float64")
            m[i] += (g - m[i]) * (1 - b1)
            v[i] += (g * g - v[i]) * (1 - b2)
            v_hat[i] = np.maximum(v_hat[i], v[i])
            denominator = np.sqrt(v_hat[i] if amsgrad else v[i]) + eps
            exact[i] -= lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m[i] / denominator
    for var, want in zip(variables, exact):
        np.testing.assert_allclose(var.numpy(), want, rtol=2e-6, atol=5e-7)


@pytest.mark.skipif(lamina.config.backend() != "torch", reason="strided gradients are a torch concern")
def test_fused_adam_takes_strided_gradients():
    """A gradient that reaches a weight through a transpose (torch's fused LSTM) is strided in memory."""
    import torch

    rng = np.random.default_rng(5)
    init = rng.normal(size=(3, 4)).astype("float32")
    grad = torch.tensor(rng.normal(size=(4, 3)).astype("float32")).t()  # (3, 4), not contiguous
    assert not grad.is_contiguous()
    results = []
    for g in (grad, grad.contiguous()):
        var = lamina.Variable(init)
        opt = lamina.optimizers.Adam(learning_rate=0.1)
        for _ in range(2):
            opt.apply([g], [var])
        results.append(var.numpy())
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.allclose(results[0], init)
