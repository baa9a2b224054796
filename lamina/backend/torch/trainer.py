"""How a train/test/predict step runs on torch: eager autograd, no per-step setup."""

from __future__ import annotations

import numpy as np
import torch

from lamina.backend.torch.core import convert_to_tensor, default_device
from lamina.trainers.packing import pack_batch, unpack_x_y_sample_weight


# Steps run eagerly: the default steps may leave per-batch logs uncomputed when no callback reads them.
DEFERS_STEP_LOGS = True

_DEVICES: dict = {}


def _target_device():
    name = default_device()
    device = _DEVICES.get(name)
    if device is None:
        device = _DEVICES[name] = torch.device(name)
    return device


def _to_tensors(x):
    if x is None:
        return None
    if isinstance(x, torch.Tensor):
        # A DataLoader hands CPU tensors; move them where the model's weights live.
        device = _target_device()
        return x if x.device == device else x.to(device, non_blocking=True)
    if isinstance(x, dict):
        return {k: _to_tensors(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_to_tensors(v) for v in x)
    if isinstance(x, np.ndarray) and x.dtype.kind in "USO":
        return x  # raw strings go to the model's string layers (TextVectorization, StringLookup) as NumPy
    return convert_to_tensor(x)


def _batch_size(x) -> int:
    while isinstance(x, (list, tuple, dict)):
        x = next(iter(x.values())) if isinstance(x, dict) else x[0]
    return int(x.shape[0])


def train_step(model, data):
    """Forward, loss, gradients, optimizer update and metric update for one batch."""
    x, y, sample_weight = unpack_x_y_sample_weight(data)
    y_pred = model(x, training=True)
    loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
    model._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
    trainable = model.trainable_variables
    if trainable:
        optimizer = model.optimizer
        scaled = optimizer.scale_loss(loss) if hasattr(optimizer, "scale_loss") else loss
        leaves = [v._value for v in trainable]
        grads = torch.autograd.grad(scaled, leaves, allow_unused=True)
        grads = [torch.zeros_like(p) if g is None else g for g, p in zip(grads, leaves)]
        optimizer.apply(grads, trainable)
    return model.compute_metrics(x, y, y_pred, sample_weight)


def _compiled(model, fn):
    """``fn`` under torch.compile when the model was compiled with ``jit_compile=True``."""
    if getattr(model, "jit_compile", False) is True and not getattr(model, "run_eagerly", False):
        return torch.compile(fn)
    return fn


def make_train_function(model):
    step = _compiled(model, model.train_step)

    def run(batch):
        return step(pack_batch(tuple(_to_tensors(b) for b in batch)))

    return run


def make_test_function(model):
    step = _compiled(model, model.test_step)

    def run(batch):
        with torch.no_grad():
            return step(pack_batch(tuple(_to_tensors(b) for b in batch)))

    return run


def make_predict_function(model):
    step = _compiled(model, model.predict_step)

    def run(x):
        with torch.no_grad():
            return step((_to_tensors(x),))

    return run


def zero_grad(model) -> None:
    """Clear ``.grad`` of the model's variables (for custom train steps that call ``loss.backward()``)."""
    for v in model.trainable_variables:
        v._value.grad = None
