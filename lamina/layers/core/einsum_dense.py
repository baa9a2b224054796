"""EinsumDense: a dense layer whose contraction is any einsum equation."""

from __future__ import annotations

import re

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin


def analyze_equation(equation: str, bias_axes, input_shape, output_shape):
    """Kernel shape, bias shape and full output shape for ``equation`` on ``input_shape``.

    ``output_shape`` excludes the batch axis (the first output axis, or the
    axes an ellipsis stands for).
    """
    equation = equation.replace(" ", "")
    match = re.fullmatch(r"([a-zA-Z.]+),([a-zA-Z.]+)->([a-zA-Z.]+)", equation)
    if not match:
        raise ValueError(f"EinsumDense: invalid equation {equation!r}; expected the form 'ab,bc->ac'.")
    in_spec, kernel_spec, out_spec = match.groups()
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    input_shape = list(input_shape)
    if "..." in in_spec:
        elided = len(input_shape) - len(in_spec.replace("...", ""))
        left = out_spec.startswith("...")
        in_chars = in_spec.replace("...", "")
        out_chars = out_spec.replace("...", "")
        if left:
            full_output = input_shape[:elided] + output_shape
            out_offset = elided
            in_offset = elided if in_spec.startswith("...") else 0
        else:
            full_output = output_shape + input_shape[len(input_shape) - elided:]
            out_offset = 0
            in_offset = 0 if in_spec.endswith("...") else elided
    else:
        if len(in_spec) != len(input_shape):
            raise ValueError(
                f"EinsumDense: the equation {equation!r} expects inputs of rank {len(in_spec)}, "
                f"received input shape {tuple(input_shape)}."
            )
        in_chars, out_chars = in_spec, out_spec
        full_output = [input_shape[0]] + output_shape
        in_offset = out_offset = 0
    out_dims = full_output[out_offset:out_offset + len(out_chars)]
    if len(out_dims) != len(out_chars):
        raise ValueError(
            f"EinsumDense: output_shape {tuple(output_shape)} has the wrong rank for the output "
            f"spec {out_spec!r} of {equation!r}."
        )
    in_dims = input_shape[in_offset:in_offset + len(in_chars)]
    # Unknown output sizes are taken from the input axis with the same letter.
    for i, c in enumerate(out_chars):
        if out_dims[i] is None and c in in_chars:
            out_dims[i] = in_dims[in_chars.index(c)]
            full_output[out_offset + i] = out_dims[i]
    kernel_shape = []
    for c in kernel_spec:
        if c in in_chars:
            kernel_shape.append(in_dims[in_chars.index(c)])
        elif c in out_chars:
            kernel_shape.append(out_dims[out_chars.index(c)])
        else:
            raise ValueError(f"EinsumDense: kernel axis {c!r} of {equation!r} is in neither the input nor the output.")
    bias_shape = None
    if bias_axes:
        for c in bias_axes:
            if c not in out_chars:
                raise ValueError(f"EinsumDense: bias axis {c!r} is not an output axis of {equation!r}.")
        first = min(out_chars.index(c) for c in bias_axes)
        bias_shape = [out_dims[i] if out_chars[i] in bias_axes else 1 for i in range(first, len(out_chars))]
    return kernel_shape, bias_shape, full_output


@builtin("keras.layers")
class EinsumDense(Layer):
    """Example:
        >>> layer = lamina.layers.EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")
        >>> layer(np.ones((2, 10, 32))).shape
        (2, 10, 64)
    """

    def __init__(self, equation: str, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha
        self.quantization_config = quantization_config

    def build(self, input_shape):
        kernel_shape, bias_shape, full_output = analyze_equation(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.full_output_shape = tuple(full_output)
        self.kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs, training=None):
        x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(analyze_equation(self.equation, self.bias_axes, input_shape, self.partial_output_shape)[2])

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": list(self.partial_output_shape),
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": self.quantization_config,
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config
