"""numpy kernels: loss kernels: the crossentropies, ctc_loss, ctc_decode, psnr."""

from __future__ import annotations

import numpy as np

from lamina import config
from lamina.backend.common.dtypes import result_type
from lamina.backend.numpy._convert import promote, promote_many, t  # noqa: F401
from lamina.backend.numpy.nn.activations import _to_float as to_float
from lamina.backend.numpy.nn.activations import log_softmax

_LOG_ZERO = -1e5  # "log(0)" of the CTC recursions: finite, so that impossible alignments stay finite


def _float_pair(target, output):
    target, output = promote(target, output)
    if output.dtype.kind not in "fc" and output.dtype.name != "bfloat16":
        output = to_float(output)
        target = target.astype(output.dtype)
    return target, output


def _check_same_shape(name, target, output):
    if target.shape != output.shape:
        raise ValueError(
            f"{name}: `target` and `output` must have the same shape. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}."
        )


def binary_crossentropy(target, output, from_logits=False):
    target, output = _float_pair(target, output)
    _check_same_shape("binary_crossentropy", target, output)
    one = np.asarray(1, output.dtype)
    if from_logits:
        e = np.exp(-np.abs(output))
        output = np.where(output >= 0, one / (one + e), e / (one + e))
    eps = config.epsilon()
    output = np.clip(output, np.asarray(eps, output.dtype), np.asarray(1.0 - eps, output.dtype))
    return -(target * np.log(output) + (one - target) * np.log(one - output))


def _class_log_probs(output, from_logits, axis):
    if from_logits:
        return log_softmax(output, axis=axis)
    eps = config.epsilon()
    output = output / np.sum(output, axis=axis, keepdims=True)
    output = np.clip(output, np.asarray(eps, output.dtype), np.asarray(1.0 - eps, output.dtype))
    return np.log(output)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _float_pair(target, output)
    _check_same_shape("categorical_crossentropy", target, output)
    if output.ndim < 1:
        raise ValueError("categorical_crossentropy: `target` and `output` must be at least rank 1. "
                         f"Received: output.shape={output.shape}.")
    return -np.sum(target * _class_log_probs(output, from_logits, axis), axis=axis)


def _sparse_target(target, output, axis):
    """Integer labels with the class axis squeezed away, checked against ``output``'s shape."""
    target = t(target)
    if output.ndim < 1:
        raise ValueError(
            f"sparse_categorical_crossentropy: `output` must be at least rank 1. Received: output.shape={output.shape}."
        )
    axis = axis % output.ndim
    if target.ndim == output.ndim and target.shape[axis] == 1:
        target = np.squeeze(target, axis=axis)
    expected = output.shape[:axis] + output.shape[axis + 1:]
    if target.shape != expected:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must have the shape of `output` without its class axis "
            f"({expected}). Received: target.shape={target.shape}, output.shape={output.shape}."
        )
    return target.astype(np.int64, copy=False), axis


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    output = to_float(output)
    target, axis = _sparse_target(target, output, axis)
    log_prob = _class_log_probs(output, from_logits, axis)
    num_classes = output.shape[axis]
    valid = (target >= 0) & (target < num_classes)
    index = np.expand_dims(np.where(valid, target, 0), axis)
    picked = np.squeeze(np.take_along_axis(log_prob, index, axis=axis), axis=axis)
    # Labels outside [0, num_classes) select no class: their loss is 0.
    return np.where(valid, -picked, np.zeros((), output.dtype))


def _ctc_prepare(target, output, target_length, output_length):
    output = t(output)
    output = output.astype(result_type(output.dtype.name, "float32"), copy=False)
    target = t(target).astype(np.int64, copy=False)
    target_length = t(target_length).astype(np.int64, copy=False).reshape(-1)
    output_length = t(output_length).astype(np.int64, copy=False).reshape(-1)
    if target.ndim != 2 or output.ndim != 3:
        raise ValueError(
            "ctc_loss: `target` must have shape (batch, max_label_length) and `output` shape "
            f"(batch, max_time, num_classes). Received: target.shape={target.shape}, output.shape={output.shape}."
        )
    return target, output, target_length, output_length


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    target, output, target_length, output_length = _ctc_prepare(target, output, target_length, output_length)
    batch, max_time, _ = output.shape
    max_labels = target.shape[1]
    logp = log_softmax(output, axis=-1)
    dtype = logp.dtype
    log_zero = np.asarray(_LOG_ZERO, dtype)

    # Extended label sequence: blank, l1, blank, l2, ..., blank (length 2L + 1).
    n_ext = 2 * max_labels + 1
    ext = np.full((batch, n_ext), mask_index, dtype=np.int64)
    ext[:, 1::2] = target
    # A label may be reached from two positions back unless it repeats the label there (or is blank).
    skip = np.zeros((batch, n_ext), dtype=bool)
    skip[:, 3::2] = target[:, 1:] != target[:, :-1]
    skip[:, 1] = False
    # Per time step: log-probability of each extended label, shape (T, B, S).
    emit = np.take_along_axis(logp, np.broadcast_to(ext[:, None, :], (batch, max_time, n_ext)), axis=2)
    emit = np.transpose(emit, (1, 0, 2))

    alpha = np.full((batch, n_ext), log_zero, dtype=dtype)
    alpha[:, 0] = emit[0, :, 0]
    if n_ext > 1:
        alpha[:, 1] = emit[0, :, 1]
    for step in range(1, max_time):
        prev1 = np.concatenate([np.full((batch, 1), log_zero, dtype), alpha[:, :-1]], axis=1)
        prev2 = np.concatenate([np.full((batch, 2), log_zero, dtype), alpha[:, :-2]], axis=1)
        prev2 = np.where(skip, prev2, log_zero)
        new = np.logaddexp(np.logaddexp(alpha, prev1), prev2) + emit[step]
        alpha = np.where((step < output_length)[:, None], new, alpha)

    end = 2 * target_length
    last = np.take_along_axis(alpha, end[:, None], axis=1)[:, 0]
    before = np.take_along_axis(alpha, np.maximum(end - 1, 0)[:, None], axis=1)[:, 0]
    before = np.where(end > 0, before, log_zero)
    return -np.logaddexp(last, before)


def _ctc_decode_input(inputs):
    inputs = t(inputs)
    dtype = result_type(inputs.dtype.name, "float32")
    inputs = inputs.astype(dtype, copy=False)
    if inputs.ndim != 3:
        raise ValueError(
            f"ctc_decode: `inputs` must have shape (batch, max_time, num_classes). Received: {inputs.shape}."
        )
    return inputs


def _compact(indices, blank):
    """Replace ``blank`` by -1 and move the kept labels to the front of each row, in order."""
    keep = indices != blank
    order = np.argsort(~keep, axis=1, kind="stable")
    return np.where(np.take_along_axis(keep, order, axis=1), np.take_along_axis(indices, order, axis=1), -1)


def _ctc_greedy_decode(inputs, sequence_lengths, merge_repeated=True, mask_index=0):
    batch, max_time, num_classes = inputs.shape
    if mask_index is None:
        mask_index = num_classes - 1
    lengths = t(sequence_lengths).astype(np.int64, copy=False).reshape(-1)
    indices = np.argmax(inputs, axis=-1).astype(np.int32)
    scores = np.max(inputs, axis=-1)
    past_end = np.arange(max_time)[None, :] >= lengths[:, None]
    indices = np.where(past_end, mask_index, indices)
    scores = np.where(past_end, np.zeros((), scores.dtype), scores)
    if merge_repeated:
        repeat = np.zeros_like(past_end)
        repeat[:, 1:] = indices[:, 1:] == indices[:, :-1]
        indices = np.where(repeat, mask_index, indices)
    paths = _compact(indices, mask_index).astype(np.int32)
    return paths[None], -np.sum(scores, axis=1, keepdims=True)


def _ctc_beam_search_decode_single(logp, length, beam_width, top_paths, blank):
    """Prefix beam search over one sequence of log-probabilities ``logp`` (T, C).

    Returns up to ``top_paths`` (labels, score) pairs, best first; the score is
    the log-probability of the label sequence summed over its alignments
    within the beam.
    """
    num_classes = logp.shape[1]
    # Each beam entry: prefix -> (log p ending in blank, log p ending in a label).
    beams = {(): (0.0, -np.inf)}
    for step in range(int(length)):
        row = logp[step]
        candidates: dict = {}

        def add(prefix, blank_score, label_score):
            b, nb = candidates.get(prefix, (-np.inf, -np.inf))
            candidates[prefix] = (np.logaddexp(b, blank_score), np.logaddexp(nb, label_score))

        for prefix, (p_b, p_nb) in beams.items():
            total = np.logaddexp(p_b, p_nb)
            add(prefix, total + row[blank], -np.inf)
            for c in range(num_classes):
                if c == blank:
                    continue
                p = row[c]
                if prefix and prefix[-1] == c:
                    # Repeating the last label extends the prefix only after a blank.
                    add(prefix + (c,), -np.inf, p_b + p)
                    add(prefix, -np.inf, p_nb + p)
                else:
                    add(prefix + (c,), -np.inf, total + p)
        ranked = sorted(candidates.items(), key=lambda kv: -np.logaddexp(*kv[1]))
        beams = dict(ranked[:beam_width])
    ranked = sorted(beams.items(), key=lambda kv: -np.logaddexp(*kv[1]))[:top_paths]
    return [(list(prefix), float(np.logaddexp(*scores))) for prefix, scores in ranked]


def _ctc_beam_search_decode(inputs, sequence_lengths, beam_width=100, top_paths=1, mask_index=0):
    batch, max_time, num_classes = inputs.shape
    if mask_index is None:
        mask_index = num_classes - 1
    if top_paths > beam_width:
        raise ValueError(f"ctc_decode: `top_paths` ({top_paths}) must be <= `beam_width` ({beam_width}).")
    logp = log_softmax(inputs, axis=-1).astype(np.float64)
    lengths = t(sequence_lengths).astype(np.int64, copy=False).reshape(-1)
    paths = np.full((top_paths, batch, max_time), -1, dtype=np.int32)
    scores = np.full((batch, top_paths), -np.inf, dtype=inputs.dtype)
    for b in range(batch):
        for k, (labels, score) in enumerate(
            _ctc_beam_search_decode_single(logp[b], lengths[b], beam_width, top_paths, mask_index)
        ):
            paths[k, b, : len(labels)] = labels
            scores[b, k] = score
    return paths, scores


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    inputs = _ctc_decode_input(inputs)
    if strategy == "greedy":
        return _ctc_greedy_decode(inputs, sequence_lengths, merge_repeated=merge_repeated, mask_index=mask_index)
    if strategy == "beam_search":
        return _ctc_beam_search_decode(inputs, sequence_lengths, beam_width=beam_width, top_paths=top_paths,
                                      mask_index=mask_index)
    raise ValueError(f"ctc_decode: `strategy` must be 'greedy' or 'beam_search'. Received: {strategy!r}.")


def psnr(x1, x2, max_val):
    x1, x2 = _float_pair(x1, x2)
    if x1.shape != x2.shape:
        raise ValueError(f"psnr: `x1` and `x2` must have the same shape. Received: {x1.shape} and {x2.shape}.")
    max_val = np.asarray(max_val, dtype=x2.dtype)
    mse = np.mean(np.square(x1 - x2))
    ten = np.asarray(10, x2.dtype)
    return (ten * 2 * np.log10(max_val) - ten * np.log10(mse)).astype(x2.dtype)
