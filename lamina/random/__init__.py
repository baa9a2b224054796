"""lamina.random: the ``keras.random`` namespace (seeded, reproducible random ops).

Example:
    >>> import lamina
    >>> gen = lamina.random.SeedGenerator(1337)
    >>> noise = lamina.random.normal((2, 3), seed=gen)
"""

from lamina.random.random import (  # noqa: F401
    beta,
    binomial,
    categorical,
    dropout,
    gamma,
    normal,
    randint,
    shuffle,
    truncated_normal,
    uniform,
)
from lamina.random.seed_generator import SeedGenerator  # noqa: F401
