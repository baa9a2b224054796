"""Math ops (``lamina.ops.math``, also on the ``lamina.ops`` top level, as in Keras).

Segment reductions, top-k, logsumexp, pairwise distances, framing, FFTs and
short-time Fourier transforms, and special functions (rsqrt, erf, erfinv, ...).

Complex results are handed around as ``(real, imag)`` pairs of float tensors,
as Keras does.

Example:
    >>> from lamina import ops
    >>> ops.segment_sum([1, 2, 10, 20], [0, 0, 1, 1], num_segments=2)   # [3, 30]
    >>> values, indices = ops.top_k([5.0, 2.0, 7.0], k=2)              # [7, 5], [2, 0]
"""

from __future__ import annotations

from typing import Any

from lamina.backend import impl as B
from lamina import config
from lamina.backend.common.dtypes import result_type, standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import symbolic_op
from lamina.ops import _spec

_FLOATS = ("bfloat16", "float16", "float32", "float64")


def _dtype(x) -> str:
    """The dtype of ``x`` (64-bit kept: these ops compute in the input's precision)."""
    d = _spec.dtype_of(x)
    return result_type(d) if isinstance(d, type) else standardize_dtype(d)


def _float_dtype(x) -> str:
    """The dtype a float-producing op returns for ``x``: float dtypes kept, ints and bools become floatx."""
    d = _dtype(x)
    return d if d in _FLOATS or d.startswith("complex") else config.floatx()


def _float_spec(x):
    return KerasTensor(_spec.shape_of(x), dtype=_float_dtype(x))


# ----------------------------------------------------------------------------- helpers


def _check_segment_args(op, data, segment_ids, num_segments):
    data_shape = _spec.shape_of(data)
    ids_shape = _spec.shape_of(segment_ids)
    if len(ids_shape) != 1:
        raise ValueError(
            f"{op}: `segment_ids` must be a 1-D vector. Received segment_ids.shape={ids_shape}. "
            "Flatten the inputs first, e.g. segment_ids.reshape(-1) and "
            "data.reshape((-1,) + data.shape[segment_ids.ndim:])."
        )
    if len(data_shape) < 1:
        raise ValueError(f"{op}: `data` must have rank >= 1. Received data.shape={data_shape}.")
    if ids_shape[0] is not None and data_shape[0] is not None and ids_shape[0] != data_shape[0]:
        raise ValueError(
            f"{op}: `segment_ids` and `data` must have the same leading dimension. "
            f"Received data.shape={data_shape}, segment_ids.shape={ids_shape}."
        )
    if num_segments is not None:
        if isinstance(num_segments, bool) or not hasattr(num_segments, "__index__") or int(num_segments) < 0:
            raise ValueError(f"{op}: `num_segments` must be a non-negative int. Received: {num_segments!r}.")


def _segment_spec(op):
    def spec(data, segment_ids, num_segments=None, sorted=False):
        _check_segment_args(op, data, segment_ids, num_segments)
        n = None if num_segments is None else int(num_segments)
        return KerasTensor((n,) + _spec.shape_of(data)[1:], dtype=_dtype(data))

    return spec


def _complex_pair(op, x, min_rank=1):
    """Validate a ``(real, imag)`` pair; returns its shape."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(
            f"{op}: `x` must be a tuple of two tensors (real part, imaginary part). Received: {x!r}."
        )
    real, imag = x
    rs, is_ = _spec.shape_of(real), _spec.shape_of(imag)
    if rs != is_:
        raise ValueError(
            f"{op}: the real and imaginary parts must have the same shape. "
            f"Received x[0].shape={rs}, x[1].shape={is_}."
        )
    for part in (real, imag):
        d = _spec.dtype_of(part)
        if d not in _FLOATS and d is not float:
            raise ValueError(
                f"{op}: the real and imaginary parts must be float tensors. Received dtypes "
                f"{_spec.dtype_of(real)} and {_spec.dtype_of(imag)}."
            )
    if len(rs) < min_rank:
        raise ValueError(f"{op}: the input must have rank >= {min_rank}. Received shape {rs}.")
    return rs


def _pair_dtype(x):
    a, b = _dtype(x[0]), _dtype(x[1])
    return a if a == b else result_type(a, b)


def _check_positive_int(op, name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{op}: `{name}` must be a positive integer. Received: {name}={value!r}.")


# ----------------------------------------------------------------------------- segment reductions


@symbolic_op(_segment_spec("segment_sum"))
def segment_sum(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Any:
    """Sum of the rows of ``data`` that share a segment id (ids outside ``[0, num_segments)`` are dropped).

    Example:
        >>> ops.segment_sum([1, 2, 10, 20, 100, 200], [0, 0, 1, 1, 2, 2], num_segments=3)
        array([  3,  30, 300], dtype=int32)
    """
    _check_segment_args("segment_sum", data, segment_ids, num_segments)
    return B.math.segment_sum(data, segment_ids, num_segments=num_segments, sorted=sorted)


@symbolic_op(_segment_spec("segment_max"))
def segment_max(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Any:
    """Maximum of the rows of ``data`` in each segment (empty segments hold the dtype's lowest value)."""
    _check_segment_args("segment_max", data, segment_ids, num_segments)
    return B.math.segment_max(data, segment_ids, num_segments=num_segments, sorted=sorted)


@symbolic_op(_segment_spec("segment_min"))
def segment_min(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Any:
    """Minimum of the rows of ``data`` in each segment (empty segments hold the dtype's highest value)."""
    _check_segment_args("segment_min", data, segment_ids, num_segments)
    return B.math.segment_min(data, segment_ids, num_segments=num_segments, sorted=sorted)


@symbolic_op(_segment_spec("segment_prod"))
def segment_prod(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Any:
    """Product of the rows of ``data`` in each segment (empty segments hold 1)."""
    _check_segment_args("segment_prod", data, segment_ids, num_segments)
    return B.math.segment_prod(data, segment_ids, num_segments=num_segments, sorted=sorted)


# ----------------------------------------------------------------------------- top-k


def _check_k(op, x_shape, k):
    if isinstance(k, bool) or not hasattr(k, "__index__"):
        raise ValueError(f"{op}: `k` must be an integer. Received: k={k!r}.")
    k = int(k)
    if len(x_shape) < 1:
        raise ValueError(f"{op}: the input must have rank >= 1. Received shape {x_shape}.")
    if k < 0 or (x_shape[-1] is not None and k > x_shape[-1]):
        raise ValueError(
            f"{op}: `k` must be between 0 and the size of the last axis ({x_shape[-1]}). Received: k={k}."
        )
    return k


def _top_k_spec(x, k, sorted=True):
    shape = list(_spec.shape_of(x))
    shape[-1] = _check_k("top_k", shape, k)
    return (KerasTensor(shape, dtype=_dtype(x)), KerasTensor(shape, dtype="int32"))


@symbolic_op(_top_k_spec)
def top_k(x: Any, k: int, sorted: bool = True) -> tuple:
    """The ``k`` largest entries along the last axis and their int32 indices (ties: lower index first).

    Example:
        >>> values, indices = ops.top_k([5, 2, 7, 1, 9, 3], k=3)   # [9, 7, 5], [4, 2, 0]
    """
    k = _check_k("top_k", _spec.shape_of(x), k)
    return B.math.top_k(x, k, sorted=sorted)


def _in_top_k_spec(targets, predictions, k):
    t_shape, p_shape = _spec.shape_of(targets), _spec.shape_of(predictions)
    _check_in_top_k(t_shape, p_shape)
    return KerasTensor(t_shape, dtype="bool")


def _check_in_top_k(t_shape, p_shape):
    if len(p_shape) != len(t_shape) + 1:
        raise ValueError(
            "in_top_k: `predictions` must have one more axis than `targets` (the classes). "
            f"Received targets.shape={t_shape}, predictions.shape={p_shape}."
        )
    for a, b in zip(t_shape, p_shape[:-1]):
        if a is not None and b is not None and a != b:
            raise ValueError(
                "in_top_k: the batch dimensions of `targets` and `predictions` differ. "
                f"Received targets.shape={t_shape}, predictions.shape={p_shape}."
            )


@symbolic_op(_in_top_k_spec)
def in_top_k(targets: Any, predictions: Any, k: int) -> Any:
    """Whether each target class is among the ``k`` highest ``predictions`` (ties count as in).

    Example:
        >>> ops.in_top_k([2, 0], [[0.1, 0.2, 0.7], [0.1, 0.8, 0.1]], k=1)   # [True, False]
    """
    _check_in_top_k(_spec.shape_of(targets), _spec.shape_of(predictions))
    return B.math.in_top_k(targets, predictions, k)


# ----------------------------------------------------------------------------- reductions and distances


def _logsumexp_spec(x, axis=None, keepdims=False):
    shape = _spec.shape_of(x)
    return KerasTensor(_spec.reduce_shape(shape, axis, keepdims), dtype=_float_dtype(x))


@symbolic_op(_logsumexp_spec)
def logsumexp(x: Any, axis: int | tuple | None = None, keepdims: bool = False) -> Any:
    """``log(sum(exp(x)))`` over ``axis``, computed without overflow.

    Example:
        >>> ops.logsumexp([1.0, 2.0, 3.0])   # 3.4076
    """
    return B.math.logsumexp(x, axis=axis, keepdims=keepdims)


def _cdist_shape(x, y):
    xs, ys = _spec.shape_of(x), _spec.shape_of(y)
    if len(xs) < 2 or len(ys) < 2:
        raise ValueError(f"cdist: inputs must have rank >= 2. Received x.shape={xs}, y.shape={ys}.")
    if xs[-1] is not None and ys[-1] is not None and xs[-1] != ys[-1]:
        raise ValueError(
            f"cdist: the last dimension of `x` and `y` must match. Received x.shape={xs}, y.shape={ys}."
        )
    try:
        batch = _spec.broadcast_shapes(xs[:-2], ys[:-2])
    except ValueError:
        raise ValueError(
            f"cdist: the batch dimensions of `x` and `y` must broadcast. Received x.shape={xs}, y.shape={ys}."
        ) from None
    return batch + (xs[-2], ys[-2])


def _cdist_spec(x, y):
    a, b = _float_dtype(x), _float_dtype(y)
    return KerasTensor(_cdist_shape(x, y), dtype=a if a == b else result_type(a, b, float))


@symbolic_op(_cdist_spec)
def cdist(x: Any, y: Any) -> Any:
    """Euclidean distance between each row of ``x`` (..., m, d) and each row of ``y`` (..., n, d).

    Example:
        >>> ops.cdist([[0.0, 0.0], [1.0, 1.0]], [[1.0, 0.0]])   # [[1.], [1.]]
    """
    _cdist_shape(x, y)
    return B.math.cdist(x, y)


def _extract_sequences_spec(x, sequence_length, sequence_stride):
    shape = _spec.shape_of(x)
    _check_extract_sequences(shape, sequence_length, sequence_stride)
    n = shape[-1]
    num = None if n is None else 1 + (n - sequence_length) // sequence_stride
    return KerasTensor(shape[:-1] + (num, sequence_length), dtype=_dtype(x))


def _check_extract_sequences(shape, sequence_length, sequence_stride):
    if len(shape) < 1:
        raise ValueError(f"extract_sequences: the input must have rank >= 1. Received shape {shape}.")
    _check_positive_int("extract_sequences", "sequence_length", sequence_length)
    _check_positive_int("extract_sequences", "sequence_stride", sequence_stride)
    if shape[-1] is not None and shape[-1] < sequence_length:
        raise ValueError(
            "extract_sequences: `sequence_length` is longer than the last axis. "
            f"Received sequence_length={sequence_length}, x.shape={shape}."
        )


@symbolic_op(_extract_sequences_spec)
def extract_sequences(x: Any, sequence_length: int, sequence_stride: int) -> Any:
    """Frames of ``sequence_length`` taken every ``sequence_stride`` along the last axis.

    The last axis N becomes ``(1 + (N - sequence_length) // sequence_stride, sequence_length)``.

    Example:
        >>> ops.extract_sequences([1, 2, 3, 4, 5, 6], 3, 2)   # [[1, 2, 3], [3, 4, 5]]
    """
    _check_extract_sequences(_spec.shape_of(x), sequence_length, sequence_stride)
    return B.math.extract_sequences(x, sequence_length, sequence_stride)


# ----------------------------------------------------------------------------- Fourier transforms


def _fft_spec_fn(op, rank):
    def spec(x):
        shape = _complex_pair(op, x, rank)
        if any(d is None for d in shape[-rank:]):
            raise ValueError(f"{op}: the last {rank} dimension(s) must be known. Received shape {shape}.")
        dtype = _pair_dtype(x)
        return KerasTensor(shape, dtype=dtype), KerasTensor(shape, dtype=dtype)

    return spec


@symbolic_op(_fft_spec_fn("fft", 1))
def fft(x: tuple) -> tuple:
    """1-D discrete Fourier transform over the last axis of a complex ``(real, imag)`` pair.

    Example:
        >>> ops.fft(([1.0, 2.0], [0.0, 1.0]))   # ([3., -1.], [1., -1.])
    """
    _complex_pair("fft", x, 1)
    return B.math.fft(x)


@symbolic_op(_fft_spec_fn("fft2", 2))
def fft2(x: tuple) -> tuple:
    """2-D discrete Fourier transform over the last two axes of a ``(real, imag)`` pair."""
    _complex_pair("fft2", x, 2)
    return B.math.fft2(x)


@symbolic_op(_fft_spec_fn("ifft2", 2))
def ifft2(x: tuple) -> tuple:
    """Inverse 2-D discrete Fourier transform over the last two axes of a ``(real, imag)`` pair."""
    _complex_pair("ifft2", x, 2)
    return B.math.ifft2(x)


def _rfft_spec(x, fft_length=None):
    shape = _spec.shape_of(x)
    if len(shape) < 1:
        raise ValueError(f"rfft: the input must have rank >= 1. Received shape {shape}.")
    n = fft_length if fft_length is not None else shape[-1]
    last = None if n is None else n // 2 + 1
    dtype = _float_dtype(x)
    out = shape[:-1] + (last,)
    return KerasTensor(out, dtype=dtype), KerasTensor(out, dtype=dtype)


@symbolic_op(_rfft_spec)
def rfft(x: Any, fft_length: int | None = None) -> tuple:
    """FFT of a real signal over the last axis: the ``fft_length // 2 + 1`` non-negative frequencies.

    The signal is cropped or zero-padded to ``fft_length`` first. Returns ``(real, imag)``.

    Example:
        >>> ops.rfft([0.0, 1.0, 2.0, 3.0, 4.0])   # ([10, -2.5, -2.5], [0, 3.441, 0.812])
    """
    if fft_length is not None:
        _check_positive_int("rfft", "fft_length", fft_length)
    if len(_spec.shape_of(x)) < 1:
        raise ValueError(f"rfft: the input must have rank >= 1. Received shape {_spec.shape_of(x)}.")
    return B.math.rfft(x, fft_length)


def _irfft_spec(x, fft_length=None):
    shape = _complex_pair("irfft", x, 1)
    if fft_length is not None:
        last = fft_length
    else:
        last = None if shape[-1] is None else 2 * (shape[-1] - 1)
    return KerasTensor(shape[:-1] + (last,), dtype=_pair_dtype(x))


@symbolic_op(_irfft_spec)
def irfft(x: tuple, fft_length: int | None = None) -> Any:
    """Inverse of :func:`rfft`: a real signal of ``fft_length`` (default ``2 * (n - 1)``) samples.

    Example:
        >>> ops.irfft(ops.rfft([0.0, 1.0, 2.0, 3.0, 4.0]), 5)   # [0, 1, 2, 3, 4]
    """
    _complex_pair("irfft", x, 1)
    if fft_length is not None:
        _check_positive_int("irfft", "fft_length", fft_length)
    return B.math.irfft(x, fft_length)


def _check_stft_args(op, sequence_length, sequence_stride, fft_length, window):
    _check_positive_int(op, "sequence_length", sequence_length)
    _check_positive_int(op, "sequence_stride", sequence_stride)
    _check_positive_int(op, "fft_length", fft_length)
    if fft_length < sequence_length:
        raise ValueError(
            f"{op}: `fft_length` must be >= `sequence_length`. "
            f"Received sequence_length={sequence_length}, fft_length={fft_length}."
        )
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f'{op}: a string `window` must be "hann" or "hamming". Received: window={window!r}.')
    elif window is not None:
        ws = _spec.shape_of(window)
        if ws != (sequence_length,):
            raise ValueError(
                f"{op}: `window` must have shape (sequence_length,) = ({sequence_length},). Received shape {ws}."
            )


def _stft_spec(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    _check_stft_args("stft", sequence_length, sequence_stride, fft_length, window)
    shape = _spec.shape_of(x)
    if len(shape) < 1:
        raise ValueError(f"stft: the input must have rank >= 1. Received shape {shape}.")
    n = shape[-1]
    if n is None:
        frames = None
    else:
        padded = n + (fft_length // 2) * 2 if center else n
        frames = 1 + (padded - fft_length) // sequence_stride
    dtype = _float_dtype(x)
    out = shape[:-1] + (frames, fft_length // 2 + 1)
    return KerasTensor(out, dtype=dtype), KerasTensor(out, dtype=dtype)


@symbolic_op(_stft_spec)
def stft(x: Any, sequence_length: int, sequence_stride: int, fft_length: int,
         window: str | Any | None = "hann", center: bool = True) -> tuple:
    """Short-time Fourier transform over the last axis; returns ``(real, imag)`` of shape (..., frames, fft_length // 2 + 1).

    ``window`` is ``"hann"``, ``"hamming"`` (periodic), a tensor of ``sequence_length`` or None.
    With ``center``, the signal is reflect-padded by ``fft_length // 2`` on both sides.

    Example:
        >>> real, imag = ops.stft(signal, sequence_length=256, sequence_stride=128, fft_length=256)
    """
    _check_stft_args("stft", sequence_length, sequence_stride, fft_length, window)
    return B.math.stft(x, sequence_length, sequence_stride, fft_length, window=window, center=center)


def _istft_spec(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    _check_stft_args("istft", sequence_length, sequence_stride, fft_length, window)
    shape = _complex_pair("istft", x, 2)
    if length is not None:
        size = length
    elif shape[-2] is None:
        size = None
    else:
        size = (shape[-2] - 1) * sequence_stride + fft_length
        if center:
            size -= (fft_length // 2) * 2
    return KerasTensor(shape[:-2] + (size,), dtype=_pair_dtype(x))


@symbolic_op(_istft_spec)
def istft(x: tuple, sequence_length: int, sequence_stride: int, fft_length: int, length: int | None = None,
          window: str | Any | None = "hann", center: bool = True) -> Any:
    """Inverse of :func:`stft` (windowed overlap-add); use the same arguments as the forward transform.

    Example:
        >>> signal2 = ops.istft(ops.stft(signal, 256, 128, 256), 256, 128, 256)
    """
    _check_stft_args("istft", sequence_length, sequence_stride, fft_length, window)
    _complex_pair("istft", x, 2)
    return B.math.istft(x, sequence_length, sequence_stride, fft_length, length=length, window=window,
                        center=center)


# ----------------------------------------------------------------------------- special functions


@symbolic_op(_float_spec)
def rsqrt(x: Any) -> Any:
    """Reciprocal square root ``1 / sqrt(x)`` element-wise.

    Example:
        >>> ops.rsqrt([1.0, 4.0])   # [1., 0.5]
    """
    return B.math.rsqrt(x)


@symbolic_op(_float_spec)
def erf(x: Any) -> Any:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt`` element-wise."""
    return B.math.erf(x)


@symbolic_op(_float_spec)
def erfc(x: Any) -> Any:
    """The complementary error function ``1 - erf(x)``, accurate for large ``x``."""
    return B.math.erfc(x)


@symbolic_op(_float_spec)
def erfinv(x: Any) -> Any:
    """The inverse error function on ``[-1, 1]`` (``±inf`` at ``±1``, NaN outside).

    Example:
        >>> ops.erfinv([0.0, 0.5])   # [0., 0.4769]
    """
    return B.math.erfinv(x)


def _square_batch_shape(op, x):
    shape = _spec.shape_of(x)
    if len(shape) < 2:
        raise ValueError(f"{op}: expected a (batch of) square matrices of rank >= 2. Received shape {shape}.")
    if shape[-1] is not None and shape[-2] is not None and shape[-1] != shape[-2]:
        raise ValueError(f"{op}: expected square matrices. Received shape {shape}.")
    return shape


def _logdet_spec(x):
    return KerasTensor(_square_batch_shape("logdet", x)[:-2], dtype=_float_dtype(x))


@symbolic_op(_logdet_spec)
def logdet(x: Any) -> Any:
    """``log(|det(x)|)`` of a (batch of) square matrices, computed stably from an LU factorization.

    Example:
        >>> ops.logdet([[2.0, 0.0], [0.0, 3.0]])   # log(6) = 1.7918
    """
    _square_batch_shape("logdet", x)
    return B.math.logdet(x)


# ----------------------------------------------------------------------------- complex views


def _view_as_complex_spec(x):
    shape = _spec.shape_of(x)
    if len(shape) < 1 or (shape[-1] is not None and shape[-1] != 2):
        raise ValueError(
            "view_as_complex: the last dimension must have size 2 (real, imaginary). "
            f"Received shape {shape}."
        )
    return KerasTensor(shape[:-1], dtype="complex64")


@symbolic_op(_view_as_complex_spec)
def view_as_complex(x: Any) -> Any:
    """A complex64 tensor from a real tensor whose last axis (size 2) holds (real, imaginary).

    Example:
        >>> ops.view_as_complex([[1.0, 2.0], [3.0, 4.0]])   # [1+2j, 3+4j]
    """
    _view_as_complex_spec(x)
    return B.math.view_as_complex(x)


def _view_as_real_spec(x):
    d = _spec.dtype_of(x)
    return KerasTensor(_spec.shape_of(x) + (2,), dtype="float64" if d in ("complex128", "float64") else "float32")


@symbolic_op(_view_as_real_spec)
def view_as_real(x: Any) -> Any:
    """A real tensor with a new last axis of size 2 holding the real and imaginary parts of ``x``.

    Example:
        >>> ops.view_as_real(np.array([1 + 2j]))   # [[1., 2.]]
    """
    return B.math.view_as_real(x)
