"""torch kernels: loss kernels: the crossentropies, ctc_loss, ctc_decode, psnr."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from lamina import config
from lamina.backend.common.dtypes import result_type
from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401
from lamina.backend.torch.core import _DTYPES, _NAMES


def _float_pair(target, output):
    target, output = promote(target, output)
    if not output.is_floating_point():
        output = to_float(output)
        target = target.to(output.dtype)
    return target, output


def _check_same_shape(name, target, output):
    if target.shape != output.shape:
        raise ValueError(
            f"{name}: `target` and `output` must have the same shape. "
            f"Received: target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}."
        )


def binary_crossentropy(target, output, from_logits=False):
    target, output = _float_pair(target, output)
    _check_same_shape("binary_crossentropy", target, output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = config.epsilon()
    return F.binary_cross_entropy(torch.clamp(output, eps, 1.0 - eps), target, reduction="none")


def _class_log_probs(output, from_logits, axis):
    if from_logits:
        return F.log_softmax(output, dim=axis)
    eps = config.epsilon()
    output = output / torch.sum(output, dim=axis, keepdim=True)
    return torch.log(torch.clamp(output, eps, 1.0 - eps))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _float_pair(target, output)
    _check_same_shape("categorical_crossentropy", target, output)
    if output.ndim < 1:
        raise ValueError("categorical_crossentropy: `target` and `output` must be at least rank 1. "
                         f"Received: output.shape={tuple(output.shape)}.")
    return -torch.sum(target * _class_log_probs(output, from_logits, axis), dim=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    output = to_float(output)
    target = t(target)
    if output.ndim < 1:
        raise ValueError(
            "sparse_categorical_crossentropy: `output` must be at least rank 1. "
            f"Received: output.shape={tuple(output.shape)}."
        )
    axis = axis % output.ndim
    if target.ndim == output.ndim and target.shape[axis] == 1:
        target = target.squeeze(axis)
    expected = output.shape[:axis] + output.shape[axis + 1:]
    if target.shape != expected:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must have the shape of `output` without its class axis "
            f"({tuple(expected)}). Received: target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}."
        )
    if target.dtype != torch.int64:
        target = target.long()
    # Labels outside [0, num_classes) select no class: loss 0, as on the other backends.
    num_classes = output.shape[axis]
    target = torch.where((target >= 0) & (target < num_classes), target, -100)
    # The fused torch losses take the class axis at position 1 and never build a one-hot tensor.
    squeeze = output.ndim == 1
    if squeeze:
        output, target = output.unsqueeze(0), target.unsqueeze(0)
    elif axis != 1:
        output = output.movedim(axis, 1)
    if from_logits:
        loss = F.cross_entropy(output, target, reduction="none")
    else:
        loss = F.nll_loss(_class_log_probs(output, False, 1), target, reduction="none")
    return loss.squeeze(0) if squeeze else loss


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    output = t(output)
    dtype = _DTYPES[result_type(_NAMES[output.dtype], "float32")]
    output = output.to(dtype)
    target = t(target)
    if target.ndim != 2 or output.ndim != 3:
        raise ValueError(
            "ctc_loss: `target` must have shape (batch, max_label_length) and `output` shape "
            f"(batch, max_time, num_classes). Received: target.shape={tuple(target.shape)}, "
            f"output.shape={tuple(output.shape)}."
        )
    log_probs = F.log_softmax(output.transpose(0, 1), dim=-1)
    return F.ctc_loss(
        log_probs,
        target.long(),
        t(output_length).long().reshape(-1),
        t(target_length).long().reshape(-1),
        blank=mask_index,
        reduction="none",
    )


def _ctc_greedy_decode(inputs, sequence_lengths, merge_repeated, mask_index):
    batch, max_time, num_classes = inputs.shape
    if mask_index is None:
        mask_index = num_classes - 1
    lengths = t(sequence_lengths).to(inputs.device).long().reshape(-1)
    scores, indices = torch.max(inputs, dim=-1)
    indices = indices.int()
    past_end = torch.arange(max_time, device=inputs.device)[None, :] >= lengths[:, None]
    indices = torch.where(past_end, torch.full_like(indices, mask_index), indices)
    scores = torch.where(past_end, torch.zeros_like(scores), scores)
    if merge_repeated:
        repeat = torch.zeros_like(past_end)
        repeat[:, 1:] = indices[:, 1:] == indices[:, :-1]
        indices = torch.where(repeat, torch.full_like(indices, mask_index), indices)
    keep = indices != mask_index
    # Stable sort puts kept labels first, in their original order.
    order = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)
    paths = torch.where(torch.gather(keep, 1, order), torch.gather(indices, 1, order), torch.full_like(indices, -1))
    return paths[None], -torch.sum(scores, dim=1, keepdim=True)


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    inputs = t(inputs)
    inputs = inputs.to(_DTYPES[result_type(_NAMES[inputs.dtype], "float32")])
    if inputs.ndim != 3:
        raise ValueError(
            f"ctc_decode: `inputs` must have shape (batch, max_time, num_classes). Received: {tuple(inputs.shape)}."
        )
    if strategy == "greedy":
        return _ctc_greedy_decode(inputs, sequence_lengths, merge_repeated, mask_index)
    if strategy == "beam_search":
        # Beam search is sequential, data-dependent control flow: it runs on the host.
        from lamina.backend.numpy.nn.losses import _ctc_beam_search_decode

        host = inputs.detach().cpu()
        if host.dtype == torch.bfloat16:
            host = host.float()
        paths, scores = _ctc_beam_search_decode(
            host.numpy(), t(sequence_lengths).detach().cpu().numpy(),
            beam_width=beam_width, top_paths=top_paths, mask_index=mask_index,
        )
        return (torch.from_numpy(paths).to(inputs.device),
                torch.from_numpy(np.asarray(scores)).to(device=inputs.device, dtype=inputs.dtype))
    raise ValueError(f"ctc_decode: `strategy` must be 'greedy' or 'beam_search'. Received: {strategy!r}.")


def psnr(x1, x2, max_val):
    x1, x2 = _float_pair(x1, x2)
    if x1.shape != x2.shape:
        raise ValueError(
            f"psnr: `x1` and `x2` must have the same shape. Received: {tuple(x1.shape)} and {tuple(x2.shape)}."
        )
    max_val = torch.as_tensor(max_val, dtype=x1.dtype, device=x1.device)
    mse = torch.mean(torch.square(x1 - x2))
    return 20 * torch.log10(max_val) - 10 * torch.log10(mse)
