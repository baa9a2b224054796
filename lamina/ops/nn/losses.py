"""Loss kernels: the crossentropies, ctc_loss, ctc_decode, psnr (part of ``lamina.ops.nn``).

The crossentropies return per-sample losses (no reduction). Probabilities
(``from_logits=False``) are clipped to ``[epsilon, 1 - epsilon]`` with
``lamina.config.epsilon()`` before the log, as in Keras.

Example:
    >>> from lamina import ops
    >>> ops.binary_crossentropy([[1.0, 0.0]], [[0.9, 0.2]])   # [[0.105, 0.223]]
"""

from __future__ import annotations

from lamina.backend import impl as B
from lamina.backend.common.dtypes import result_type
from lamina.core.keras_tensor import KerasTensor
from lamina.ops import _spec
from lamina.core.operation import symbolic_op


def _same_shape(a, b) -> bool:
    """Equal ranks and no known dimension that differs (None matches anything)."""
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))


def _loss_dtype(target, output) -> str:
    d = result_type(_spec.dtype_of(target), _spec.dtype_of(output))
    return d if d in ("bfloat16", "float16", "float32", "float64") else _spec.float_dtype_of(output)


def _binary_crossentropy_spec(target, output, from_logits=False):
    ts, os_ = _spec.shape_of(target), _spec.shape_of(output)
    if not _same_shape(ts, os_):
        raise ValueError(
            "binary_crossentropy: `target` and `output` must have the same shape. "
            f"Received: target.shape={ts}, output.shape={os_}."
        )
    return KerasTensor(os_, dtype=_loss_dtype(target, output))


@symbolic_op(_binary_crossentropy_spec)
def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary crossentropy between labels ``target`` and predictions ``output``.

    ``output`` holds probabilities, or logits when ``from_logits=True``.

    Example:
        >>> ops.binary_crossentropy([1.0, 0.0], [0.0, 0.0], from_logits=True)   # [0.693, 0.693]
    """
    return B.nn.binary_crossentropy(target, output, from_logits=from_logits)


def _categorical_crossentropy_spec(target, output, from_logits=False, axis=-1):
    ts, os_ = _spec.shape_of(target), _spec.shape_of(output)
    if not _same_shape(ts, os_):
        raise ValueError(
            "categorical_crossentropy: `target` and `output` must have the same shape. "
            f"Received: target.shape={ts}, output.shape={os_}."
        )
    if len(os_) < 1:
        raise ValueError(
            "categorical_crossentropy: `target` and `output` must be at least rank 1. "
            f"Received: target.shape={ts}, output.shape={os_}."
        )
    (ax,) = _spec.canonical_axes(axis, len(os_))
    return KerasTensor(os_[:ax] + os_[ax + 1:], dtype=_loss_dtype(target, output))


@symbolic_op(_categorical_crossentropy_spec)
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot (or soft) labels and predictions along the class ``axis``.

    Example:
        >>> ops.categorical_crossentropy([[0.0, 1.0]], [[0.4, 0.6]])   # [0.511]
    """
    return B.nn.categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


def _sparse_categorical_crossentropy_spec(target, output, from_logits=False, axis=-1):
    ts, os_ = _spec.shape_of(target), _spec.shape_of(output)
    if len(os_) < 1:
        raise ValueError(
            f"sparse_categorical_crossentropy: `output` must be at least rank 1. Received: output.shape={os_}."
        )
    (ax,) = _spec.canonical_axes(axis, len(os_))
    if len(ts) == len(os_) and ts[ax] == 1:
        ts = ts[:ax] + ts[ax + 1:]
    expected = os_[:ax] + os_[ax + 1:]
    if not _same_shape(ts, expected):
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must have the shape of `output` without its "
            f"class axis ({expected}). Received: target.shape={_spec.shape_of(target)}, output.shape={os_}."
        )
    return KerasTensor(expected, dtype=_spec.float_dtype_of(output))


@symbolic_op(_sparse_categorical_crossentropy_spec)
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between integer class labels ``target`` and predictions ``output``.

    ``target`` has the shape of ``output`` without its class ``axis`` (a
    trailing size-1 dimension is also accepted).

    Example:
        >>> ops.sparse_categorical_crossentropy([1], [[0.4, 0.6]])   # [0.511]
    """
    return B.nn.sparse_categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


def _first_dims_match(name1, s1, name2, s2):
    if not s1 or not s2:
        raise ValueError(f"ctc_loss: `{name1}` and `{name2}` must have rank >= 1. Received shapes {s1} and {s2}.")
    if s1[0] is not None and s2[0] is not None and s1[0] != s2[0]:
        raise ValueError(
            f"ctc_loss: `{name1}` and `{name2}` must have the same first (batch) dimension. "
            f"Received shapes {s1} and {s2}."
        )


def _ctc_loss_spec(target, output, target_length, output_length, mask_index=0):
    ts, os_ = _spec.shape_of(target), _spec.shape_of(output)
    if len(ts) != 2 or len(os_) != 3:
        raise ValueError(
            "ctc_loss: `target` must have shape (batch, max_label_length) and `output` shape "
            f"(batch, max_time, num_classes). Received: target.shape={ts}, output.shape={os_}."
        )
    _first_dims_match("target", ts, "output", os_)
    _first_dims_match("target_length", _spec.shape_of(target_length), "target", ts)
    _first_dims_match("output_length", _spec.shape_of(output_length), "output", os_)
    return KerasTensor((ts[0],), dtype=result_type(_spec.dtype_of(output), "float32"))


@symbolic_op(_ctc_loss_spec)
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Connectionist Temporal Classification loss, one value per sample.

    Args:
        target: int labels, shape ``(batch, max_label_length)``.
        output: logits, shape ``(batch, max_time, num_classes)`` (log-softmax is applied inside).
        target_length: label lengths, shape ``(batch,)``.
        output_length: valid time steps per sample, shape ``(batch,)``.
        mask_index: the class index of the blank label.
    """
    return B.nn.ctc_loss(target, output, target_length, output_length, mask_index=mask_index)


def _ctc_decode_spec(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
                     merge_repeated=True, mask_index=0):
    s = _spec.shape_of(inputs)
    if len(s) != 3:
        raise ValueError(f"ctc_decode: `inputs` must have shape (batch, max_time, num_classes). Received: {s}.")
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"ctc_decode: `strategy` must be 'greedy' or 'beam_search'. Received: {strategy!r}.")
    paths = 1 if strategy == "greedy" else top_paths
    return (
        KerasTensor((paths, s[0], s[1]), dtype="int32"),
        KerasTensor((s[0], paths), dtype=result_type(_spec.dtype_of(inputs), "float32")),
    )


@symbolic_op(_ctc_decode_spec)
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode CTC outputs; returns ``(paths, scores)``.

    ``paths`` has shape ``(top_paths, batch, max_time)`` (int32, -1 past the
    end of each decoded sequence); ``scores`` has shape ``(batch, top_paths)``.
    ``strategy`` is ``"greedy"`` (best class per step) or ``"beam_search"``.
    """
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"ctc_decode: `strategy` must be 'greedy' or 'beam_search'. Received: {strategy!r}.")
    return B.nn.ctc_decode(inputs, sequence_lengths, strategy=strategy, beam_width=beam_width,
                           top_paths=top_paths, merge_repeated=merge_repeated, mask_index=mask_index)


def _psnr_spec(x1, x2, max_val):
    s1, s2 = _spec.shape_of(x1), _spec.shape_of(x2)
    if not _same_shape(s1, s2):
        raise ValueError(f"psnr: `x1` and `x2` must have the same shape. Received: {s1} and {s2}.")
    return KerasTensor((), dtype=_loss_dtype(x1, x2))


@symbolic_op(_psnr_spec)
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio in dB: ``20 log10(max_val) - 10 log10(mean((x1 - x2)**2))``.

    Example:
        >>> ops.psnr([0.0, 1.0], [0.0, 0.9], max_val=1.0)   # 23.01
    """
    return B.nn.psnr(x1, x2, max_val)
