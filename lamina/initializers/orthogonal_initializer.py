"""The Orthogonal initializer (QR of a Gaussian matrix)."""

from __future__ import annotations

import math

from lamina import ops
from lamina import random as _random
from lamina.initializers.random_initializers import RandomInitializer
from lamina.saving.serialization import builtin


@builtin("keras.initializers")
class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times ``gain``.

    The shape is viewed as a matrix ``(prod(shape[:-1]), shape[-1])``; it gets
    orthonormal columns, or orthonormal rows when it has fewer rows than
    columns, and is reshaped back.

    Example:
        >>> w = Orthogonal(seed=1)((4, 4))   # w.T @ w == I
    """

    def __init__(self, gain: float = 1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal initializer: expected a shape of rank 2 or more, received shape={shape} "
                f"of rank {len(shape)}."
            )
        rows = math.prod(shape[:-1])
        cols = shape[-1]
        a = _random.normal((max(rows, cols), min(rows, cols)), seed=self.seed, dtype=dtype)
        q, r = ops.qr(a)
        # Fix the signs so the result is uniformly distributed over orthogonal matrices.
        q = ops.multiply(q, ops.sign(ops.diag(r)))
        if rows < cols:
            q = ops.transpose(q)
        return ops.multiply(self.gain, ops.reshape(q, shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}
