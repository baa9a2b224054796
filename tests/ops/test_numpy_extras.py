"""diff, isin, trapezoid, corrcoef, slogdet, vectorize, view and rearrange against NumPy and Keras."""

import numpy as np
import pytest

import lamina
from lamina import ops
from tests.conftest import BACKEND, assert_close, to_np

RNG = np.random.default_rng(3)


def test_diff_matches_numpy():
    x = RNG.integers(0, 20, size=(3, 6)).astype("int32")
    for n, axis in [(1, -1), (2, -1), (1, 0)]:
        out = ops.diff(x, n=n, axis=axis)
        np.testing.assert_array_equal(to_np(out), np.diff(x, n=n, axis=axis))
    assert ops.diff(lamina.KerasTensor((None, 6)), n=2).shape == (None, 4)


def test_isin_and_invert():
    x = np.array([[1, 2, 3], [4, 5, 6]], "int32")
    np.testing.assert_array_equal(to_np(ops.isin(x, [2, 5])), np.isin(x, [2, 5]))
    np.testing.assert_array_equal(to_np(ops.isin(x, [2, 5], invert=True)), np.isin(x, [2, 5], invert=True))


def test_trapezoid_with_and_without_x():
    y = RNG.normal(size=(4, 5)).astype("float32")
    xs = np.sort(RNG.normal(size=5)).astype("float32")
    assert_close(ops.trapezoid(y), np.trapezoid(y), atol=1e-5)
    assert_close(ops.trapezoid(y, dx=0.5, axis=0), np.trapezoid(y, dx=0.5, axis=0), atol=1e-5)
    assert_close(ops.trapezoid(y, x=xs), np.trapezoid(y, x=xs), atol=1e-5)
    assert str(to_np(ops.trapezoid(np.arange(5, dtype="int32"))).dtype) == "float32"


def test_corrcoef_and_slogdet():
    x = RNG.normal(size=(3, 8)).astype("float32")
    assert_close(ops.corrcoef(x), np.corrcoef(x), atol=1e-5)
    m = RNG.normal(size=(2, 3, 3)).astype("float32")
    sign, logabs = ops.slogdet(m)
    ref_sign, ref_log = np.linalg.slogdet(m)
    assert_close(sign, ref_sign)
    assert_close(logabs, ref_log, atol=1e-5)


def test_vectorize_maps_a_scalar_function():
    fn = ops.vectorize(lambda a, b: a * 2 + b)
    out = fn(np.arange(6, dtype="float32").reshape(2, 3), np.ones((3,), "float32"))
    assert_close(out, np.arange(6).reshape(2, 3) * 2 + 1)


@pytest.mark.parametrize("src,dst", [("float32", "int32"), ("float32", "uint8"), ("int8", "int16")])
def test_view_reinterprets_bytes(src, dst):
    if BACKEND == "jax" and "64" in src + dst:
        pytest.skip("jax runs without 64-bit types")
    x = RNG.normal(size=(2, 4)).astype(src) if src.startswith("float") else \
        RNG.integers(-5, 5, size=(2, 4)).astype(src)
    out = to_np(ops.view(x, dst))
    np.testing.assert_array_equal(out, x.view(dst))
    assert ops.view(lamina.KerasTensor((None, 4), dtype=src), dst).shape == (None,) + x.view(dst).shape[1:]


@pytest.mark.parametrize("pattern,shape,kw", [
    ("b h w c -> b (h w) c", (2, 3, 4, 5), {}),
    ("b h w c -> b c h w", (2, 3, 4, 5), {}),
    ("b (h w) c -> b h w c", (2, 12, 5), {"h": 3}),
    ("b s (n d) -> b n s d", (2, 7, 12), {"n": 4}),
])
def test_rearrange_matches_keras(keras, pattern, shape, kw):
    x = RNG.normal(size=shape).astype("float32")
    expected = keras.ops.convert_to_numpy(keras.ops.rearrange(x, pattern, **kw))
    assert_close(ops.rearrange(x, pattern, **kw), expected)


def test_extras_match_keras_dtypes(keras):
    ints = np.arange(6, dtype="int32")
    assert str(to_np(ops.diff(ints)).dtype) == str(keras.ops.convert_to_numpy(keras.ops.diff(ints)).dtype)
    assert str(to_np(ops.isin(ints, [1])).dtype) == "bool"
