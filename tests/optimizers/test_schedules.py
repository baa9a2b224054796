"""Learning-rate schedules: values vs the Keras 3 oracle, configs, (de)serialization. Runs on every backend."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.optimizers import schedules

STEPS = [0, 1, 3, 5, 10, 17, 40, 100]

CASES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.9, "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [5, 17], "values": [1.0, 0.5, 0.1]}),
    ("PiecewiseConstantDecay", {"boundaries": [3], "values": [0.3, 0.01]}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 20}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 8, "end_learning_rate": 0.01,
                         "power": 2.0, "cycle": True}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5, "staircase": True}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 30}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 30, "alpha": 0.1}),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 30, "warmup_target": 0.2, "warmup_steps": 10}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 4}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 5, "t_mul": 1.0, "m_mul": 0.5,
                             "alpha": 0.1}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 3, "t_mul": 3.0, "m_mul": 0.8}),
]


def _ids(cases):
    return [f"{n}-{i}" for i, (n, _) in enumerate(cases)]


@pytest.mark.parametrize("name,kwargs", CASES, ids=_ids(CASES))
def test_values_match_keras(keras, name, kwargs):
    ours = getattr(schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    got = np.array([ops.convert_to_numpy(ours(s)) for s in STEPS])
    want = np.array([np.asarray(keras.ops.convert_to_numpy(theirs(s))) for s in STEPS])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert str(ops.convert_to_numpy(ours(3)).dtype) == "float32"
    # the optimizer calls a schedule with its int32 iteration variable
    step = lamina.Variable(np.int32(17), name="iteration")
    np.testing.assert_allclose(ops.convert_to_numpy(ours(step)), want[STEPS.index(17)], rtol=1e-6, atol=1e-7)


def test_known_values():
    np.testing.assert_allclose(ops.convert_to_numpy(schedules.ExponentialDecay(0.1, 10, 0.5)(20)), 0.025, rtol=1e-6)
    assert float(ops.convert_to_numpy(schedules.PiecewiseConstantDecay([5], [1.0, 0.5])(5))) == 1.0
    assert float(ops.convert_to_numpy(schedules.PiecewiseConstantDecay([5], [1.0, 0.5])(6))) == 0.5
    np.testing.assert_allclose(ops.convert_to_numpy(schedules.PolynomialDecay(1.0, 10, 0.0)(5)), 0.5, rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(schedules.InverseTimeDecay(1.0, 1, 1.0)(1)), 0.5, rtol=1e-6)
    warm = schedules.CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=10)
    np.testing.assert_allclose(ops.convert_to_numpy(warm(5)), 0.05, rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(warm(110)), 0.0, atol=1e-7)
    np.testing.assert_allclose(ops.convert_to_numpy(schedules.CosineDecayRestarts(1.0, 10)(10)), 1.0, rtol=1e-6)


@pytest.mark.parametrize("name,kwargs", CASES, ids=_ids(CASES))
def test_config_and_serialization_match_keras(keras, name, kwargs):
    kwargs = {**kwargs, "name": "sched"}
    ours = getattr(schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert schedules.serialize(ours) == keras.optimizers.schedules.serialize(theirs)
    restored = schedules.deserialize(schedules.serialize(ours))
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()
    from_keras = schedules.deserialize(keras.optimizers.schedules.serialize(theirs))
    assert type(from_keras) is type(ours)
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()


def test_default_names_equal_keras(keras):
    for name, kwargs in CASES:
        assert getattr(schedules, name)(**kwargs).name == getattr(keras.optimizers.schedules, name)(**kwargs).name


@pytest.mark.parametrize("make,match", [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "decay_steps"),
    (lambda: schedules.PolynomialDecay(0.1, -1), "decay_steps"),
    (lambda: schedules.InverseTimeDecay(0.1, 0, 0.5), "decay_steps"),
    (lambda: schedules.CosineDecay(0.1, 0), "decay_steps"),
    (lambda: schedules.CosineDecayRestarts(0.1, 0), "first_decay_steps"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5]), "1 less than"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_base_class_requires_call_and_config():
    with pytest.raises(NotImplementedError, match="__call__"):
        schedules.LearningRateSchedule()(1)
    with pytest.raises(NotImplementedError, match="get_config"):
        schedules.LearningRateSchedule().get_config()


def test_custom_schedule_round_trips_with_custom_objects():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, lr):
            self.lr = lr

        def __call__(self, step):
            return ops.multiply(self.lr, ops.power(0.5, ops.cast(step, "float32")))

        def get_config(self):
            return {"lr": self.lr}

    opt = lamina.optimizers.SGD(learning_rate=Halving(0.8), name="s")
    cfg = opt.get_config()
    restored = lamina.optimizers.SGD.from_config(cfg, custom_objects={"Halving": Halving})
    assert isinstance(restored._learning_rate, Halving) and restored._learning_rate.lr == 0.8
    np.testing.assert_allclose(ops.convert_to_numpy(restored.learning_rate), 0.8)
