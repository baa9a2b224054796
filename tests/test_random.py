"""lamina.random and lamina.utils.set_random_seed: reproducibility, SeedGenerator state, distributions."""

import random as python_random

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina import random as R
from lamina.backend.common.scopes import StatelessScope, SymbolicScope
from lamina.core.keras_tensor import KerasTensor
from lamina.random.seed_generator import global_seed_generator
from lamina.utils.random_seed import get_random_seed, set_random_seed
from tests.conftest import BACKEND, to_np

N = 10_000
LOGITS = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], "float32"))

# (name, function of seed) for every random op: the reproducibility table.
DRAWS = [
    ("normal", lambda seed: R.normal((64,), seed=seed)),
    ("uniform", lambda seed: R.uniform((64,), seed=seed)),
    ("truncated_normal", lambda seed: R.truncated_normal((64,), seed=seed)),
    ("randint", lambda seed: R.randint((64,), 0, 1000, seed=seed)),
    ("dropout", lambda seed: R.dropout(np.ones((64,), "float32"), 0.5, seed=seed)),
    ("shuffle", lambda seed: R.shuffle(np.arange(64), seed=seed)),
    ("categorical", lambda seed: R.categorical(LOGITS, 32, seed=seed)),
]
# gamma, binomial and beta are slow to compile on jax (whose caches each test clears): one test each
# checks their reproducibility and moments on a single shape.
DRAW_IDS = [name for name, _ in DRAWS]


# --- reproducibility ------------------------------------------------------------------

def _check_reproducible(draw):
    """Same int seed -> same numbers, another seed -> others; a SeedGenerator advances and replays."""
    a, b, c = to_np(draw(7)), to_np(draw(7)), to_np(draw(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    g1, g2 = R.SeedGenerator(7), R.SeedGenerator(7)
    first, second = to_np(draw(g1)), to_np(draw(g1))
    np.testing.assert_array_equal(first, a)  # an int seed s is a SeedGenerator(s)'s first draw
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, to_np(draw(g2)))
    np.testing.assert_array_equal(second, to_np(draw(g2)))
    return a


@pytest.mark.parametrize("draw", [d for _, d in DRAWS], ids=DRAW_IDS)
def test_reproducible(draw):
    _check_reproducible(draw)


def test_seed_generator_state_variable():
    g = R.SeedGenerator(42)
    state = g.state
    assert isinstance(state, lamina.Variable)
    assert state.dtype == "uint32" and state.shape == (2,) and not state.trainable
    assert state.name == "seed_generator_state"
    assert state.numpy().tolist() == [42, 0]
    seed = g.next()
    assert to_np(seed).tolist() == [42, 0]
    assert state.numpy().tolist() == [42, 1]  # next() assigned the advanced state
    R.normal((2,), seed=g)
    assert state.numpy().tolist() == [42, 2]
    assert to_np(seed).tolist() == [42, 0]  # the returned seed is a copy, not a view of the state


def test_seed_generator_config_names_and_errors():
    g = R.SeedGenerator(5, name="my_gen")
    assert g.get_config() == {"seed": 5, "name": "my_gen"}
    h = R.SeedGenerator.from_config(g.get_config())
    np.testing.assert_array_equal(to_np(R.uniform((4,), seed=g)), to_np(R.uniform((4,), seed=h)))
    assert R.SeedGenerator().name != R.SeedGenerator().name
    assert R.SeedGenerator(-1).state.numpy().tolist() == [2**32 - 1, 0]
    with pytest.raises(ValueError, match="SeedGenerator: `seed` must be an integer or None"):
        R.SeedGenerator(1.5)
    with pytest.raises(ValueError, match="unrecognized keyword arguments"):
        R.SeedGenerator(1, foo=2)
    with pytest.raises(ValueError, match="`seed` must be an int, None or a lamina.random.SeedGenerator"):
        R.normal((2,), seed="abc")


def test_next_inside_stateless_scope_records_the_update():
    g = R.SeedGenerator(9)
    with StatelessScope() as scope:
        a = R.normal((3,), seed=g)
        b = R.normal((3,), seed=g)
    assert not np.array_equal(to_np(a), to_np(b))
    assert to_np(scope.get_current_value(g.state)).tolist() == [9, 2]
    assert g.state.numpy().tolist() == [9, 0]  # the variable itself is untouched


def test_global_generator_and_set_random_seed():
    set_random_seed(1234)
    a = to_np(R.normal((5,)))
    b = to_np(R.normal((5,)))
    py_a, np_a = python_random.random(), np.random.rand()
    assert not np.array_equal(a, b)  # the global generator advances
    set_random_seed(1234)
    np.testing.assert_array_equal(a, to_np(R.normal((5,))))
    np.testing.assert_array_equal(b, to_np(R.normal((5,))))
    assert python_random.random() == py_a and np.random.rand() == np_a
    assert get_random_seed() == 1234
    assert global_seed_generator()._initial_seed == 1234
    set_random_seed(99)
    assert not np.array_equal(a, to_np(R.normal((5,))))
    for bad in (1.0, "1", -1, 2**32):
        with pytest.raises(ValueError, match="set_random_seed"):
            set_random_seed(bad)


def test_lamina_namespaces():
    assert lamina.random.normal is R.normal and lamina.random.SeedGenerator is R.SeedGenerator


# --- distributions ------------------------------------------------------------------

def test_normal_statistics_and_dtypes():
    x = to_np(R.normal((N,), mean=2.0, stddev=3.0, seed=1))
    assert x.dtype == np.float32 and x.shape == (N,)
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.1
    for dtype in ("float16", "bfloat16"):
        assert ops.dtype(R.normal((3, 2), dtype=dtype, seed=0)) == dtype
    assert R.normal(4, seed=0).shape == (4,)
    assert to_np(R.normal((), seed=0)).shape == ()


def test_uniform_statistics():
    x = to_np(R.uniform((N,), minval=-2.0, maxval=6.0, seed=2))
    assert x.min() >= -2.0 and x.max() < 6.0
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 8 / np.sqrt(12)) < 0.1
    assert ops.dtype(R.uniform((2,), dtype="float16", seed=0)) == "float16"


def test_truncated_normal_within_two_stddev():
    x = to_np(R.truncated_normal((N,), mean=1.0, stddev=0.5, seed=3))
    assert x.min() >= 1.0 - 2 * 0.5 and x.max() <= 1.0 + 2 * 0.5
    assert abs(x.mean() - 1.0) < 0.03
    assert abs(x.std() - 0.5 * 0.8796) < 0.02  # std of a standard normal truncated at +-2
    assert (np.abs(x - 1.0) > 0.9).any()  # reaches out towards the bounds


def test_randint_range_and_dtype():
    x = to_np(R.randint((N,), 3, 9, seed=4))
    assert x.dtype == np.int32 and x.min() == 3 and x.max() == 8
    counts = np.bincount(x - 3, minlength=6) / N
    assert np.all(np.abs(counts - 1 / 6) < 0.02)
    assert ops.dtype(R.randint((3,), 0, 5, dtype="uint8", seed=0)) == "uint8"
    with pytest.raises(ValueError, match="randint requires an integer `dtype`"):
        R.randint((3,), 0, 5, dtype="float32")
    with pytest.raises(ValueError, match="randint: `maxval` must be greater than `minval`"):
        R.randint((3,), 5, 5)


@pytest.mark.parametrize("seed", [5, "generator", None])
def test_dropout_scales_kept_values(seed):
    if seed == "generator":
        seed = R.SeedGenerator(5)
    x = np.random.default_rng(0).uniform(1, 2, (100, 100)).astype("float32")
    out = to_np(R.dropout(x, 0.3, seed=seed))
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.03
    np.testing.assert_allclose(out[kept], x[kept] / 0.7, rtol=1e-6)
    assert out.dtype == np.float32


def test_dropout_noise_shape_rate_bounds_and_dtypes():
    x = np.ones((50, 40), "float32")
    out = to_np(R.dropout(x, 0.5, noise_shape=(1, None), seed=6))  # one mask row shared by all rows
    assert (out == out[0]).all() and 0 < (out[0] != 0).sum() < 40
    np.testing.assert_array_equal(to_np(R.dropout(x, 0.0, seed=1)), x)
    assert (to_np(R.dropout(x, 1.0, seed=1)) == 0).all()
    assert ops.dtype(R.dropout(x.astype("float16"), 0.5, seed=1)) == "float16"
    with pytest.raises(ValueError, match=r"dropout: `rate` must be a number in \[0, 1\]"):
        R.dropout(x, 1.5)
    with pytest.raises(ValueError, match="dropout: `noise_shape`"):
        R.dropout(x, 0.5, noise_shape=(3, 40), seed=1)


def test_shuffle_is_a_permutation():
    x = np.arange(100)
    out = to_np(R.shuffle(x, seed=7))
    assert sorted(out.tolist()) == x.tolist() and not np.array_equal(out, x)
    m = np.arange(60).reshape(6, 10)
    cols = to_np(R.shuffle(m, axis=1, seed=7))
    for row_in, row_out in zip(m, cols):  # each row is permuted within itself
        assert sorted(row_out.tolist()) == row_in.tolist()
    with pytest.raises(ValueError, match="shuffle: axis 2 is out of bounds"):
        R.shuffle(m, axis=2)


def test_categorical_frequencies():
    out = to_np(R.categorical(LOGITS, 5000, seed=8))
    assert out.shape == (2, 5000) and out.dtype == np.int32
    for row, probs in zip(out, np.exp(LOGITS)):
        freq = np.bincount(row, minlength=3) / 5000
        np.testing.assert_allclose(freq, probs, atol=0.03)
    never = to_np(R.categorical(np.array([[0.0, -np.inf, 0.0]], "float32"), 500, seed=1))
    assert not (never == 1).any()
    with pytest.raises(ValueError, match="categorical: `logits` must be 2-D"):
        R.categorical(np.zeros(3, "float32"), 2)


def test_gamma_reproducible_and_moments():
    g = _check_reproducible(lambda seed: R.gamma((N,), alpha=3.0, seed=seed))
    assert g.min() > 0 and abs(g.mean() - 3.0) < 0.1 and abs(g.var() - 3.0) < 0.3
    small = to_np(R.gamma((N,), alpha=0.5, seed=9))
    assert small.min() >= 0 and abs(small.mean() - 0.5) < 0.05
    with pytest.raises(ValueError, match="gamma: `alpha` must be > 0"):
        R.gamma((2,), alpha=0.0)


def test_binomial_reproducible_and_moments():
    b = _check_reproducible(lambda seed: R.binomial((N,), counts=20, probabilities=0.25, seed=seed))
    assert b.min() >= 0 and b.max() <= 20 and np.all(b == np.round(b))
    assert abs(b.mean() - 5.0) < 0.1 and abs(b.var() - 3.75) < 0.3
    with pytest.raises(ValueError, match=r"binomial: `probabilities` must lie in \[0, 1\]"):
        R.binomial((2,), 5, 1.5)


def test_beta_reproducible_and_moments():
    be = _check_reproducible(lambda seed: R.beta((N,), alpha=2.0, beta=5.0, seed=seed))
    assert be.min() >= 0 and be.max() <= 1 and abs(be.mean() - 2 / 7) < 0.01
    assert abs(be.var() - 10 / (49 * 8)) < 0.005


@pytest.mark.parametrize("fn", [R.normal, R.uniform, R.truncated_normal, R.gamma, R.beta])
def test_float_only_ops_refuse_int_dtype(fn):
    args = {R.gamma: (2.0,), R.beta: (2.0, 2.0)}.get(fn, ())
    with pytest.raises(ValueError, match="requires a floating point `dtype`"):
        fn((2,), *args, dtype="int32")


def test_bad_shapes():
    with pytest.raises(ValueError, match="normal: `shape` must be a tuple of non-negative ints"):
        R.normal((2, -1))
    with pytest.raises(ValueError, match="uniform: `shape` has unknown"):
        R.uniform((None, 2))


# --- symbolic -----------------------------------------------------------------------

def test_symbolic_specs_consume_no_seed():
    g = R.SeedGenerator(3)
    x = KerasTensor((None, 8), dtype="float16")
    y = R.dropout(x, 0.5, seed=g)
    assert y.shape == (None, 8) and y.dtype == "float16"
    assert y._keras_history.operation.op_name == "dropout"
    assert R.shuffle(x, axis=1).shape == (None, 8)
    assert R.categorical(KerasTensor((None, 5)), 3).shape == (None, 3)
    with SymbolicScope():
        n = R.normal((None, 4), seed=g)
        u = R.uniform((2, 4), dtype="float16", seed=g)
    assert isinstance(n, KerasTensor) and n.shape == (None, 4) and n.dtype == "float32"
    assert isinstance(u, KerasTensor) and u.dtype == "float16"
    assert g.state.numpy().tolist() == [3, 0]


# --- JAX: pure, jittable, and the same numbers as Keras ----------------------------------

@pytest.mark.skipif(BACKEND != "jax", reason="jax.jit is a jax feature")
def test_seed_generator_in_jitted_stateless_step():
    import jax

    g = R.SeedGenerator(21)

    @jax.jit
    def step(state):
        with StatelessScope({g.state: state}) as scope:
            x = R.normal((4,), seed=g)
            d = R.dropout(np.ones((4,), "float32"), 0.5, seed=g)
        return x, d, scope.get_current_value(g.state)

    x1, d1, s1 = step(g.state.value)
    x2, _, s2 = step(s1)
    assert to_np(s1).tolist() == [21, 2] and to_np(s2).tolist() == [21, 4]
    assert not np.array_equal(to_np(x1), to_np(x2))
    np.testing.assert_array_equal(to_np(x1), to_np(R.normal((4,), seed=21)))  # eager == jitted
    with pytest.raises(ValueError, match="seed=None while JAX traces"):
        jax.jit(lambda: R.normal((2,)))()


@pytest.mark.skipif(BACKEND != "jax", reason="lamina and Keras share jax.random's threefry stream only on jax")
@pytest.mark.parametrize("name,kwargs", [
    ("normal", {"shape": (5,), "mean": 1.0, "stddev": 2.0}),
    ("uniform", {"shape": (5,), "minval": -1.0, "maxval": 3.0}),
    ("truncated_normal", {"shape": (5,)}),
    ("randint", {"shape": (5,), "minval": 0, "maxval": 100}),
])
def test_same_numbers_as_keras_on_jax(name, kwargs, keras):
    ours = getattr(R, name)(seed=42, **kwargs)
    theirs = getattr(keras.random, name)(seed=42, **kwargs)
    np.testing.assert_allclose(to_np(ours), keras.ops.convert_to_numpy(theirs), rtol=1e-6)
    gen_ours, gen_theirs = R.SeedGenerator(3), keras.random.SeedGenerator(3)
    for _ in range(2):
        np.testing.assert_allclose(to_np(getattr(R, name)(seed=gen_ours, **kwargs)),
                                   keras.ops.convert_to_numpy(getattr(keras.random, name)(seed=gen_theirs, **kwargs)),
                                   rtol=1e-6)


def test_random_draws_are_reproducible_and_shaped_for_many_shapes():
    """(On jax, eager draws share a few compiled sizes; values must still follow the seed and the shape.)"""
    for shape in [(3,), (5, 7), (2, 3, 4), (1,), (33, 2)]:
        a = lamina.ops.convert_to_numpy(lamina.random.normal(shape, mean=1.0, stddev=2.0, seed=7))
        b = lamina.ops.convert_to_numpy(lamina.random.normal(shape, mean=1.0, stddev=2.0, seed=7))
        c = lamina.ops.convert_to_numpy(lamina.random.uniform(shape, minval=-1.0, maxval=1.0, seed=8))
        t = lamina.ops.convert_to_numpy(lamina.random.truncated_normal(shape, stddev=0.5, seed=9))
        assert a.shape == c.shape == t.shape == shape
        np.testing.assert_array_equal(a, b)
        assert (c >= -1.0).all() and (c < 1.0).all() and (np.abs(t) <= 1.0 + 1e-6).all()
    big = lamina.ops.convert_to_numpy(lamina.random.normal((300, 300), seed=3))
    assert abs(big.mean()) < 0.02 and abs(big.std() - 1.0) < 0.02
