"""The NumPy backend evaluates and predicts; it cannot train (no autodiff)."""

from __future__ import annotations

from lamina.backend.numpy.core import convert_to_tensor


def _to_arrays(x):
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: _to_arrays(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_to_arrays(v) for v in x)
    return convert_to_tensor(x)


def _batch_size(x) -> int:
    while isinstance(x, (list, tuple, dict)):
        x = next(iter(x.values())) if isinstance(x, dict) else x[0]
    return int(x.shape[0])


def train_step(model, data):
    raise RuntimeError("The numpy backend cannot train (it has no automatic differentiation); use torch or jax.")


def test_step(model, data):
    x, y, sample_weight = data
    y_pred = model(x, training=False)
    loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
    model._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
    return model.compute_metrics(x, y, y_pred, sample_weight)


def make_train_function(model):
    return lambda batch: train_step(model, batch)


def make_test_function(model):
    step = model.test_step
    return lambda batch: step(tuple(_to_arrays(b) for b in batch))


def make_predict_function(model):
    step = model.predict_step
    return lambda x: step((_to_arrays(x), None, None))
