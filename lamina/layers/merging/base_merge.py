"""Merge: the base of the layers that combine a list of tensors element-wise (Add, Multiply, ...).

Inputs broadcast against each other over their non-batch axes (numpy rules, aligned on
the last axis); an input of lower rank gets size-1 axes inserted after the batch axis.
Masks are combined with a logical OR (an output position is valid if any input is).
"""

from __future__ import annotations

from lamina import ops
from lamina.layers.layer import Layer


def describe(layer) -> str:
    """``Add layer "add_1"``: how errors name a layer."""
    return f'{type(layer).__name__} layer "{layer.name}"'


def _as_shape(s):
    return None if s is None else tuple(None if d is None else int(d) for d in s)


def broadcast_feature_shapes(layer, shapes) -> tuple | None:
    """The broadcast of the non-batch parts of ``shapes`` (aligned on the last axis), or a clear error."""
    out = None
    for s in shapes:
        if s is None:
            return None
        part = tuple(s[1:])
        if out is None:
            out = part
            continue
        longer, shorter = (out, part) if len(out) >= len(part) else (part, out)
        merged = list(longer[: len(longer) - len(shorter)])
        for a, b in zip(longer[len(longer) - len(shorter):], shorter):
            if a is None or b is None:
                merged.append(None)
            elif a == 1:
                merged.append(b)
            elif b == 1 or a == b:
                merged.append(a)
            else:
                raise ValueError(
                    f"{describe(layer)}: inputs have incompatible shapes. Received input shapes "
                    f"{[tuple(x) for x in shapes]}: dimension {a} cannot be broadcast with {b} "
                    "(non-batch axes must be equal or 1)."
                )
        out = tuple(merged)
    return out


def check_list_of_shapes(layer, input_shape, min_inputs: int = 1) -> list:
    """``input_shape`` as a list of shape tuples, or an error saying a list of inputs is needed."""
    if not isinstance(input_shape, (list, tuple)) or not input_shape or not all(
            s is None or isinstance(s, (list, tuple)) for s in input_shape) or all(
            isinstance(s, (int, type(None))) for s in input_shape):
        raise ValueError(
            f"{describe(layer)} should be called on a list of at least {min_inputs} input(s). "
            f"Received: input_shape={input_shape} (not a list of shapes)."
        )
    shapes = [_as_shape(s) for s in input_shape]
    if len(shapes) < min_inputs:
        raise ValueError(
            f"{describe(layer)} should be called on a list of at least {min_inputs} inputs. "
            f"Received {len(shapes)} input(s) with shapes {shapes}."
        )
    return shapes


def batch_size_of(layer, shapes):
    """The common batch size of ``shapes`` (None if unknown), or an error if they differ."""
    sizes = {s[0] for s in shapes if s} - {None}
    if len(sizes) > 1:
        raise ValueError(
            f"{describe(layer)}: cannot merge tensors with different batch sizes. "
            f"Received tensors with shapes {shapes}."
        )
    return next(iter(sizes)) if sizes else None


def expand_mask(mask, x):
    """``mask`` with trailing axes added and broadcast to the shape of ``x``."""
    for _ in range(len(mask.shape), len(x.shape)):
        mask = ops.expand_dims(mask, -1)
    return ops.broadcast_to(mask, ops.shape(x))


class Merge(Layer):
    """Base class of the element-wise merge layers; subclasses define ``_merge_function(inputs, masks)``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs, masks):
        raise NotImplementedError

    def _check_shapes(self, shapes) -> tuple | None:
        batch_size_of(self, shapes)
        return broadcast_feature_shapes(self, shapes)

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
        inputs = list(inputs)
        shapes = [tuple(x.shape) for x in inputs]
        masks = list(mask) if isinstance(mask, (list, tuple)) else [None] * len(inputs)
        if any(s != shapes[0] for s in shapes[1:]):
            self._check_shapes(shapes)
            ranks = [len(s) for s in shapes]
            top = max(ranks)
            if min(ranks) != top:
                for i, x in enumerate(inputs):
                    if ranks[i] == top:
                        continue
                    for _ in range(top - ranks[i]):
                        x = ops.expand_dims(x, 1)
                    inputs[i] = x
                    masks[i] = None  # the mask no longer lines up with the expanded input
        return self._merge_function(inputs, masks)

    def compute_output_shape(self, input_shape):
        shapes = check_list_of_shapes(self, input_shape)
        batch = batch_size_of(self, shapes)
        rest = broadcast_feature_shapes(self, shapes)
        if rest is None:
            return None
        return (batch,) + rest

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"{describe(self)}: `mask` should be a list of masks. Received: mask={mask!r}.")
        if isinstance(inputs, (list, tuple)) and len(mask) != len(inputs):
            raise ValueError(
                f"{describe(self)}: `inputs` and `mask` should be lists of the same length. "
                f"Received {len(inputs)} inputs and {len(mask)} masks."
            )
        if any(m is None for m in mask):
            return None
        out = mask[0]
        for m in mask[1:]:
            out = ops.logical_or(out, m)
        return out
