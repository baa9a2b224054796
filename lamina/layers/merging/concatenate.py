"""Concatenate: join a list of tensors along one axis."""

from __future__ import annotations

from lamina import ops
from lamina.layers.merging.base_merge import Merge, check_list_of_shapes, describe
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class Concatenate(Merge):
    """Concatenate a list of tensors along ``axis``; all other axes must match.

    The output mask concatenates the inputs' masks (an input without one counts as all valid).

    Example:
        >>> lamina.layers.Concatenate(axis=1)([np.zeros((2, 3)), np.ones((2, 4))]).shape
        (2, 7)
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not hasattr(axis, "__index__"):
            raise TypeError(f"{describe(self)}: `axis` must be an integer, received axis={axis!r}.")
        self.axis = int(axis)
        self.supports_masking = True

    def _check_shapes(self, shapes):
        known = [s for s in shapes if s is not None]
        if not known:
            return None
        ranks = {len(s) for s in known}
        error = (f"{describe(self)} requires inputs with matching shapes except for the concatenation "
                 f"axis {self.axis}. Received: input_shape={shapes}")
        if len(ranks) != 1:
            raise ValueError(error + " (the inputs have different ranks).")
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise ValueError(f"{describe(self)}: axis {self.axis} is out of bounds for inputs of rank {rank}. "
                             f"Received: input_shape={shapes}")
        axis = self.axis % rank
        for d in range(rank):
            if d == axis:
                continue
            sizes = [s[d] for s in known if s[d] is not None]
            if any(v != sizes[0] for v in sizes[1:]):
                raise ValueError(error + f" (axis {d} differs).")
        return None

    def build(self, input_shape):
        shapes = check_list_of_shapes(self, input_shape)
        self._check_shapes(shapes)
        self.built = True

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{describe(self)} should be called on a list of inputs. "
                f"Received: inputs of shape {getattr(inputs, 'shape', None)} (not a list of tensors)."
            )
        shapes = [tuple(x.shape) for x in inputs]
        if any(s != shapes[0] for s in shapes[1:]):
            self._check_shapes(shapes)
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = check_list_of_shapes(self, input_shape)
        self._check_shapes(shapes)
        out = list(shapes[0])
        axis = self.axis % len(out)
        for s in shapes[1:]:
            if out[axis] is None or s[axis] is None:
                out[axis] = None
                break
            out[axis] += s[axis]
        # Other axes: take a known size where the first input has None.
        for d in range(len(out)):
            if d != axis and out[d] is None:
                out[d] = next((s[d] for s in shapes if s[d] is not None), None)
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"{describe(self)}: `mask` should be a list of masks. Received: mask={mask!r}.")
        if not isinstance(inputs, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(
                f"{describe(self)}: `inputs` and `mask` should be lists of the same length. "
                f"Received {len(inputs) if isinstance(inputs, (list, tuple)) else 1} input(s) and {len(mask)} masks."
            )
        if all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                full.append(ops.ones_like(x, dtype="bool"))
                continue
            m = ops.cast(m, "bool")
            if len(m.shape) < len(x.shape):
                for _ in range(len(m.shape), len(x.shape)):
                    m = ops.expand_dims(m, -1)
                m = ops.logical_or(m, ops.zeros_like(x, dtype="bool"))
            full.append(m)
        return ops.any(ops.concatenate(full, axis=self.axis), axis=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def concatenate(inputs, axis: int = -1, **kwargs):
    """Functional form of :class:`Concatenate`: ``Concatenate(axis=axis, **kwargs)(inputs)``.

    Example:
        >>> lamina.layers.concatenate([x1, x2], axis=1)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)
