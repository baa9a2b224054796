"""SeedGenerator: the state behind lamina's random ops, held in a Variable so it saves and jits.

Random ops are stateless functions of a seed: two uint32 values. An int seed
``s`` always gives the seed ``(s, 0)``, hence the same numbers on every call.
A :class:`SeedGenerator` holds ``[seed, counter]`` in a non-trainable uint32
Variable and hands out its current value on each ``next()`` while advancing
the counter, so successive calls differ but a run is reproducible. Because
the advance is a ``Variable.assign``, it is recorded (not applied) inside a
``StatelessScope``, which is how a jitted JAX step carries it forward.

Example:
    >>> gen = lamina.random.SeedGenerator(42)
    >>> a = lamina.random.normal((2,), seed=gen)
    >>> b = lamina.random.normal((2,), seed=gen)   # different from a
"""

from __future__ import annotations

import numbers
import random as python_random

from lamina.backend import impl as B
from lamina.core.variable import Variable
from lamina.saving.serialization import builtin
from lamina.utils.naming import auto_name

_MASK32 = 0xFFFFFFFF
_global = {"generator": None}


def _is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def make_default_seed() -> int:
    """A fresh seed from Python's ``random`` (reproducible after ``set_random_seed``)."""
    return python_random.randint(1, 10**9)


@builtin("keras.random")
class SeedGenerator:
    """Hands out a new seed on each ``next()``; its state is the Variable ``state`` (uint32, shape (2,)).

    Args:
        seed: an int; None draws one from Python's ``random``.
        name: defaults to a unique ``seed_generator`` name.
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs):
        kwargs.pop("backend", None)  # Keras accepts a backend module here; lamina has one backend at a time
        if kwargs:
            raise ValueError(f"SeedGenerator: unrecognized keyword arguments {sorted(kwargs)}.")
        self.name = name or auto_name("SeedGenerator")
        self._initial_seed = seed
        if seed is None:
            seed = make_default_seed()
        if not _is_int(seed):
            raise ValueError(
                f"SeedGenerator: `seed` must be an integer or None; received {seed!r} of type {type(seed).__name__}."
            )
        self.state = Variable(
            [int(seed) & _MASK32, 0], shape=(2,), dtype="uint32", trainable=False,
            name="seed_generator_state",
        )

    def next(self, ordered: bool = True):
        """The current seed (a uint32 tensor of shape (2,)); the state's counter moves one step on.

        ``ordered`` is accepted for Keras compatibility; the counter always advances by one.
        """
        seed, new_state = B.random.seed_step(self.state.value)
        self.state.assign(new_state)
        return seed

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> "SeedGenerator":
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name}, seed={self._initial_seed}>"


def global_seed_generator() -> SeedGenerator:
    """The generator behind ``seed=None`` (created on first use; reset by ``set_random_seed``)."""
    if B.random.in_tracing_scope():
        raise ValueError(
            "lamina.random: a random op was called with seed=None while JAX traces a function (jit, grad, "
            "vmap). The global seed would be frozen into the compiled function, giving the same numbers "
            "every step. Create a lamina.random.SeedGenerator, keep it on your layer or model, and pass it "
            "as `seed=`."
        )
    gen = _global["generator"]
    if gen is None:
        gen = _global["generator"] = SeedGenerator()
    return gen


def set_global_seed_generator(generator: SeedGenerator | None) -> None:
    """Replace the global generator (None: make a fresh one on next use)."""
    _global["generator"] = generator


def draw_seed(seed):
    """The two uint32 seed values for a random op's ``seed`` argument.

    An int gives the tuple ``(seed mod 2**32, 0)``; a SeedGenerator its next
    seed; None the global generator's next seed; a backend tensor of shape
    (2,) is used as it is.
    """
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if _is_int(seed):
        return (int(seed) & _MASK32, 0)
    if seed is None:
        return global_seed_generator().next()
    if B.core.is_tensor(seed) and tuple(B.core.shape(seed)) == (2,):
        return B.core.cast(seed, "uint32")
    raise ValueError(
        "lamina.random: `seed` must be an int, None or a lamina.random.SeedGenerator; "
        f"received {seed!r} of type {type(seed).__name__}."
    )
