"""The benchmark workloads. Each module defines one model three ways:

- ``build_keras(K)``: with the Keras API, where ``K`` is ``lamina`` or real ``keras``;
- ``build_torch()``: an idiomatic ``torch.nn.Module`` (trained with torch.optim);
- ``build_jax(key)``: ``(params, state, apply)`` pure functions (trained with optax under jax.jit);

plus ``make_data(n, seed)``, ``BATCH``, ``CLASSES``, ``LAYERS`` (the lamina layers it needs),
``TORCH_CHANNELS_FIRST`` and ``QUICK`` (overrides of the quick mode's settings).
"""

from __future__ import annotations

import importlib
from types import ModuleType

NAMES = ("mlp", "convnet", "lstm", "transformer", "resnet")


def load(name: str) -> ModuleType:
    """The workload module called ``name``."""
    if name not in NAMES:
        raise ValueError(f"Unknown benchmark workload {name!r}; expected one of {', '.join(NAMES)}.")
    return importlib.import_module(f"benchmarks.workloads.{name}")
