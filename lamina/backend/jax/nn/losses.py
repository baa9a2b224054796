"""jax kernels: loss kernels: the crossentropies, ctc_loss, ctc_decode, psnr."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from lamina import config
from lamina.backend.common.dtypes import result_type, standardize_dtype
from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401

_LOG_ZERO = -1e5  # "log(0)" of the CTC recursion: finite, so that impossible alignments stay finite


def _float_pair(target, output):
    target, output = promote(target, output)
    if not jnp.issubdtype(output.dtype, jnp.floating):
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
    if from_logits:
        return -target * jax.nn.log_sigmoid(output) - (1.0 - target) * jax.nn.log_sigmoid(-output)
    eps = config.epsilon()
    output = jnp.clip(output, eps, 1.0 - eps)
    return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))


def _class_log_probs(output, from_logits, axis):
    if from_logits:
        return jax.nn.log_softmax(output, axis=axis)
    eps = config.epsilon()
    output = output / jnp.sum(output, axis=axis, keepdims=True)
    return jnp.log(jnp.clip(output, eps, 1.0 - eps))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _float_pair(target, output)
    _check_same_shape("categorical_crossentropy", target, output)
    if output.ndim < 1:
        raise ValueError("categorical_crossentropy: `target` and `output` must be at least rank 1. "
                         f"Received: output.shape={output.shape}.")
    return -jnp.sum(target * _class_log_probs(output, from_logits, axis), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    output = to_float(output)
    target = t(target)
    if output.ndim < 1:
        raise ValueError(
            f"sparse_categorical_crossentropy: `output` must be at least rank 1. Received: output.shape={output.shape}."
        )
    axis = axis % output.ndim
    if target.ndim == output.ndim and target.shape[axis] == 1:
        target = jnp.squeeze(target, axis=axis)
    expected = output.shape[:axis] + output.shape[axis + 1:]
    if target.shape != expected:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must have the shape of `output` without its class axis "
            f"({expected}). Received: target.shape={target.shape}, output.shape={output.shape}."
        )
    target = target.astype(jnp.int32)
    log_prob = _class_log_probs(output, from_logits, axis)
    valid = (target >= 0) & (target < output.shape[axis])
    index = jnp.expand_dims(jnp.where(valid, target, 0), axis)
    picked = jnp.squeeze(jnp.take_along_axis(log_prob, index, axis=axis), axis=axis)
    # Labels outside [0, num_classes) select no class: their loss is 0.
    return jnp.where(valid, -picked, jnp.zeros((), output.dtype))


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    output = t(output)
    output = output.astype(result_type(standardize_dtype(output.dtype), "float32"))
    target = t(target).astype(jnp.int32)
    if target.ndim != 2 or output.ndim != 3:
        raise ValueError(
            "ctc_loss: `target` must have shape (batch, max_label_length) and `output` shape "
            f"(batch, max_time, num_classes). Received: target.shape={target.shape}, output.shape={output.shape}."
        )
    target_length = t(target_length).astype(jnp.int32).reshape(-1)
    output_length = t(output_length).astype(jnp.int32).reshape(-1)
    return _ctc_loss(target, output, target_length, output_length, int(mask_index))


@functools.partial(jax.jit, static_argnums=4)
def _ctc_loss(target, output, target_length, output_length, mask_index):
    """The CTC forward (alpha) recursion in log space, one compiled program per input shape."""
    batch, max_time, _ = output.shape
    max_labels = target.shape[1]
    logp = jax.nn.log_softmax(output, axis=-1)
    dtype = logp.dtype
    log_zero = jnp.asarray(_LOG_ZERO, dtype)

    # Extended label sequence: blank, l1, blank, l2, ..., blank (length 2L + 1).
    n_ext = 2 * max_labels + 1
    ext = jnp.full((batch, n_ext), mask_index, dtype=jnp.int32).at[:, 1::2].set(target)
    # A label may be reached from two positions back unless it repeats the label there.
    skip = jnp.zeros((batch, n_ext), dtype=bool)
    if max_labels > 1:
        skip = skip.at[:, 3::2].set(target[:, 1:] != target[:, :-1])
    emit = jnp.take_along_axis(logp, jnp.broadcast_to(ext[:, None, :], (batch, max_time, n_ext)), axis=2)
    emit = jnp.transpose(emit, (1, 0, 2))  # (T, B, S)

    alpha0 = jnp.full((batch, n_ext), log_zero, dtype=dtype).at[:, 0].set(emit[0, :, 0])
    if n_ext > 1:
        alpha0 = alpha0.at[:, 1].set(emit[0, :, 1])
    pad1 = jnp.full((batch, 1), log_zero, dtype)
    pad2 = jnp.full((batch, 2), log_zero, dtype)

    def step(alpha, xs):
        emit_t, time = xs
        prev1 = jnp.concatenate([pad1, alpha[:, :-1]], axis=1)
        prev2 = jnp.where(skip, jnp.concatenate([pad2, alpha[:, :-2]], axis=1), log_zero)
        new = jnp.logaddexp(jnp.logaddexp(alpha, prev1), prev2) + emit_t
        return jnp.where((time < output_length)[:, None], new, alpha), None

    alpha, _ = jax.lax.scan(step, alpha0, (emit[1:], jnp.arange(1, max_time)))
    end = 2 * target_length
    last = jnp.take_along_axis(alpha, end[:, None], axis=1)[:, 0]
    before = jnp.take_along_axis(alpha, jnp.maximum(end - 1, 0)[:, None], axis=1)[:, 0]
    before = jnp.where(end > 0, before, log_zero)
    return -jnp.logaddexp(last, before)


def _ctc_greedy_decode(inputs, sequence_lengths, merge_repeated, mask_index):
    batch, max_time, num_classes = inputs.shape
    if mask_index is None:
        mask_index = num_classes - 1
    lengths = t(sequence_lengths).astype(jnp.int32).reshape(-1)
    indices = jnp.argmax(inputs, axis=-1).astype(jnp.int32)
    scores = jnp.max(inputs, axis=-1)
    past_end = jnp.arange(max_time)[None, :] >= lengths[:, None]
    indices = jnp.where(past_end, mask_index, indices)
    scores = jnp.where(past_end, jnp.zeros((), scores.dtype), scores)
    if merge_repeated:
        repeat = jnp.pad(indices[:, 1:] == indices[:, :-1], ((0, 0), (1, 0)))
        indices = jnp.where(repeat, mask_index, indices)
    keep = indices != mask_index
    # Stable sort puts kept labels first, in their original order.
    order = jnp.argsort(~keep, axis=1, stable=True)
    paths = jnp.where(jnp.take_along_axis(keep, order, axis=1), jnp.take_along_axis(indices, order, axis=1), -1)
    return paths[None].astype(jnp.int32), -jnp.sum(scores, axis=1, keepdims=True)


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    inputs = t(inputs)
    inputs = inputs.astype(result_type(standardize_dtype(inputs.dtype), "float32"))
    if inputs.ndim != 3:
        raise ValueError(
            f"ctc_decode: `inputs` must have shape (batch, max_time, num_classes). Received: {inputs.shape}."
        )
    if strategy == "greedy":
        return _ctc_greedy_decode(inputs, sequence_lengths, merge_repeated, mask_index)
    if strategy == "beam_search":
        if isinstance(inputs, jax.core.Tracer) or isinstance(sequence_lengths, jax.core.Tracer):
            raise ValueError(
                "ctc_decode: strategy='beam_search' runs eagerly on the host and cannot be traced by "
                "jax.jit; call it outside the jitted function, or use strategy='greedy'."
            )
        from lamina.backend.numpy.nn.losses import _ctc_beam_search_decode

        host = np.asarray(inputs.astype(jnp.float32) if inputs.dtype == jnp.bfloat16 else inputs)
        paths, scores = _ctc_beam_search_decode(host, np.asarray(t(sequence_lengths)), beam_width=beam_width,
                                                top_paths=top_paths, mask_index=mask_index)
        return jnp.asarray(paths), jnp.asarray(scores, dtype=inputs.dtype)
    raise ValueError(f"ctc_decode: `strategy` must be 'greedy' or 'beam_search'. Received: {strategy!r}.")


def psnr(x1, x2, max_val):
    x1, x2 = _float_pair(x1, x2)
    if x1.shape != x2.shape:
        raise ValueError(f"psnr: `x1` and `x2` must have the same shape. Received: {x1.shape} and {x2.shape}.")
    max_val = jnp.asarray(max_val, dtype=x2.dtype)
    mse = jnp.mean(jnp.square(x1 - x2))
    return 20 * jnp.log10(max_val) - 10 * jnp.log10(mse)
