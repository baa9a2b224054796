"""The NumPy backend evaluates and predicts; it cannot train (no autodiff)."""

from __future__ import annotations

from lamina.backend.numpy.core import convert_to_tensor
from lamina.trainers.packing import pack_batch, unpack_x_y_sample_weight


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


def make_train_function(model):
    return lambda batch: train_step(model, batch)


def make_test_function(model):
    step = model.test_step
    return lambda batch: step(pack_batch(tuple(_to_arrays(b) for b in batch)))


def make_predict_function(model):
    step = model.predict_step
    return lambda x: step((_to_arrays(x),))
