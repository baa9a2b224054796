"""Convolution ops of lamina.ops.nn (conv, depthwise_conv, separable_conv, conv_transpose).

Values against the Keras 3 oracle (on lamina's backend framework) and an
independent NumPy reference, for 1D/2D/3D, strides, dilation, groups,
"valid"/"same" and both data formats; dtypes; inferred shapes on
KerasTensors with None dims; error messages.
"""

import numpy as np
import pytest

import lamina
from lamina import ops
from tests.conftest import assert_close, to_np

RNG = np.random.default_rng(7)


def _rand(shape, scale=0.5):
    return (RNG.standard_normal(shape) * scale).astype("float32")


def _first(x):
    """A channels_last array as channels_first."""
    return np.moveaxis(x, -1, 1)


def _oracle(keras, fn, *args, **kwargs):
    return keras.ops.convert_to_numpy(getattr(keras.ops, fn)(*args, **kwargs))


def _tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def _reference_conv(x, k, strides, padding, dilation):
    """Direct channels_last convolution in float64: one matmul per kernel offset (groups from shapes)."""
    n = x.ndim - 2
    strides, dilation = _tuple(strides, n), _tuple(dilation, n)
    x, k = x.astype("float64"), k.astype("float64")
    eff = [(k.shape[i] - 1) * dilation[i] + 1 for i in range(n)]
    if padding == "same":  # TensorFlow's rule: the odd pixel of padding at the end
        pads = []
        for i in range(n):
            out = -(-x.shape[1 + i] // strides[i])
            total = max((out - 1) * strides[i] + eff[i] - x.shape[1 + i], 0)
            pads.append((total // 2, total - total // 2))
        x = np.pad(x, [(0, 0), *pads, (0, 0)])
    out = [(x.shape[1 + i] - eff[i]) // strides[i] + 1 for i in range(n)]
    groups = x.shape[-1] // k.shape[-2]
    cg, og = k.shape[-2], k.shape[-1] // groups
    y = np.zeros((x.shape[0], *out, k.shape[-1]))
    for offset in np.ndindex(*k.shape[:n]):
        window = tuple(slice(offset[i] * dilation[i], offset[i] * dilation[i] + (out[i] - 1) * strides[i] + 1,
                             strides[i]) for i in range(n))
        patch = x[(slice(None),) + window]
        for g in range(groups):
            y[..., g * og:(g + 1) * og] += patch[..., g * cg:(g + 1) * cg] @ k[offset][:, g * og:(g + 1) * og]
    return y


# id, input shape (channels_last), kernel shape, strides, padding, dilation_rate
CONV_CASES = [
    ("1d", (2, 9, 3), (3, 3, 4), 1, "valid", 1),
    ("1d_same_stride3", (2, 10, 3), (4, 3, 2), 3, "same", 1),
    ("1d_dilated_same", (2, 11, 2), (3, 2, 3), 1, "same", 2),
    ("2d", (2, 7, 6, 3), (3, 3, 3, 4), 1, "valid", 1),
    ("2d_same_stride2", (2, 7, 6, 3), (3, 2, 3, 4), 2, "same", 1),
    ("2d_strides_tuple", (2, 9, 8, 2), (2, 3, 2, 3), (2, 3), "valid", 1),
    ("2d_dilation_tuple", (1, 9, 8, 2), (3, 2, 2, 3), 1, "same", (2, 3)),
    ("2d_stride_and_dilation", (1, 11, 10, 2), (3, 3, 2, 2), 2, "valid", 2),
    ("2d_groups3", (2, 6, 6, 6), (3, 3, 2, 6), 1, "same", 1),
    ("2d_groups4_stride2", (2, 5, 5, 4), (3, 3, 1, 8), 2, "valid", 1),
    ("3d", (1, 5, 6, 4, 2), (2, 3, 2, 2, 3), 1, "valid", 1),
    ("3d_same_strides", (1, 5, 6, 4, 2), (3, 2, 3, 2, 3), (2, 1, 2), "same", 1),
    ("3d_groups2", (1, 4, 4, 4, 4), (2, 2, 2, 2, 4), 1, "same", 1),
]
FORMATS = ["channels_last", "channels_first"]


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("case", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv_matches_oracle_and_reference(keras, case, data_format):
    _, x_shape, k_shape, strides, padding, dilation = case
    x, k = _rand(x_shape), _rand(k_shape)
    expected = _reference_conv(x, k, strides, padding, dilation)
    xi = _first(x) if data_format == "channels_first" else x
    got = ops.conv(xi, k, strides=strides, padding=padding, data_format=data_format, dilation_rate=dilation)
    oracle = _oracle(keras, "conv", xi, k, strides=strides, padding=padding, data_format=data_format,
                     dilation_rate=dilation)
    assert tuple(got.shape) == oracle.shape
    assert_close(got, oracle)
    assert_close(got, _first(expected) if data_format == "channels_first" else expected)
    assert lamina.backend.standardize_dtype(got.dtype) == "float32"


def test_conv_hand_computed():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0], "float32").reshape(1, 5, 1)
    k = np.array([1.0, 10.0], "float32").reshape(2, 1, 1)
    assert_close(ops.conv(x, k), np.array([21, 32, 43, 54.0]).reshape(1, 4, 1))
    # "same", stride 1, even kernel: TF pads 0 before and 1 after.
    assert_close(ops.conv(x, k, padding="same"), np.array([21, 32, 43, 54, 5.0]).reshape(1, 5, 1))
    # stride 2, kernel 3 on 5 -> 3 outputs, total padding 2 split (1, 1).
    k3 = np.array([1.0, 1.0, 1.0], "float32").reshape(3, 1, 1)
    assert_close(ops.conv(x, k3, strides=2, padding="same"), np.array([3, 9, 9.0]).reshape(1, 3, 1))


def test_conv_integer_and_mixed_dtypes():
    x = RNG.integers(-3, 4, (2, 6, 5, 2)).astype("int32")
    k = RNG.integers(-2, 3, (2, 2, 2, 3)).astype("int32")
    got = ops.conv(x, k, padding="same")
    assert lamina.backend.standardize_dtype(got.dtype) == "int32"
    np.testing.assert_array_equal(to_np(got), _reference_conv(x, k, 1, "same", 1).astype("int32"))
    mixed = ops.conv(x, k.astype("float32"))
    assert lamina.backend.standardize_dtype(mixed.dtype) == "float32"
    assert_close(mixed, _reference_conv(x, k, 1, "valid", 1))


def test_list_arguments_equal_tuples():
    x, k = _rand((1, 9, 8, 2)), _rand((3, 2, 2, 3))
    expected = _reference_conv(x, k, (2, 3), "same", 1)
    assert_close(ops.conv(x, k, strides=[2, 3], padding="SAME", dilation_rate=[1, 1]), expected)


def test_conv_accepts_lists_and_variables():
    x = _rand((1, 4, 2))
    k = _rand((2, 2, 3))
    expected = _reference_conv(x, k, 1, "valid", 1)
    assert_close(ops.conv(x.tolist(), lamina.Variable(k)), expected)
    assert_close(ops.conv(ops.convert_to_tensor(x), [list(map(list, r)) for r in k.tolist()]), expected)


def test_default_data_format_comes_from_config():
    x, k = _rand((1, 3, 6, 5)), _rand((2, 2, 3, 4))  # channels_first input: 3 channels
    previous = lamina.config.image_data_format()
    lamina.config.set_image_data_format("channels_first")
    try:
        got = ops.conv(x, k)
        spec = ops.conv(lamina.KerasTensor((None, 3, 6, 5)), lamina.KerasTensor((2, 2, 3, 4)))
    finally:
        lamina.config.set_image_data_format(previous)
    assert_close(got, _first(_reference_conv(np.moveaxis(x, 1, -1), k, 1, "valid", 1)))
    assert spec.shape == (None, 4, 5, 4)


# id, input shape (channels_last), depthwise kernel, strides, padding, dilation_rate
DEPTHWISE_CASES = [
    ("1d", (2, 9, 3), (3, 3, 2), 1, "valid", 1),
    ("1d_same_stride2", (2, 9, 3), (2, 3, 1), 2, "same", 1),
    ("2d", (2, 7, 6, 3), (3, 3, 3, 2), 1, "same", 1),
    ("2d_strides", (2, 7, 6, 2), (3, 2, 2, 3), (2, 1), "valid", 1),
    ("2d_dilated", (1, 8, 8, 2), (2, 3, 2, 2), 1, "same", (2, 2)),
    ("3d", (1, 5, 4, 6, 2), (2, 2, 3, 2, 2), (1, 2, 2), "same", 1),
]


def _depthwise_as_grouped(k):
    """A depthwise kernel (*w, C, M) as the equivalent grouped conv kernel (*w, 1, C*M)."""
    return k.reshape(*k.shape[:-2], 1, k.shape[-2] * k.shape[-1])


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("case", DEPTHWISE_CASES, ids=[c[0] for c in DEPTHWISE_CASES])
def test_depthwise_and_separable_match_oracle(keras, case, data_format):
    _, x_shape, k_shape, strides, padding, dilation = case
    x, dk = _rand(x_shape), _rand(k_shape)
    n = len(x_shape) - 2
    pk = _rand((1,) * n + (k_shape[-2] * k_shape[-1], 4))
    xi = _first(x) if data_format == "channels_first" else x
    kwargs = dict(strides=strides, padding=padding, data_format=data_format, dilation_rate=dilation)

    depth = _reference_conv(x, _depthwise_as_grouped(dk), strides, padding, dilation)
    got = ops.depthwise_conv(xi, dk, **kwargs)
    assert_close(got, _oracle(keras, "depthwise_conv", xi, dk, **kwargs))
    assert_close(got, _first(depth) if data_format == "channels_first" else depth)

    sep = depth @ pk.reshape(pk.shape[-2:]).astype("float64")
    got = ops.separable_conv(xi, dk, pk, **kwargs)
    assert_close(got, _oracle(keras, "separable_conv", xi, dk, pk, **kwargs))
    assert_close(got, _first(sep) if data_format == "channels_first" else sep)


def _transpose_size(size, k, stride, padding, output_padding, dilation):
    """Keras's documented output size of a transposed convolution."""
    eff = (k - 1) * dilation + 1
    if output_padding is None:
        return (size - 1) * stride + max(eff, stride) if padding == "valid" else size * stride
    return (size - 1) * stride + (eff if padding == "valid" else eff % 2) + output_padding


# id, input shape (channels_last), kernel (*w, out, in), strides, padding, output_padding, dilation
TRANSPOSE_CASES = [
    ("1d_valid", (2, 5, 3), (3, 4, 3), 1, "valid", None, 1),
    ("1d_same_stride2", (2, 5, 3), (3, 2, 3), 2, "same", None, 1),
    ("1d_stride3_bigger_than_kernel", (2, 4, 2), (2, 3, 2), 3, "valid", None, 1),
    ("1d_dilated", (1, 6, 2), (3, 2, 2), 1, "same", None, 2),
    ("2d_valid_stride2", (2, 4, 5, 3), (3, 3, 2, 3), 2, "valid", None, 1),
    ("2d_same_stride2", (2, 4, 5, 3), (3, 3, 2, 3), 2, "same", None, 1),
    ("2d_same_even_kernel", (2, 4, 3, 2), (4, 2, 3, 2), (2, 1), "same", None, 1),
    ("2d_output_padding_valid", (1, 4, 4, 2), (3, 3, 2, 2), 2, "valid", 1, 1),
    ("2d_output_padding_same", (1, 4, 4, 2), (3, 3, 2, 2), 2, "same", (1, 0), 1),
    ("3d_same", (1, 3, 4, 3, 2), (2, 3, 2, 3, 2), (2, 1, 2), "same", None, 1),
    ("3d_valid", (1, 3, 3, 2, 2), (2, 2, 2, 2, 2), 1, "valid", None, 1),
]


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=[c[0] for c in TRANSPOSE_CASES])
def test_conv_transpose_matches_oracle(keras, case, data_format):
    _, x_shape, k_shape, strides, padding, output_padding, dilation = case
    x, k = _rand(x_shape), _rand(k_shape)
    n = len(x_shape) - 2
    xi = _first(x) if data_format == "channels_first" else x
    kwargs = dict(strides=strides, padding=padding, output_padding=output_padding, data_format=data_format,
                  dilation_rate=dilation)
    got = ops.conv_transpose(xi, k, **kwargs)
    oracle = _oracle(keras, "conv_transpose", xi, k, **kwargs)
    op = [None] * n if output_padding is None else _tuple(output_padding, n)
    sizes = tuple(_transpose_size(x_shape[1 + i], k_shape[i], _tuple(strides, n)[i], padding, op[i],
                                  _tuple(dilation, n)[i]) for i in range(n))
    expected_shape = (x_shape[0], *sizes, k_shape[-2])
    assert tuple(got.shape) == (_first(np.empty(expected_shape)).shape if data_format == "channels_first"
                                else expected_shape)
    assert_close(got, oracle)


def test_conv_transpose_is_the_gradient_of_conv():
    """<conv(x, k), y> == <x, conv_transpose(y, k)>: Keras's transposed kernel layout is the conv kernel's."""
    x, k = _rand((2, 7, 6, 3)), _rand((3, 3, 3, 4))
    y_shape = to_np(ops.conv(x, k, strides=2, padding="same")).shape
    y = _rand(y_shape)
    lhs = np.sum(to_np(ops.conv(x, k, strides=2, padding="same")).astype("float64") * y)
    back = ops.conv_transpose(y, k, strides=2, padding="same", output_padding=(0, 1))
    assert tuple(back.shape) == x.shape
    rhs = np.sum(to_np(back).astype("float64") * x)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-4)


# ----------------------------------------------------------------------------- symbolic shapes

KT = lamina.KerasTensor

SPEC_CASES = [
    # op, input shape, kernel shape(s), kwargs, expected shape
    ("conv", (None, 8, 8, 3), (3, 3, 3, 5), {}, (None, 6, 6, 5)),
    ("conv", (None, None, 8, 3), (3, 3, 3, 5), {"padding": "same", "strides": 2}, (None, None, 4, 5)),
    ("conv", (4, 3, 9), (2, 3, 6), {"data_format": "channels_first", "dilation_rate": 3}, (4, 6, 6)),
    ("conv", (None, 5, 6, 7, 4), (2, 2, 2, 4, 8), {"strides": (1, 2, 3), "padding": "same"}, (None, 5, 3, 3, 8)),
    ("conv", (None, 8, None), (3, 2, 4), {}, (None, 6, 4)),
    ("depthwise_conv", (None, 8, 8, 3), (3, 3, 3, 2), {"strides": 2}, (None, 3, 3, 6)),
    ("depthwise_conv", (None, 3, None, 8), (3, 3, 3, 2), {"data_format": "channels_first", "padding": "same"},
     (None, 6, None, 8)),
    ("separable_conv", (None, 9, 3), ((3, 3, 2), (1, 6, 5)), {"padding": "same", "strides": 2}, (None, 5, 5)),
    ("conv_transpose", (None, 4, 5, 3), (3, 3, 7, 3), {"strides": 2}, (None, 9, 11, 7)),
    ("conv_transpose", (None, None, 5, 3), (3, 3, 7, 3), {"strides": 2, "padding": "same"}, (None, None, 10, 7)),
    ("conv_transpose", (2, 3, 4), (4, 5, 3), {"data_format": "channels_first", "strides": 3,
                                              "output_padding": 1, "padding": "same"}, (2, 5, 10)),
]


def _kernels(shapes, dtype="float32"):
    if isinstance(shapes[0], tuple):
        return [KT(s, dtype) for s in shapes]
    return [KT(shapes, dtype)]


@pytest.mark.parametrize("op,x_shape,k_shapes,kwargs,expected", SPEC_CASES)
def test_symbolic_shapes(keras, op, x_shape, k_shapes, kwargs, expected):
    out = getattr(ops, op)(KT(x_shape), *_kernels(k_shapes), **kwargs)
    assert isinstance(out, lamina.KerasTensor)
    assert out.shape == expected
    assert out.dtype == "float32"
    kk = [keras.KerasTensor(k.shape) for k in _kernels(k_shapes)]
    assert getattr(keras.ops, op)(keras.KerasTensor(x_shape), *kk, **kwargs).shape == expected


def test_symbolic_grouped_conv_and_dtype():
    out = ops.conv(KT((None, 6, 6, 6), "int8"), KT((3, 3, 2, 9), "float16"), padding="same")
    assert out.shape == (None, 6, 6, 9)
    assert out.dtype == "float16"
    real = ops.conv(np.ones((1, 6, 6, 6), "int8"), np.ones((3, 3, 2, 9), "float16"), padding="same")
    assert lamina.backend.standardize_dtype(real.dtype) == "float16"


def test_symbolic_call_records_a_node_and_replays():
    x = lamina.Input((8, 3))
    k = _rand((3, 3, 2))
    y = ops.conv(x, k, padding="same")
    model = lamina.Model(x, y)
    data = _rand((2, 8, 3))
    assert_close(model(data), _reference_conv(data, k, 1, "same", 1))


# ----------------------------------------------------------------------------- errors

ERROR_CASES = [
    ("conv", (2, 8, 8, 3), (3, 3, 2, 4), {},
     r"conv: the input has 3 channels .*\(2, 8, 8, 3\).*kernel.s input-channel dimension 2.*\(3, 3, 2, 4\)"),
    ("conv", (2, 8, 8, 4), (3, 3, 2, 5), {}, r"conv: .*2 groups.*divisible by 2.*\(3, 3, 2, 5\)"),
    ("conv", (2, 4, 4, 3), (5, 5, 3, 2), {}, r"conv: the output would be empty.*\(2, 4, 4, 3\).*\(5, 5, 3, 2\)"),
    ("conv", (2, 5, 3), (3, 3, 2), {"dilation_rate": 3}, r"conv: the output would be empty"),
    ("conv", (2, 8, 8, 3), (3, 3, 3, 4), {"padding": "full"}, r"conv: `padding` must be 'valid' or 'same'.*full"),
    ("conv", (2, 8, 8, 3), (3, 3, 3, 4), {"padding": ["same"]}, r"conv: `padding` must be 'valid' or 'same'"),
    ("conv", (2, 8, 8, 3), (3, 3, 3, 4), {"strides": (1, 2, 3)}, r"conv: `strides` must be .*2 ints.*\(1, 2, 3\)"),
    ("conv", (2, 8, 8, 3), (3, 3, 3, 4), {"strides": 0}, r"conv: every value of `strides` must be >= 1"),
    ("conv", (2, 8, 8, 3), (3, 3, 4), {}, r"conv: the kernel must have rank 4.*\(3, 3, 4\)"),
    ("conv", (8, 3), (3, 3, 4), {}, r"conv: `inputs` must have rank 3, 4 or 5.*\(8, 3\)"),
    ("conv", (2, 8, 8, 3), (3, 3, 3, 4), {"data_format": "nhwc"}, r"conv: `data_format` must be .*nhwc"),
    ("depthwise_conv", (2, 8, 8, 3), (3, 3, 4, 1), {}, r"depthwise_conv: the input has 3 channels.*expects 4"),
    ("conv_transpose", (2, 8, 8, 3), (3, 3, 4, 2), {}, r"conv_transpose: the input has 3 channels.*expects 2"),
    ("conv_transpose", (2, 8, 8, 3), (3, 3, 4, 3), {"output_padding": -1},
     r"conv_transpose: every value of `output_padding` must be >= 0"),
]


@pytest.mark.parametrize("op,x_shape,k_shape,kwargs,pattern", ERROR_CASES)
def test_errors_name_the_op_and_shapes(op, x_shape, k_shape, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        getattr(ops, op)(np.ones(x_shape, "float32"), np.ones(k_shape, "float32"), **kwargs)
    with pytest.raises(ValueError, match=pattern):
        getattr(ops, op)(KT(x_shape), KT(k_shape), **kwargs)


def test_separable_pointwise_kernel_errors():
    x, dk = np.ones((2, 8, 8, 3), "float32"), np.ones((3, 3, 3, 2), "float32")
    pattern = r"separable_conv: the pointwise kernel of shape \(1, 1, 5, 4\) expects 5.*produces 6"
    with pytest.raises(ValueError, match=pattern):
        ops.separable_conv(x, dk, np.ones((1, 1, 5, 4), "float32"))
    with pytest.raises(ValueError, match=r"separable_conv: the pointwise kernel must have shape \(1, 1, "):
        ops.separable_conv(x, dk, np.ones((3, 3, 6, 4), "float32"))
