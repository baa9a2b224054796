"""set_random_seed: make a lamina program reproducible (``keras.utils.set_random_seed``)."""

from __future__ import annotations

import numbers
import random as python_random

import numpy as np

from lamina.backend import impl as B

_state = {"seed": None}


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global RNG, the backend framework, and lamina's global SeedGenerator.

    After this, random ops called with ``seed=None``, new unseeded
    SeedGenerators and weight initializers give the same values on every run.

    Example:
        >>> set_random_seed(1337)
        >>> a = lamina.random.normal((2,))
        >>> set_random_seed(1337)
        >>> b = lamina.random.normal((2,))    # equal to a
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"set_random_seed: `seed` must be an integer; received {seed!r} of type "
                         f"{type(seed).__name__}.")
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"set_random_seed: `seed` must be in [0, 2**32); received {seed}.")
    from lamina.random.seed_generator import SeedGenerator, set_global_seed_generator

    _state["seed"] = seed
    python_random.seed(seed)
    np.random.seed(seed)
    B.random.seed_framework(seed)
    set_global_seed_generator(SeedGenerator(seed))


def get_random_seed() -> int | None:
    """The seed last passed to :func:`set_random_seed`, or None."""
    return _state["seed"]
