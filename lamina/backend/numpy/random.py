"""random kernels on numpy arrays.

Every kernel takes ``seed``: two uint32 values (a tuple of ints or a uint32
array of shape (2,)) and draws from ``np.random.default_rng(seed values)``, so
the same seed gives the same numbers. ``shape`` arrives as a tuple of ints
and ``dtype`` as a standardized name, both checked by ``lamina.random``.
"""

from __future__ import annotations

import numpy as np

from lamina.backend.common.variable_base import VariableBase
from lamina.backend.numpy.core import convert_to_tensor, to_native_dtype

# True where dropout with no seed should use the framework's own fused kernel.
UNSEEDED_DROPOUT = False

_STEP = np.array([0, 1], dtype=np.uint32)


def _t(x):
    return x if isinstance(x, np.ndarray) else convert_to_tensor(x.value if isinstance(x, VariableBase) else x)


def _rng(seed):
    return np.random.default_rng([int(seed[0]), int(seed[1])])


def _work_dtype(dtype: str):
    return np.float64 if dtype == "float64" else np.float32


def seed_step(state):
    """(the seed to use now, the next state): the state's counter advances by one."""
    return state.copy(), state + _STEP


def in_tracing_scope() -> bool:
    return False


def seed_framework(seed: int) -> None:
    """Seed the framework's own global generator (NumPy's is seeded by set_random_seed itself)."""


def normal(shape, mean, stddev, dtype, seed):
    x = _rng(seed).standard_normal(shape, dtype=_work_dtype(dtype))
    return (x * stddev + mean).astype(to_native_dtype(dtype))


def uniform(shape, minval, maxval, dtype, seed):
    x = _rng(seed).random(shape, dtype=_work_dtype(dtype))
    return (x * (maxval - minval) + minval).astype(to_native_dtype(dtype))


def truncated_normal(shape, mean, stddev, dtype, seed):
    rng = _rng(seed)
    x = rng.standard_normal(int(np.prod(shape)))
    bad = np.abs(x) > 2.0
    while bad.any():  # redraw only the samples outside two standard deviations
        x[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(x) > 2.0
    return (x.reshape(shape) * stddev + mean).astype(to_native_dtype(dtype))


def randint(shape, minval, maxval, dtype, seed):
    return _rng(seed).integers(minval, maxval, size=shape, dtype=to_native_dtype(dtype))


def dropout(inputs, rate, noise_shape, seed):
    x = _t(inputs)
    keep = 1.0 - rate
    mask = _rng(seed).random(noise_shape) < keep
    return np.where(mask, x / keep, 0).astype(x.dtype)


def shuffle(x, axis, seed):
    return _rng(seed).permuted(_t(x), axis=axis)


def categorical(logits, num_samples, dtype, seed):
    z = np.asarray(_t(logits), dtype=np.float64)
    batch, classes = z.shape
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    cdf = np.cumsum(p, axis=-1)
    cdf /= cdf[:, -1:]
    u = _rng(seed).random((batch, num_samples))
    # One sorted search for all rows: row r's CDF lives in [r, r + 1].
    offsets = np.arange(batch, dtype=np.float64)[:, None]
    pos = np.searchsorted((cdf + offsets).ravel(), (u + offsets).ravel(), side="right")
    pos = pos.reshape(batch, num_samples) - np.arange(batch)[:, None] * classes
    return np.minimum(pos, classes - 1).astype(to_native_dtype(dtype))


def gamma(shape, alpha, dtype, seed):
    return _rng(seed).standard_gamma(_t(alpha), size=shape).astype(to_native_dtype(dtype))


def binomial(shape, counts, probabilities, dtype, seed):
    return _rng(seed).binomial(_t(counts), _t(probabilities), size=shape).astype(to_native_dtype(dtype))


def beta(shape, alpha, beta, dtype, seed):
    return _rng(seed).beta(_t(alpha), _t(beta), size=shape).astype(to_native_dtype(dtype))
