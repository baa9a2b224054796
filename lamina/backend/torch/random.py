"""random kernels on torch tensors.

Every kernel takes ``seed``: two uint32 values (a tuple of ints or a uint32
tensor of shape (2,)) and draws from a ``torch.Generator`` on the default
device, seeded with a 64-bit hash of both values. The same
seed gives the same numbers on the same device; torch's global RNG is never
touched.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from lamina.backend.common.variable_base import VariableBase
from lamina.backend.torch.core import convert_to_tensor, default_device, to_native_dtype

# True where dropout with no seed should use the framework's own fused kernel.
UNSEEDED_DROPOUT = True

_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
# Standard normal CDF at -2 and +2: the bounds of truncated_normal in probability space.
_CDF_LO = 0.5 * (1.0 + math.erf(-2.0 / math.sqrt(2.0)))
_CDF_HI = 1.0 - _CDF_LO


def _t(x):
    return x if isinstance(x, torch.Tensor) else convert_to_tensor(x.value if isinstance(x, VariableBase) else x)


def _mix64(x: int) -> int:
    """SplitMix64's finalizer: every output bit depends on every input bit."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _generator(seed):
    if isinstance(seed, torch.Tensor):
        seed = seed.tolist()
    g = torch.Generator(device=default_device())
    # The CPU generator (mt19937) keeps only the low 32 bits of its seed, so both words are mixed in.
    g.manual_seed(_mix64(((int(seed[0]) & _MASK32) << 32) | (int(seed[1]) & _MASK32)))
    return g


def _work_dtype(dtype: str):
    return torch.float64 if dtype == "float64" else torch.float32


def seed_step(state):
    """(the seed to use now, the next state): the state's counter advances by one (mod 2**32)."""
    # torch has no uint32 arithmetic: step in int64 and wrap.
    wide = state.to(torch.int64)
    step = torch.tensor([0, 1], dtype=torch.int64, device=state.device)
    return state.clone(), ((wide + step) & _MASK32).to(state.dtype)


def in_tracing_scope() -> bool:
    return False


def seed_framework(seed: int) -> None:
    """Seed torch's global generators (CPU and every GPU)."""
    torch.manual_seed(seed)


def normal(shape, mean, stddev, dtype, seed):
    x = torch.randn(shape, generator=_generator(seed), dtype=to_native_dtype(dtype), device=default_device())
    if isinstance(stddev, torch.Tensor) or stddev != 1.0:
        x = x * stddev
    if isinstance(mean, torch.Tensor) or mean != 0.0:
        x = x + mean
    return x


def uniform(shape, minval, maxval, dtype, seed):
    x = torch.rand(shape, generator=_generator(seed), dtype=to_native_dtype(dtype), device=default_device())
    return x * (maxval - minval) + minval


def truncated_normal(shape, mean, stddev, dtype, seed):
    # Inverse CDF of a uniform draw restricted to [CDF(-2), CDF(2)]: exact, one pass, no rejection.
    work = _work_dtype(dtype)
    u = torch.rand(shape, generator=_generator(seed), dtype=work, device=default_device())
    u = u * (_CDF_HI - _CDF_LO) + _CDF_LO
    x = torch.clamp(math.sqrt(2.0) * torch.erfinv(2.0 * u - 1.0), -2.0, 2.0)
    return (x * stddev + mean).to(to_native_dtype(dtype))


def randint(shape, minval, maxval, dtype, seed):
    x = torch.randint(int(minval), int(maxval), shape, generator=_generator(seed), dtype=torch.int64,
                      device=default_device())
    return x.to(to_native_dtype(dtype))


def dropout(inputs, rate, noise_shape, seed):
    x = _t(inputs)
    if seed is None:
        return F.dropout(x, p=float(rate), training=True)
    keep = 1.0 - rate
    mask = torch.rand(noise_shape, generator=_generator(seed), device=x.device) < keep
    return torch.where(mask, x / keep, torch.zeros((), dtype=x.dtype, device=x.device))


def shuffle(x, axis, seed):
    x = _t(x)
    keys = torch.rand(x.shape, generator=_generator(seed), device=x.device)
    return torch.gather(x, axis, torch.argsort(keys, dim=axis))


def categorical(logits, num_samples, dtype, seed):
    probs = torch.softmax(_t(logits).to(torch.float32), dim=-1)
    out = torch.multinomial(probs, num_samples, replacement=True, generator=_generator(seed))
    return out.to(to_native_dtype(dtype))


def _standard_gamma(alpha, g):
    """Marsaglia-Tsang gamma(alpha, 1) samples drawn from generator ``g`` (alpha > 0, broadcast already)."""
    boost = alpha < 1.0  # gamma(a) = gamma(a + 1) * U ** (1 / a) for a < 1
    a = torch.where(boost, alpha + 1.0, alpha)
    d = a - 1.0 / 3.0
    c = 1.0 / torch.sqrt(9.0 * d)
    out = torch.zeros_like(a)
    pending = torch.ones_like(a, dtype=torch.bool)
    for _ in range(100):  # each round accepts > 95% of what is pending
        if not bool(pending.any()):
            break
        x = torch.randn(a.shape, generator=g, dtype=a.dtype, device=a.device)
        u = torch.rand(a.shape, generator=g, dtype=a.dtype, device=a.device)
        v = (1.0 + c * x) ** 3
        ok = (v > 0) & (torch.log(u) < 0.5 * x * x + d - d * v + d * torch.log(torch.clamp(v, min=1e-30)))
        take = pending & ok
        out = torch.where(take, d * v, out)
        pending = pending & ~ok
    out = torch.where(pending, torch.full_like(out, float("nan")), out)  # alpha <= 0 or NaN never accepts
    u = torch.rand(a.shape, generator=g, dtype=a.dtype, device=a.device)
    return torch.where(boost, out * u ** (1.0 / alpha), out)


def gamma(shape, alpha, dtype, seed):
    work = _work_dtype(dtype)
    alpha = torch.broadcast_to(_t(alpha).to(work), shape)
    return _standard_gamma(alpha, _generator(seed)).to(to_native_dtype(dtype))


def binomial(shape, counts, probabilities, dtype, seed):
    counts = torch.broadcast_to(_t(counts).to(torch.float32), shape)
    probabilities = torch.broadcast_to(_t(probabilities).to(torch.float32), shape)
    out = torch.binomial(counts.contiguous(), probabilities.contiguous(), generator=_generator(seed))
    return out.to(to_native_dtype(dtype))


def beta(shape, alpha, beta, dtype, seed):
    work = _work_dtype(dtype)
    g = _generator(seed)
    x = _standard_gamma(torch.broadcast_to(_t(alpha).to(work), shape), g)
    y = _standard_gamma(torch.broadcast_to(_t(beta).to(work), shape), g)
    return (x / (x + y)).to(to_native_dtype(dtype))
