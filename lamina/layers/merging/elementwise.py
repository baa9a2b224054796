"""Element-wise merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, and their functional forms."""

from __future__ import annotations

from lamina import ops
from lamina.layers.merging.base_merge import Merge, check_list_of_shapes, describe, expand_mask
from lamina.saving.serialization import builtin


@builtin("keras.layers")
class Add(Merge):
    """Sum a list of tensors element-wise.

    Example:
        >>> lamina.layers.Add()([np.ones((2, 3)), np.ones((2, 3))])   # all 2.0
    """

    def _merge_function(self, inputs, masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.add(out, x)
        return out


@builtin("keras.layers")
class Subtract(Merge):
    """``inputs[0] - inputs[1]`` for a list of exactly two tensors.

    Example:
        >>> lamina.layers.Subtract()([np.ones((2, 3)), np.ones((2, 3))])   # all 0.0
    """

    def _require_two(self, n, what):
        if n != 2:
            raise ValueError(f"{describe(self)} should be called on exactly 2 inputs. Received {n} {what}.")

    def build(self, input_shape):
        shapes = check_list_of_shapes(self, input_shape)
        self._require_two(len(shapes), f"inputs with shapes {shapes}")
        super().build(input_shape)

    def _merge_function(self, inputs, masks):
        self._require_two(len(inputs), "inputs")
        return ops.subtract(inputs[0], inputs[1])

    def compute_output_shape(self, input_shape):
        shapes = check_list_of_shapes(self, input_shape)
        self._require_two(len(shapes), f"inputs with shapes {shapes}")
        return super().compute_output_shape(input_shape)


@builtin("keras.layers")
class Multiply(Merge):
    """Multiply a list of tensors element-wise.

    Masked entries of an input count as 1 in the product; where every input has a mask,
    entries masked in all inputs are 0.

    Example:
        >>> lamina.layers.Multiply()([np.full((2, 3), 2.0), np.full((2, 3), 3.0)])   # all 6.0
    """

    def _merge_function(self, inputs, masks):
        all_masked = all(m is not None for m in masks)
        out, out_mask = None, None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = expand_mask(m, x)
                x = ops.where(m, x, ops.cast(1, x.dtype))
                if all_masked:
                    out_mask = m if out_mask is None else ops.logical_or(out_mask, m)
            out = x if out is None else ops.multiply(out, x)
        if all_masked:
            out = ops.where(out_mask, out, ops.cast(0, out.dtype))
        return out


@builtin("keras.layers")
class Average(Merge):
    """The element-wise mean of a list of tensors.

    Example:
        >>> lamina.layers.Average()([np.zeros((2, 3)), np.full((2, 3), 2.0)])   # all 1.0
    """

    def _merge_function(self, inputs, masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.add(out, x)
        return ops.divide(out, len(inputs))


class _MaskedExtremum(Merge):
    """Maximum/Minimum: masked entries of an input do not take part where another input is valid."""

    _op = None

    def _merge_function(self, inputs, masks):
        op = type(self)._op
        out, out_mask = None, None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = expand_mask(m, x)
            if out is None:
                out, out_mask = x, m
                continue
            if m is not None:
                x = ops.where(m, x, out)
            if out_mask is not None:
                out = ops.where(out_mask, out, x)
            out_mask = ops.logical_or(out_mask, m) if (m is not None and out_mask is not None) else None
            out = op(out, x)
        return out


@builtin("keras.layers")
class Maximum(_MaskedExtremum):
    """The element-wise maximum of a list of tensors.

    Example:
        >>> lamina.layers.Maximum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])])   # [[3., 5.]]
    """

    _op = staticmethod(ops.maximum)


@builtin("keras.layers")
class Minimum(_MaskedExtremum):
    """The element-wise minimum of a list of tensors.

    Example:
        >>> lamina.layers.Minimum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])])   # [[1., 2.]]
    """

    _op = staticmethod(ops.minimum)


def add(inputs, **kwargs):
    """Functional form of :class:`Add`: ``Add(**kwargs)(inputs)``.

    Example:
        >>> lamina.layers.add([x1, x2])
    """
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of :class:`Subtract`: ``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of :class:`Multiply`: ``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of :class:`Average`: ``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of :class:`Maximum`: ``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of :class:`Minimum`: ``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)
