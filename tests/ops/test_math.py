"""lamina.ops.math: against NumPy hand computations and against Keras 3 (same framework) as the oracle."""

import math

import numpy as np
import pytest

import lamina
from lamina import ops
from tests.conftest import BACKEND, assert_close, to_np

RNG = np.random.default_rng(1234)
X = RNG.normal(size=(4, 7)).astype("float32")
DATA = RNG.normal(size=(6, 3)).astype("float32")
IDS = np.array([0, 0, 2, 1, 1, 2], dtype="int32")
SIGNAL = RNG.normal(size=(2, 50)).astype("float32")
SPD = (lambda m: m @ m.transpose(0, 2, 1) + np.eye(4, dtype="float32"))(RNG.normal(size=(3, 4, 4)).astype("float32"))
KT = lamina.KerasTensor


def _np(x):
    return np.asarray(to_np(x))


def _oracle_np(keras, x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _check_same(actual, expected, atol=1e-5, rtol=1e-5, check_dtype=True):
    actual = actual if isinstance(actual, (tuple, list)) else (actual,)
    expected = expected if isinstance(expected, (tuple, list)) else (expected,)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        a, e = _np(a), np.asarray(e)
        assert a.shape == e.shape, (a.shape, e.shape)
        if check_dtype:
            assert a.dtype == e.dtype, (a.dtype, e.dtype)
        if np.iscomplexobj(a) or np.iscomplexobj(e):
            np.testing.assert_allclose(a, e, atol=atol, rtol=rtol)
        else:
            np.testing.assert_allclose(a.astype("float64"), e.astype("float64"), atol=atol, rtol=rtol)


# ----------------------------------------------------------------------------- parity with Keras

ORACLE_CASES = [
    ("segment_sum", lambda o: o.segment_sum(DATA, IDS, 3)),
    ("segment_max", lambda o: o.segment_max(DATA, IDS, 3)),
    ("segment_min", lambda o: o.segment_min(DATA, IDS, num_segments=3, sorted=False)),
    ("segment_prod", lambda o: o.segment_prod(DATA, IDS, 3)),
    ("segment_sum_int", lambda o: o.segment_sum((DATA * 10).astype("int32"), IDS, 3)),
    ("top_k_values", lambda o: o.top_k(X, 3)[0]),
    ("in_top_k", lambda o: o.in_top_k(np.array([0, 1, 2, 3]), X, 3)),
    ("logsumexp", lambda o: o.logsumexp(X)),
    ("logsumexp_axis", lambda o: o.logsumexp(X, axis=1, keepdims=True)),
    ("logsumexp_axes", lambda o: o.logsumexp(X, axis=(0, 1))),
    ("cdist", lambda o: o.cdist(X[:, :3], X[:2, 3:6])),
    ("extract_sequences", lambda o: o.extract_sequences(X, 3, 2)),
    ("fft", lambda o: o.fft((X, 2 * X))),
    ("fft2", lambda o: o.fft2((X, 2 * X))),
    ("ifft2", lambda o: o.ifft2((X, 2 * X))),
    ("rfft", lambda o: o.rfft(X)),
    ("rfft_n", lambda o: o.rfft(X, 10)),
    ("irfft", lambda o: o.irfft((X[:, :4], X[:, 3:]), 6)),
    ("stft_hann", lambda o: o.stft(SIGNAL, 16, 4, 16)),
    ("stft_hamming_pad", lambda o: o.stft(SIGNAL, 12, 5, 16, window="hamming", center=False)),
    ("stft_array_window", lambda o: o.stft(SIGNAL, 8, 3, 8, window=np.linspace(0.1, 1, 8).astype("float32"))),
    ("rsqrt", lambda o: o.rsqrt(np.abs(X) + 0.1)),
    ("erf", lambda o: o.erf(X)),
    ("erfc", lambda o: o.erfc(X)),
    ("erfinv", lambda o: o.erfinv(np.tanh(X))),
    ("logdet", lambda o: o.logdet(SPD)),
    ("view_as_complex", lambda o: o.view_as_complex(X.reshape(14, 2))),
]


@pytest.mark.parametrize("name,fn", ORACLE_CASES, ids=[c[0] for c in ORACLE_CASES])
def test_matches_keras(keras, name, fn):
    expected = fn(keras.ops)
    expected = expected if isinstance(expected, (tuple, list)) else (expected,)
    _check_same(fn(ops), [_oracle_np(keras, e) for e in expected], atol=2e-4, rtol=2e-4)


@pytest.mark.parametrize("window,center,args", [("hann", True, (16, 4, 16)), ("hamming", True, (16, 8, 16)),
                                                ("hann", True, (12, 5, 16))])
def test_istft_matches_keras(keras, window, center, args):
    spec = keras.ops.stft(SIGNAL, *args, window=window, center=center)
    spec = tuple(_oracle_np(keras, s) for s in spec)
    expected = _oracle_np(keras, keras.ops.istft(spec, *args, window=window, center=center))
    _check_same(ops.istft(spec, *args, window=window, center=center), expected, atol=2e-4)


# ----------------------------------------------------------------------------- hand computations


def test_segment_reductions_by_hand():
    data = np.array([1, 2, 10, 20, 100, 200], "int32")
    ids = np.array([0, 0, 1, 1, 3, 3])
    _check_same(ops.segment_sum(data, ids, num_segments=4), np.array([3, 30, 0, 300], "int32"))
    _check_same(ops.segment_max(data, ids, 3), np.array([2, 20, np.iinfo("int32").min], "int32"))
    _check_same(ops.segment_min(data, ids, 2), np.array([1, 10], "int32"))
    _check_same(ops.segment_prod(data, ids, 4), np.array([2, 200, 1, 20000], "int32"))
    # Ids outside [0, num_segments) are dropped; an empty float segment's max is -inf.
    out = ops.segment_max(np.array([[1.0], [5.0], [3.0]], "float32"), np.array([-1, 0, 5]), 2)
    _check_same(out, np.array([[5.0], [-np.inf]], "float32"))


def test_segment_sum_infers_num_segments():
    out = ops.segment_sum(DATA, IDS)
    expected = np.stack([DATA[IDS == i].sum(0) for i in range(3)])
    _check_same(out, expected, atol=1e-6)


def test_top_k_orders_ties_by_index():
    values, indices = ops.top_k(np.array([[1.0, 3.0, 3.0, 2.0, 3.0]], "float32"), 4)
    _check_same(values, np.array([[3.0, 3.0, 3.0, 2.0]], "float32"))
    _check_same(indices, np.array([[1, 2, 4, 3]], "int32"))
    v, i = ops.top_k([5, 2, 7, 1, 9, 3], k=3)
    _check_same((v, i), (np.array([9, 7, 5], "int32"), np.array([4, 2, 0], "int32")))


def test_in_top_k_ties_and_nan():
    preds = np.array([[0.1, 0.5, 0.5, 0.2], [0.3, np.nan, 0.1, 0.2]], "float32")
    _check_same(ops.in_top_k(np.array([2, 1]), preds, 1), np.array([True, False]))
    _check_same(ops.in_top_k(np.array([3, 0]), preds, 2), np.array([False, True]))


def test_logsumexp_is_stable():
    x = np.array([[1000.0, 1000.0], [-np.inf, 0.0], [-np.inf, -np.inf]], "float32")
    _check_same(ops.logsumexp(x, axis=1), np.array([1000.0 + math.log(2.0), 0.0, -np.inf], "float32"))
    _check_same(ops.logsumexp(np.array([1, 2, 3], "int32")), np.float32(math.log(math.exp(1) + math.exp(2) + math.exp(3))))


def test_cdist_and_extract_sequences_by_hand():
    x, y = RNG.normal(size=(2, 3, 4)).astype("float32"), RNG.normal(size=(5, 4)).astype("float32")
    expected = np.sqrt(((x[:, :, None, :] - y[None, None]) ** 2).sum(-1))
    _check_same(ops.cdist(x, y), expected, atol=1e-5)
    _check_same(ops.extract_sequences(np.arange(1, 7, dtype="int32"), 3, 2), np.array([[1, 2, 3], [3, 4, 5]], "int32"))


def test_fft_family_against_numpy():
    c = X + 1j * (2 * X)
    _check_same(ops.fft((X, 2 * X)), (np.fft.fft(c).real.astype("float32"), np.fft.fft(c).imag.astype("float32")),
                atol=1e-4)
    _check_same(ops.ifft2(ops.fft2((X, 2 * X))), (X, 2 * X), atol=1e-5)
    real, imag = ops.rfft(X)
    ref = np.fft.rfft(X)
    _check_same((real, imag), (ref.real.astype("float32"), ref.imag.astype("float32")), atol=1e-4)
    _check_same(ops.irfft((real, imag), 7), X, atol=1e-5)
    # int input is computed in floatx
    assert _np(ops.rfft(np.arange(6, dtype="int32"))[0]).dtype == np.float32


def test_stft_is_windowed_rfft_of_reflect_padded_frames():
    x = SIGNAL[0]
    real, imag = ops.stft(x, 8, 4, 8, window="hann")
    padded = np.pad(x, 4, mode="reflect")
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(8) / 8)
    frames = np.stack([padded[i:i + 8] for i in range(0, len(padded) - 7, 4)]) * win
    ref = np.fft.rfft(frames)
    _check_same((real, imag), (ref.real.astype("float32"), ref.imag.astype("float32")), atol=1e-4)


def test_istft_inverts_stft():
    spec = ops.stft(SIGNAL, 16, 4, 16)
    _check_same(ops.istft(spec, 16, 4, 16), SIGNAL[:, :48], atol=1e-4)
    _check_same(ops.istft(spec, 16, 4, 16, length=50), SIGNAL, atol=1e-4)


def test_special_functions_by_hand():
    x = np.array([-3.0, -0.5, 0.0, 0.7, 2.5], "float32")
    _check_same(ops.erf(x), np.array([math.erf(v) for v in x], "float32"), atol=1e-6)
    _check_same(ops.erfc(x), np.array([math.erfc(v) for v in x], "float32"), atol=1e-6)
    y = np.array([-0.99, -0.5, 0.0, 0.3, 0.9], "float32")
    _check_same(ops.erf(ops.erfinv(y)), y, atol=1e-5)
    out = _np(ops.erfinv(np.array([1.0, -1.0, 2.0], "float32")))
    assert out[0] == np.inf and out[1] == -np.inf and np.isnan(out[2])
    _check_same(ops.rsqrt(np.array([1.0, 4.0, 16.0], "float32")), np.array([1.0, 0.5, 0.25], "float32"))
    _check_same(ops.logdet(SPD), np.linalg.slogdet(SPD)[1].astype("float32"), atol=1e-4)


@pytest.mark.skipif(BACKEND != "numpy", reason="the SciPy-free fallbacks belong to the numpy backend")
def test_numpy_fallbacks_without_scipy():
    from lamina.backend.numpy import math as npmath

    x = np.linspace(-4, 4, 41)
    np.testing.assert_allclose(npmath._erf_fallback(x), [math.erf(v) for v in x], atol=1e-15)
    y = np.array([-0.999999, -0.9, -0.3, 0.0, 0.2, 0.75, 0.99999])
    np.testing.assert_allclose(npmath._erf_fallback(npmath._erfinv_fallback(y)), y, atol=1e-14)
    assert np.isinf(npmath._erfinv_fallback(np.array([1.0])))[0]


def test_complex_views():
    c = _np(ops.view_as_complex(np.array([[1.0, 2.0], [3.0, -4.0]], "float32")))
    assert c.dtype == np.complex64
    np.testing.assert_array_equal(c, [1 + 2j, 3 - 4j])
    r = ops.view_as_real(c)
    _check_same(r, np.array([[1.0, 2.0], [3.0, -4.0]], "float32"))


@pytest.mark.parametrize("fn,dtype", [
    (lambda x: ops.rsqrt(x), "float32"), (lambda x: ops.erf(x), "float32"), (lambda x: ops.erfc(x), "float32"),
    (lambda x: ops.erfinv(x), "float32"), (lambda x: ops.logsumexp(x), "float32"),
    (lambda x: ops.top_k(x, 1)[0], "int32"), (lambda x: ops.top_k(x, 1)[1], "int32"),
    (lambda x: ops.segment_sum(x, [0, 1], 2), "int32"), (lambda x: ops.cdist(x[None], x[None]), "float32"),
])
def test_int_inputs_dtypes_match_spec(fn, dtype):
    x = np.array([1, 2], "int32")
    out = fn(x)
    assert str(_np(out).dtype) == dtype
    assert fn(KT((2,), "int32")).dtype == dtype


def test_half_precision_is_kept():
    x = np.abs(X).astype("float16") + np.float16(0.1)
    for fn in (ops.rsqrt, ops.erf, ops.erfinv, lambda v: ops.logsumexp(v, axis=0), lambda v: ops.rfft(v)[0]):
        out = fn(x if fn is not ops.erfinv else x / 10)
        assert _np(out).dtype == np.float16


# ----------------------------------------------------------------------------- symbolic shapes


def test_symbolic_shapes_and_dtypes():
    v = KT((None, 7))
    assert ops.segment_max(v, KT((None,), "int32"), 3).shape == (3, 7)
    assert ops.segment_sum(v, KT((None,), "int32")).shape == (None, 7)
    values, indices = ops.top_k(v, 2)
    assert values.shape == indices.shape == (None, 2) and indices.dtype == "int32"
    assert ops.in_top_k(KT((None,), "int32"), v, 2).dtype == "bool"
    assert ops.logsumexp(v, axis=-1, keepdims=True).shape == (None, 1)
    assert ops.cdist(KT((None, 5, 3)), KT((1, 6, 3))).shape == (None, 5, 6)
    assert ops.extract_sequences(v, 3, 2).shape == (None, 3, 3)
    assert ops.extract_sequences(KT((2, None)), 3, 2).shape == (2, None, 3)
    assert [t.shape for t in ops.rfft(v, 10)] == [(None, 6), (None, 6)]
    assert ops.irfft((KT((None, 5)), KT((None, 5)))).shape == (None, 8)
    assert [t.shape for t in ops.fft((v, v))] == [(None, 7)] * 2
    assert [t.shape for t in ops.stft(KT((None, 50)), 16, 4, 16)] == [(None, 13, 9)] * 2
    assert [t.shape for t in ops.stft(KT((None, 50)), 16, 4, 16, center=False)] == [(None, 9, 9)] * 2
    assert ops.istft((KT((None, 13, 9)), KT((None, 13, 9))), 16, 4, 16).shape == (None, 48)
    assert ops.istft((KT((None, 13, 9)), KT((None, 13, 9))), 16, 4, 16, length=50).shape == (None, 50)
    assert ops.erf(KT((None,), "int32")).dtype == "float32"
    assert ops.logdet(KT((None, 4, 4))).shape == (None,)
    assert ops.view_as_complex(KT((None, 2))).dtype == "complex64"
    assert ops.view_as_real(KT((3,), "complex64")).shape == (3, 2)


def test_symbolic_graph_runs():
    inp = lamina.Input((7,))
    out = ops.logsumexp(ops.top_k(inp, 3)[0], axis=-1)
    assert out.shape == (None,)
    model = lamina.Model(inp, out)
    assert_close(model(X), np.log(np.exp(np.sort(X, axis=1)[:, ::-1][:, :3]).sum(1)), atol=1e-5)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("call,match", [
    (lambda: ops.segment_sum(DATA, IDS.reshape(2, 3), 3), "segment_sum: `segment_ids` must be a 1-D"),
    (lambda: ops.segment_max(DATA, IDS[:4], 3), "same leading dimension"),
    (lambda: ops.top_k(X, 9), "top_k: `k` must be between"),
    (lambda: ops.in_top_k(np.array([0]), X, 1), "in_top_k"),
    (lambda: ops.cdist(X, X[:, :3]), "cdist: the last dimension"),
    (lambda: ops.extract_sequences(X, 9, 1), "extract_sequences: `sequence_length` is longer"),
    (lambda: ops.extract_sequences(X, 3, 0), "sequence_stride"),
    (lambda: ops.fft(X), "fft: `x` must be a tuple of two tensors"),
    (lambda: ops.fft((X, X[:2])), "same shape"),
    (lambda: ops.fft2((X[0], X[0])), "rank >= 2"),
    (lambda: ops.irfft((X.astype("int32"), X.astype("int32"))), "must be float tensors"),
    (lambda: ops.stft(SIGNAL, 16, 4, 8), "`fft_length` must be >= `sequence_length`"),
    (lambda: ops.stft(SIGNAL, 16, 4, 16, window="blackman"), 'must be "hann" or "hamming"'),
    (lambda: ops.stft(SIGNAL, 16, 4, 16, window=np.ones(5)), "window"),
    (lambda: ops.logdet(X), "logdet: expected square matrices"),
    (lambda: ops.view_as_complex(X), "view_as_complex"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
