"""Pooling ops of lamina.ops.nn (max_pool, average_pool, adaptive_max_pool, adaptive_average_pool).

Values against a direct NumPy reference (padding never wins a max and is not
counted in an average, as in TensorFlow) and the Keras 3 oracle on lamina's
backend framework; dtypes; inferred shapes with None dims; error messages.
"""

import numpy as np
import pytest

import lamina
from lamina import ops
from tests.conftest import BACKEND, assert_close, to_np

RNG = np.random.default_rng(11)
FORMATS = ["channels_last", "channels_first"]
KT = lamina.KerasTensor


def _rand(shape):
    return RNG.standard_normal(shape).astype("float32")


def _first(x):
    return np.moveaxis(x, -1, 1)


def _tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def _reference_pool(x, pool_size, strides, padding, reduce):
    """Channels_last pooling, one output position at a time, over the real (unpadded) positions only."""
    n = x.ndim - 2
    pool_size = _tuple(pool_size, n)
    strides = pool_size if strides is None else _tuple(strides, n)
    sizes, outs, before = x.shape[1:-1], [], []
    for size, k, s in zip(sizes, pool_size, strides):
        if padding == "same":
            out = -(-size // s)
            before.append(max((out - 1) * s + k - size, 0) // 2)
        else:
            out = (size - k) // s + 1
            before.append(0)
        outs.append(out)
    y = np.empty((x.shape[0], *outs, x.shape[-1]), dtype="float64")
    for idx in np.ndindex(*outs):
        window = tuple(slice(max(i * s - b, 0), min(i * s - b + k, size))
                       for i, s, b, k, size in zip(idx, strides, before, pool_size, sizes))
        y[(slice(None), *idx)] = reduce(x[(slice(None), *window)].astype("float64"), axis=tuple(range(1, n + 1)))
    return y


def _reference_adaptive(x, output_size, reduce):
    """Channels_last adaptive pooling with PyTorch's windows [floor(i*n/o), ceil((i+1)*n/o))."""
    n = x.ndim - 2
    output_size = _tuple(output_size, n)
    y = np.empty((x.shape[0], *output_size, x.shape[-1]), dtype="float64")
    for idx in np.ndindex(*output_size):
        window = tuple(slice((i * size) // o, -(-((i + 1) * size) // o))
                       for i, o, size in zip(idx, output_size, x.shape[1:-1]))
        y[(slice(None), *idx)] = reduce(x[(slice(None), *window)].astype("float64"), axis=tuple(range(1, n + 1)))
    return y


# id, input shape (channels_last), pool_size, strides, padding
POOL_CASES = [
    ("1d_valid", (2, 9, 3), 3, 2, "valid"),
    ("1d_same_even_window", (2, 10, 3), 4, 1, "same"),
    ("1d_same_odd_input", (2, 9, 2), 2, None, "same"),
    ("2d_valid_default_strides", (2, 7, 6, 3), (2, 2), None, "valid"),
    ("2d_same_stride2", (2, 7, 6, 3), (3, 3), (2, 2), "same"),
    ("2d_same_mixed", (2, 7, 8, 2), (3, 4), (1, 3), "same"),
    ("2d_valid_strides", (2, 9, 8, 2), (3, 2), (2, 3), "valid"),
    ("3d_valid", (1, 5, 6, 4, 2), (2, 2, 2), None, "valid"),
    ("3d_same", (1, 5, 6, 4, 2), (3, 2, 2), (2, 1, 2), "same"),
]

# Keras 3's torch backend pads asymmetric "same" windows by replicating the
# edge and then counts those copies in averages; TensorFlow (and Keras on
# jax/numpy, and lamina) leaves padding out of the count. Where the two
# disagree, lamina is checked against the reference only.
_TORCH_ORACLE_AVERAGE_DIFFERS = {"1d_same_even_window", "2d_same_stride2", "3d_same"}


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("case", POOL_CASES, ids=[c[0] for c in POOL_CASES])
@pytest.mark.parametrize("op,reduce", [("max_pool", np.max), ("average_pool", np.mean)])
def test_pooling_matches_reference_and_oracle(keras, op, reduce, case, data_format):
    name, x_shape, pool_size, strides, padding = case
    x = _rand(x_shape)
    expected = _reference_pool(x, pool_size, strides, padding, reduce)
    xi = _first(x) if data_format == "channels_first" else x
    got = getattr(ops, op)(xi, pool_size, strides, padding, data_format)
    assert_close(got, _first(expected) if data_format == "channels_first" else expected)
    assert lamina.backend.standardize_dtype(got.dtype) == "float32"
    if op == "average_pool" and BACKEND == "torch" and name in _TORCH_ORACLE_AVERAGE_DIFFERS:
        return
    # Keras's numpy backend fails on strides=None, so the oracle gets them explicitly.
    oracle = getattr(keras.ops, op)(xi, pool_size, pool_size if strides is None else strides, padding, data_format)
    assert_close(got, keras.ops.convert_to_numpy(oracle))


def test_same_padding_never_wins_a_max_and_is_not_averaged():
    x = -np.arange(1.0, 6.0, dtype="float32").reshape(1, 5, 1)  # all negative
    # pool 2, stride 2, "same" on 5 -> 3 windows; the last holds x[4] and one padded slot.
    assert_close(ops.max_pool(x, 2, padding="same"), np.array([-1.0, -3.0, -5.0]).reshape(1, 3, 1))
    assert_close(ops.average_pool(x, 2, padding="same"), np.array([-1.5, -3.5, -5.0]).reshape(1, 3, 1))
    # pool 4, stride 1 on 5: padding (1, 2); the first window covers x[0:3], the last x[3:5].
    assert_close(ops.average_pool(x, 4, 1, "same"), np.array([-2.0, -2.5, -3.5, -4.0, -4.5]).reshape(1, 5, 1))


def test_integer_inputs():
    x = RNG.integers(-50, 50, (2, 7, 6, 3)).astype("int32")
    got = ops.max_pool(x, 3, 2, "same")
    assert lamina.backend.standardize_dtype(got.dtype) == "int32"
    np.testing.assert_array_equal(to_np(got), _reference_pool(x, 3, 2, "same", np.max).astype("int32"))
    avg = ops.average_pool(x, 2)
    assert lamina.backend.standardize_dtype(avg.dtype) == "float32"
    assert_close(avg, _reference_pool(x, 2, None, "valid", np.mean))
    assert ops.average_pool(KT((None, 7, 6, 3), "int32"), 2).dtype == "float32"
    assert ops.max_pool(KT((None, 7, 6, 3), "int32"), 2).dtype == "int32"


@pytest.mark.skipif(BACKEND == "jax", reason="jax runs with x64 disabled (no float64 arrays)")
def test_float64_is_kept():
    x = RNG.standard_normal((1, 6, 6, 2))
    assert lamina.backend.standardize_dtype(ops.average_pool(x, 2, padding="same").dtype) == "float64"
    assert lamina.backend.standardize_dtype(ops.max_pool(x, 3, 2).dtype) == "float64"


# id, input shape (channels_last), output_size
ADAPTIVE_CASES = [
    ("1d_uneven", (2, 7, 3), 3),
    ("1d_upsample", (2, 3, 2), 5),
    ("2d_divisible", (2, 8, 6, 3), (4, 3)),
    ("2d_uneven", (2, 7, 9, 2), (3, 4)),
    ("2d_global", (2, 5, 4, 2), 1),
    ("3d", (1, 5, 4, 6, 2), (2, 3, 4)),
]


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("case", ADAPTIVE_CASES, ids=[c[0] for c in ADAPTIVE_CASES])
@pytest.mark.parametrize("op,reduce", [("adaptive_max_pool", np.max), ("adaptive_average_pool", np.mean)])
def test_adaptive_pooling_matches_reference_and_oracle(keras, op, reduce, case, data_format):
    _, x_shape, output_size = case
    x = _rand(x_shape)
    expected = _reference_adaptive(x, output_size, reduce)
    xi = _first(x) if data_format == "channels_first" else x
    got = getattr(ops, op)(xi, output_size, data_format=data_format)
    assert_close(got, _first(expected) if data_format == "channels_first" else expected)
    n = len(x_shape) - 2
    oracle = getattr(keras.ops, op)(xi, _tuple(output_size, n), data_format=data_format)
    assert_close(got, keras.ops.convert_to_numpy(oracle))


def test_adaptive_integer_inputs():
    x = RNG.integers(-50, 50, (2, 7, 5, 3)).astype("int32")
    got = ops.adaptive_max_pool(x, (3, 2))
    assert lamina.backend.standardize_dtype(got.dtype) == "int32"
    np.testing.assert_array_equal(to_np(got), _reference_adaptive(x, (3, 2), np.max).astype("int32"))
    avg = ops.adaptive_average_pool(x, (3, 2))
    assert lamina.backend.standardize_dtype(avg.dtype) == "float32"
    assert_close(avg, _reference_adaptive(x, (3, 2), np.mean))


# ----------------------------------------------------------------------------- symbolic shapes

SPEC_CASES = [
    # op, input shape, args, kwargs, expected shape
    ("max_pool", (None, 8, 8, 3), (2,), {}, (None, 4, 4, 3)),
    ("max_pool", (None, None, 7, 3), ((3, 3), (2, 2), "same"), {}, (None, None, 4, 3)),
    ("average_pool", (4, 3, 9), (3, 2), {"data_format": "channels_first"}, (4, 3, 4)),
    ("average_pool", (None, 5, 6, 7, 2), ((2, 3, 4),), {"strides": 1, "padding": "same"}, (None, 5, 6, 7, 2)),
    ("max_pool", (None, 9, None), (2, 3), {"padding": "same"}, (None, 3, None)),
    ("adaptive_max_pool", (None, None, None, 3), ((2, 5),), {}, (None, 2, 5, 3)),
    ("adaptive_average_pool", (None, 3, 8, 8), ((4, 2),), {"data_format": "channels_first"}, (None, 3, 4, 2)),
]


@pytest.mark.parametrize("op,x_shape,args,kwargs,expected", SPEC_CASES)
def test_symbolic_shapes(keras, op, x_shape, args, kwargs, expected):
    out = getattr(ops, op)(KT(x_shape), *args, **kwargs)
    assert isinstance(out, lamina.KerasTensor)
    assert out.shape == expected
    assert out.dtype == "float32"
    if not op.startswith("adaptive"):  # Keras 3.15's adaptive specs mangle channels_last shapes
        assert getattr(keras.ops, op)(keras.KerasTensor(x_shape), *args, **kwargs).shape == expected


def test_adaptive_int_output_size_applies_to_every_dimension():
    assert ops.adaptive_average_pool(KT((None, 9, 9, 3)), 2).shape == (None, 2, 2, 3)
    assert tuple(ops.adaptive_max_pool(_rand((1, 9, 7, 3)), 2).shape) == (1, 2, 2, 3)


def test_pooling_in_a_functional_model():
    x = lamina.Input((6, 6, 2))
    y = ops.average_pool(ops.max_pool(x, 2, 1, "same"), 3)
    assert y.shape == (None, 2, 2, 2)
    model = lamina.Model(x, y)
    data = _rand((2, 6, 6, 2))
    expected = _reference_pool(_reference_pool(data, 2, 1, "same", np.max), 3, None, "valid", np.mean)
    assert_close(model(data), expected)


# ----------------------------------------------------------------------------- errors

ERROR_CASES = [
    ("max_pool", (2, 4, 4, 3), (5,), {}, r"max_pool: the output would be empty.*window of 5.*\(2, 4, 4, 3\)"),
    ("average_pool", (2, 4, 4, 3), (2, 2, "full"), {}, r"average_pool: `padding` must be 'valid' or 'same'.*full"),
    ("average_pool", (2, 8, 8, 3), ((2, 2, 2),), {}, r"average_pool: `pool_size` must be .*2 ints.*\(2, 2, 2\)"),
    ("max_pool", (2, 8, 8, 3), (2, 0), {}, r"max_pool: every value of `strides` must be >= 1"),
    ("max_pool", (8, 3), (2,), {}, r"max_pool: `inputs` must have rank 3, 4 or 5.*\(8, 3\)"),
    ("max_pool", (2, 8, 3), (2,), {"data_format": "NCW"}, r"max_pool: `data_format` must be .*NCW"),
    ("adaptive_max_pool", (2, 8, 8, 3), ((2, 2, 2),), {}, r"adaptive_max_pool: `output_size` must be .*2 ints"),
    ("adaptive_average_pool", (2, 8, 8, 3), (0,), {}, r"adaptive_average_pool: every value of `output_size`"),
]


@pytest.mark.parametrize("op,x_shape,args,kwargs,pattern", ERROR_CASES)
def test_errors_name_the_op_and_shapes(op, x_shape, args, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        getattr(ops, op)(np.ones(x_shape, "float32"), *args, **kwargs)
    with pytest.raises(ValueError, match=pattern):
        getattr(ops, op)(KT(x_shape), *args, **kwargs)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_integer_max_pool_matches_float_result(padding):
    x = np.random.default_rng(5).integers(-50, 50, size=(2, 7, 6, 3)).astype("int32")
    ints = lamina.ops.convert_to_numpy(lamina.ops.max_pool(x, (3, 2), (2, 2), padding=padding))
    floats = lamina.ops.convert_to_numpy(lamina.ops.max_pool(x.astype("float32"), (3, 2), (2, 2), padding=padding))
    assert ints.dtype == np.int32
    np.testing.assert_array_equal(ints, floats.astype("int32"))
