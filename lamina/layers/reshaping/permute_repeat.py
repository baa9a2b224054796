"""Permute (reorder the non-batch axes) and RepeatVector (repeat a vector n times)."""

from __future__ import annotations

from lamina import ops
from lamina.layers.input_spec import InputSpec
from lamina.layers.reshaping._utils import ShapeOnlyLayer, describe
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class Permute(ShapeOnlyLayer):
    """Permute the non-batch axes; ``dims`` is a permutation of ``1..rank-1`` (the batch axis stays first).

    Example:
        >>> lamina.layers.Permute((2, 1))(np.zeros((4, 10, 64))).shape
        (4, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            raise ValueError(f"{describe(self)}: `dims` must be a tuple of ints. Received dims={dims!r}.") from None
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                f"{describe(self)}: invalid permutation `dims`: the indices must be consecutive and start "
                f"from 1 (axis 0, the batch axis, is not permuted). Received dims={dims}."
            )
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


@builtin("keras.layers")
class RepeatVector(ShapeOnlyLayer):
    """Repeat a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``.

    Example:
        >>> lamina.layers.RepeatVector(3)(np.zeros((2, 5))).shape
        (2, 3, 5)
    """

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"{describe(self)}: expected an integer value for `n`, received {n!r} of type "
                            f"{type(n).__name__}.")
        if n <= 0:
            raise ValueError(f"{describe(self)}: `n` should be a positive integer. Received: n={n}")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
