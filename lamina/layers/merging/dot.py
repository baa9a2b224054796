"""Dot: the per-sample dot product of two tensors along chosen axes."""

from __future__ import annotations

import math

from lamina import ops
from lamina.layers.merging.base_merge import Merge, batch_size_of, check_list_of_shapes, describe
from lamina.saving.serialization import builtin


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


@builtin("keras.layers")
class Dot(Merge):
    """Dot product of two samples-batched tensors along ``axes`` (never the batch axis 0).

    With ``normalize=True`` both inputs are L2-normalized along their axis first (cosine similarity).
    Inputs ``(b, 3, 5)`` and ``(b, 10, 3)`` with ``axes=(1, 2)`` give ``(b, 5, 10)``; a result of
    rank 1 is returned as ``(b, 1)``.

    Example:
        >>> lamina.layers.Dot(axes=1)([np.ones((2, 3)), np.ones((2, 3))])   # [[3.], [3.]]
    """

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not _is_int(axes):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    f"{describe(self)}: `axes` should be an int or a list/tuple of two ints. Received: axes={axes!r}"
                )
            if len(axes) != 2:
                raise ValueError(
                    f"{describe(self)}: `axes` should contain two elements. Received: axes={axes!r}"
                )
            if not _is_int(axes[0]) or not _is_int(axes[1]):
                raise ValueError(
                    f"{describe(self)}: the elements of `axes` should be integers. Received: axes={axes!r}"
                )
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _axes_for(self, ranks) -> list:
        pair = [self.axes, self.axes] if _is_int(self.axes) else list(self.axes)
        out = []
        for a, r in zip(pair, ranks):
            if not -r <= a < r:
                raise ValueError(f"{describe(self)}: axis {a} is out of bounds for an input of rank {r}.")
            out.append(a % r)
        if 0 in out:
            raise ValueError(
                f"{describe(self)}: cannot take the dot product over axis 0 (the batch axis). Received axes={self.axes}. "
                "If your inputs are not batched, add a batch dimension with ops.expand_dims(x, 0)."
            )
        return out

    def _check_shapes(self, shapes):
        if len(shapes) != 2:
            raise ValueError(
                f"{describe(self)} should be called on a list of 2 inputs. Received {len(shapes)} inputs "
                f"with shapes {shapes}."
            )
        s1, s2 = shapes
        if s1 is None or s2 is None:
            return None
        if len(s1) < 2 or len(s2) < 2:
            raise ValueError(f"{describe(self)}: inputs must have rank >= 2. Received shapes {s1} and {s2}.")
        batch_size_of(self, shapes)
        a1, a2 = self._axes_for((len(s1), len(s2)))
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ValueError(
                f"{describe(self)}: incompatible input shapes: axis values {s1[a1]} (at axis {a1}) != "
                f"{s2[a2]} (at axis {a2}). Full input shapes: {s1}, {s2}"
            )
        return None

    def build(self, input_shape):
        shapes = check_list_of_shapes(self, input_shape)
        self._check_shapes(shapes)
        self.built = True

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{describe(self)} should be called on a list of 2 inputs. "
                f"Received: inputs of shape {getattr(inputs, 'shape', None)} (not a list of tensors)."
            )
        shapes = [tuple(x.shape) for x in inputs]
        self._check_shapes(shapes)
        x, y = inputs
        a1, a2 = self._axes_for((len(shapes[0]), len(shapes[1])))
        if self.normalize:
            x = ops.normalize(x, axis=a1)
            y = ops.normalize(y, axis=a2)
        return _batch_dot(x, y, a1, a2)

    def compute_output_shape(self, input_shape):
        shapes = check_list_of_shapes(self, input_shape)
        self._check_shapes(shapes)
        s1, s2 = list(shapes[0]), list(shapes[1])
        a1, a2 = self._axes_for((len(s1), len(s2)))
        batch = s1[0] if s1[0] is not None else s2[0]
        out = [batch] + s1[1:a1] + s1[a1 + 1:] + s2[1:a2] + s2[a2 + 1:]
        if len(out) == 1:
            out.append(1)
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def _batch_dot(x, y, a1: int, a2: int):
    """Contract axis ``a1`` of ``x`` with axis ``a2`` of ``y`` sample by sample (axis 0 is the batch)."""
    xr, yr = len(x.shape), len(y.shape)
    # x -> (batch, rest_x..., k); y -> (batch, k, rest_y...)
    if a1 != xr - 1:
        x = ops.transpose(x, [d for d in range(xr) if d != a1] + [a1])
    if a2 != 1:
        y = ops.transpose(y, [0, a2] + [d for d in range(1, yr) if d != a2])
    x_rest = tuple(x.shape[1:-1])
    y_rest = tuple(y.shape[2:])
    k = x.shape[-1]
    x = ops.reshape(x, (-1, math.prod(x_rest), k))
    y = ops.reshape(y, (-1, k, math.prod(y_rest)))
    out = ops.matmul(x, y)
    final = x_rest + y_rest
    return ops.reshape(out, (-1,) + (final if final else (1,)))


def dot(inputs, axes=-1, **kwargs):
    """Functional form of :class:`Dot`: ``Dot(axes=axes, **kwargs)(inputs)``.

    Example:
        >>> lamina.layers.dot([x1, x2], axes=1, normalize=True)
    """
    return Dot(axes=axes, **kwargs)(inputs)
