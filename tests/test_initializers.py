"""lamina.initializers against Keras 3: configs, names, fans, distributions, seeds, exact values."""

import inspect
import math

import numpy as np
import pytest

import lamina
import lamina.random
import lamina.saving
from lamina import initializers
from lamina.initializers.variance_scaling import compute_fans
from tests.conftest import BACKEND, to_np

CLASSES = ["Constant", "Zeros", "Ones", "Identity", "STFT", "RandomNormal", "RandomUniform", "TruncatedNormal",
           "VarianceScaling", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "LecunNormal",
           "LecunUniform", "Orthogonal"]

# (class, kwargs) whose configs must equal Keras's.
CONFIG_CASES = [
    ("Constant", {}), ("Constant", {"value": 2}), ("Constant", {"value": -1.5}),
    ("Zeros", {}), ("Ones", {}), ("Identity", {}),
    ("STFT", {}), ("STFT", {"side": "imag", "window": "hamming", "scaling": "spectrum", "periodic": True}),
    ("STFT", {"window": None, "scaling": None}),
    ("RandomNormal", {}), ("RandomNormal", {"mean": 1.0, "stddev": 2.0, "seed": 7}),
    ("RandomUniform", {}), ("RandomUniform", {"minval": -2, "maxval": 3, "seed": 1}),
    ("TruncatedNormal", {}), ("TruncatedNormal", {"mean": 0.5, "stddev": 0.1, "seed": 4}),
    ("VarianceScaling", {}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_avg", "distribution": "uniform", "seed": 3}),
    ("VarianceScaling", {"distribution": "normal"}),
    ("VarianceScaling", {"mode": "fan_out", "distribution": "untruncated_normal", "input_axes": [0],
                         "output_axes": [1, 2]}),
    ("GlorotNormal", {}), ("GlorotUniform", {"seed": 3}), ("HeNormal", {"seed": 0}), ("HeUniform", {}),
    ("LecunNormal", {"input_axes": [0], "output_axes": [1]}), ("LecunUniform", {"seed": 12}),
    ("Orthogonal", {}), ("Orthogonal", {"gain": 2.0, "seed": 1}),
]


def _public_names(module):
    return {n for n in dir(module) if not n.startswith("_") and not inspect.ismodule(getattr(module, n))}


def _cfg_id(case):
    name, kw = case
    return name + "".join(f"-{k}={v}" for k, v in kw.items())


# ------------------------------------------------------------------ names, signatures, configs
def test_public_names_match_keras(keras):
    ours = _public_names(initializers) - {"ALL_OBJECTS", "ALL_OBJECTS_DICT"}
    assert ours == _public_names(keras.initializers)


@pytest.mark.parametrize("name", CLASSES)
def test_signature_matches_keras(keras, name):
    ours = inspect.signature(getattr(initializers, name)).parameters
    theirs = inspect.signature(getattr(keras.initializers, name)).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]


@pytest.mark.parametrize("case", CONFIG_CASES, ids=_cfg_id)
def test_serialize_matches_keras_and_round_trips(keras, case):
    name, kwargs = case
    ours = getattr(initializers, name)(**kwargs)
    theirs = getattr(keras.initializers, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    config = initializers.serialize(ours)
    assert config == keras.initializers.serialize(theirs)
    assert lamina.saving.serialize_keras_object(ours) == config
    back = initializers.deserialize(config)
    assert type(back) is type(ours) and back.get_config() == ours.get_config()
    # A config written by Keras resolves to lamina's class.
    assert type(initializers.get(keras.initializers.serialize(theirs))) is type(ours)


def test_identity_keeps_a_non_default_gain():
    init = initializers.deserialize(initializers.serialize(initializers.Identity(gain=3.0)))
    np.testing.assert_array_equal(to_np(init((2, 2))), 3.0 * np.eye(2))


def test_clone_gives_equal_config():
    init = initializers.HeUniform(seed=5)
    clone = init.clone()
    assert clone is not init and clone.get_config() == init.get_config()
    np.testing.assert_array_equal(to_np(clone((3, 4))), to_np(init((3, 4))))


def test_get_every_keras_name(keras):
    from keras.src.initializers import ALL_OBJECTS_DICT as keras_names

    for key, cls in keras_names.items():
        assert type(initializers.get(key)).__name__ == cls.__name__, key
    for alias in ("glorot_uniform", "he_normal", "lecun_normal", "orthogonal", "identity", "constant", "zeros",
                  "ones", "random_normal", "random_uniform", "truncated_normal", "variance_scaling"):
        assert isinstance(initializers.get(alias), initializers.Initializer)
    assert initializers.get("constant").get_config() == {"value": 0.0}


def test_get_variants():
    assert initializers.get(None) is None
    init = initializers.Ones()
    assert initializers.get(init) is init
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)

    def fn(shape, dtype=None):
        return lamina.ops.zeros(shape, dtype=dtype)

    assert initializers.get(fn) is fn
    got = initializers.get({"class_name": "RandomUniform", "config": {"minval": 0.0, "maxval": 1.0, "seed": 2}})
    assert isinstance(got, initializers.RandomUniform) and got.maxval == 1.0 and got.seed == 2


def test_get_from_values():
    values = np.arange(6, dtype="float32").reshape(2, 3)
    init = initializers.get(values)
    out = init((2, 3), dtype="int32")
    assert lamina.ops.dtype(out) == "int32"
    np.testing.assert_array_equal(to_np(out), values.astype("int32"))
    init = initializers.get(lamina.ops.convert_to_tensor(values))
    np.testing.assert_array_equal(to_np(init((2, 3))), values)
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        init((3, 2))


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as info:
        initializers.get("glorot_unifrom")
    msg = str(info.value)
    assert "initializer" in msg and "glorot_unifrom" in msg and "'glorot_uniform'" in msg
    for other_family in ("relu", "Dense", "l2"):
        with pytest.raises(ValueError, match=other_family):
            initializers.get(other_family)
    with pytest.raises(ValueError, match="initializer"):
        initializers.get(3.5)


@pytest.mark.parametrize("kwargs,match", [
    ({"scale": 0.0}, "scale"), ({"scale": -1.0}, "scale"), ({"mode": "fan_sum"}, "mode"),
    ({"distribution": "cauchy"}, "distribution"),
])
def test_variance_scaling_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        initializers.VarianceScaling(**kwargs)


def test_bad_seed_and_bad_shapes():
    with pytest.raises(ValueError, match="seed"):
        initializers.RandomNormal(seed="abc")
    with pytest.raises(ValueError, match="rank"):
        initializers.Orthogonal()((5,))
    with pytest.raises(ValueError, match="2D"):
        initializers.Identity()((2, 2, 2))


# ------------------------------------------------------------------ fans
FAN_SHAPES = [(), (7,), (5, 3), (3, 8, 16), (3, 3, 16, 32), (2, 3, 4, 5, 6), (1, 1, 1, 1)]


@pytest.mark.parametrize("shape", FAN_SHAPES)
def test_compute_fans_matches_keras(keras, shape):
    from keras.src.initializers.random_initializers import compute_fans as keras_fans

    assert compute_fans(shape) == keras_fans(shape)


def test_compute_fans_with_axes(keras):
    from keras.src.initializers.random_initializers import compute_fans as keras_fans

    for shape, ia, oa in [((4, 5, 6), [0], [1, 2]), ((4, 5, 6), [0, 1], [2]), ((2, 3, 4, 5), [-2], [-1])]:
        assert compute_fans(shape, ia, oa) == keras_fans(shape, ia, oa)
    assert compute_fans((3, 3, 16, 32)) == (144, 288)


# ------------------------------------------------------------------ distributions
# (initializer, shape, kind, target) with target the uniform limit or the normal stddev.
def _dist_cases():
    dense, conv = (400, 300), (3, 3, 40, 60)
    cases = []
    for shape in (dense, conv):
        fi, fo = compute_fans(shape)
        cases += [
            (initializers.GlorotUniform(seed=1), shape, "uniform", math.sqrt(6 / (fi + fo))),
            (initializers.HeUniform(seed=1), shape, "uniform", math.sqrt(6 / fi)),
            (initializers.LecunUniform(seed=1), shape, "uniform", math.sqrt(3 / fi)),
            (initializers.GlorotNormal(seed=1), shape, "truncated", math.sqrt(2 / (fi + fo))),
            (initializers.HeNormal(seed=1), shape, "truncated", math.sqrt(2 / fi)),
            (initializers.LecunNormal(seed=1), shape, "truncated", math.sqrt(1 / fi)),
            (initializers.VarianceScaling(3.0, "fan_out", "uniform", seed=1), shape, "uniform",
             math.sqrt(9 / fo)),
            (initializers.VarianceScaling(0.5, "fan_avg", "untruncated_normal", seed=1), shape, "normal",
             math.sqrt(0.5 / ((fi + fo) / 2))),
        ]
    cases += [
        (initializers.RandomUniform(-0.3, 0.3, seed=1), dense, "uniform", 0.3),
        (initializers.RandomNormal(0.0, 0.2, seed=1), dense, "normal", 0.2),
        (initializers.TruncatedNormal(0.0, 0.2, seed=1), dense, "truncated_raw", 0.2),
    ]
    return cases


DIST_CASES = _dist_cases()


@pytest.mark.parametrize("case", DIST_CASES, ids=lambda c: f"{type(c[0]).__name__}-{c[1]}-{c[2]}")
def test_distribution_statistics(case):
    init, shape, kind, target = case
    w = init(shape)
    assert tuple(lamina.ops.shape(w)) == shape
    assert lamina.ops.dtype(w) == "float32"
    w = to_np(w).astype("float64").ravel()
    n = w.size
    assert abs(w.mean()) < 4 * w.std() / math.sqrt(n)
    if kind == "uniform":
        assert w.min() >= -target and w.max() <= target
        assert w.min() < -0.98 * target and w.max() > 0.98 * target
        np.testing.assert_allclose(w.std(), target / math.sqrt(3), rtol=0.03)
    elif kind == "normal":
        np.testing.assert_allclose(w.std(), target, rtol=0.03)
        assert np.abs(w).max() > 3 * target  # not truncated
    elif kind == "truncated":
        # The sampling stddev is target / 0.8796..., so that after cutting at 2 of it the stddev is target.
        raw = target / 0.87962566103423978
        assert np.abs(w).max() <= 2 * raw * (1 + 1e-6)
        np.testing.assert_allclose(w.std(), target, rtol=0.03)
    else:  # TruncatedNormal: cut at 2 stddev of the given stddev
        assert np.abs(w).max() <= 2 * target * (1 + 1e-6)
        np.testing.assert_allclose(w.std(), target * 0.87962566103423978, rtol=0.03)


def test_random_normal_mean_and_dtype():
    if BACKEND == "jax":
        dtype = "float16"
    else:
        dtype = "float64"
    w = initializers.RandomNormal(mean=3.0, stddev=0.5, seed=2)((200, 200), dtype=dtype)
    assert lamina.ops.dtype(w) == dtype
    w = to_np(w).astype("float64")
    np.testing.assert_allclose(w.mean(), 3.0, atol=0.01)
    np.testing.assert_allclose(w.std(), 0.5, rtol=0.03)


# ------------------------------------------------------------------ seeds
@pytest.mark.parametrize("cls", ["RandomNormal", "RandomUniform", "TruncatedNormal", "GlorotUniform",
                                 "HeNormal", "Orthogonal"])
def test_seed_semantics(cls):
    make = getattr(initializers, cls)
    shape = (6, 5)
    seeded = make(seed=11)
    first = to_np(seeded(shape))
    np.testing.assert_array_equal(to_np(seeded(shape)), first)          # an int seed repeats
    np.testing.assert_array_equal(to_np(make(seed=11)(shape)), first)   # and is reproducible
    assert not np.array_equal(to_np(make(seed=12)(shape)), first)
    unseeded = make()
    np.testing.assert_array_equal(to_np(unseeded(shape)), to_np(unseeded(shape)))  # seed picked once
    assert not np.array_equal(to_np(make()(shape)), to_np(make()(shape)))
    gen = make(seed=lamina.random.SeedGenerator(5))
    a, b = to_np(gen(shape)), to_np(gen(shape))
    assert not np.array_equal(a, b)                                      # a generator advances
    again = make(seed=lamina.random.SeedGenerator(5))
    np.testing.assert_array_equal(to_np(again(shape)), a)
    np.testing.assert_array_equal(to_np(again(shape)), b)


def test_seed_generator_config_round_trips():
    init = initializers.RandomNormal(seed=lamina.random.SeedGenerator(3))
    config = initializers.serialize(init)
    assert config["config"]["seed"]["class_name"] == "SeedGenerator"
    back = initializers.deserialize(config)
    assert isinstance(back.seed, lamina.random.SeedGenerator)


# ------------------------------------------------------------------ deterministic initializers
@pytest.mark.parametrize("dtype", ["float32", "int32", "float64"])
def test_constant_zeros_ones_match_keras(keras, dtype):
    if dtype == "float64" and BACKEND == "jax":
        pytest.skip("jax runs with x64 disabled")
    for name, kwargs in [("Constant", {"value": 3}), ("Zeros", {}), ("Ones", {})]:
        ours = getattr(initializers, name)(**kwargs)((2, 3, 4), dtype=dtype)
        theirs = getattr(keras.initializers, name)(**kwargs)((2, 3, 4), dtype=dtype)
        assert lamina.ops.dtype(ours) == dtype
        np.testing.assert_array_equal(to_np(ours), keras.ops.convert_to_numpy(theirs))
    assert lamina.ops.dtype(initializers.Constant(1.5)((2,))) == lamina.config.floatx()


@pytest.mark.parametrize("shape,gain", [((3, 3), 1.0), ((2, 4), 2.0), ((5, 2), 0.5)])
def test_identity_matches_keras(keras, shape, gain):
    ours = initializers.Identity(gain=gain)(shape)
    theirs = keras.initializers.Identity(gain=gain)(shape)
    np.testing.assert_array_equal(to_np(ours), keras.ops.convert_to_numpy(theirs))
    np.testing.assert_array_equal(to_np(ours), gain * np.eye(*shape))


@pytest.mark.parametrize("shape", [(4, 4), (3, 7), (7, 3), (3, 3, 4, 8), (2, 2, 8, 3)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_is_orthogonal(shape, gain):
    w = to_np(initializers.Orthogonal(gain=gain, seed=3)(shape)).astype("float64")
    assert w.shape == shape
    m = w.reshape(-1, shape[-1])
    gram = m @ m.T if m.shape[0] < m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, gain**2 * np.eye(gram.shape[0]), atol=1e-5)


STFT_CASES = [
    {}, {"side": "imag"}, {"window": "hamming", "scaling": "spectrum"}, {"window": None, "scaling": None},
    {"window": "hann", "periodic": True}, {"side": "imag", "window": np.linspace(0.1, 1.0, 16), "scaling": None},
]


@pytest.mark.parametrize("kwargs", STFT_CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()
                                                                       if k != "window" or isinstance(v, str)))
def test_stft_matches_keras(keras, kwargs):
    ours = initializers.STFT(**kwargs)((16, 1, 9))
    theirs = keras.initializers.STFT(**kwargs)((16, 1, 9))
    np.testing.assert_allclose(to_np(ours), keras.ops.convert_to_numpy(theirs), rtol=1e-5, atol=1e-6)


def test_stft_rejects_bad_arguments():
    with pytest.raises(ValueError, match="side"):
        initializers.STFT(side="both")
    with pytest.raises(ValueError, match="scaling"):
        initializers.STFT(scaling="power")
    with pytest.raises(ValueError, match="frame length"):
        initializers.STFT(window=np.ones(5))((16, 1, 9))


@pytest.mark.parametrize("name,shape", [("RandomNormal", (3, 4)), ("RandomUniform", (5,)),
                                        ("TruncatedNormal", (4, 4)), ("GlorotUniform", (3, 3, 2, 4)),
                                        ("HeNormal", (6, 2)), ("LecunUniform", (2, 7)),
                                        ("Orthogonal", (4, 6)), ("Orthogonal", (3, 3, 2, 4))])
def test_int_seed_gives_keras_values_on_jax(keras, name, shape):
    if BACKEND != "jax":
        pytest.skip("only lamina's jax backend draws the same random stream as Keras for a given seed")
    ours = to_np(getattr(initializers, name)(seed=3)(shape))
    theirs = keras.ops.convert_to_numpy(getattr(keras.initializers, name)(seed=3)(shape))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
