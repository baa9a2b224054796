"""Random ops of ``keras.random``: normal, uniform, truncated_normal, randint, dropout, shuffle, ...

``seed`` is an int (the same numbers every call), a :class:`SeedGenerator`
(new numbers each call, reproducibly) or None (the global generator; not
allowed while JAX traces a function). Called on KerasTensors, or while a
layer is traced in a ``SymbolicScope``, an op returns a KerasTensor of the
result's shape and dtype and consumes no seed.

Example:
    >>> from lamina import random
    >>> x = random.normal((2, 3), seed=1)
    >>> random.uniform((4,), minval=-1.0, maxval=1.0, seed=random.SeedGenerator(7))
"""

from __future__ import annotations

import functools
import inspect
import numbers

from lamina.backend import impl as B
from lamina.backend.common.dtypes import FLOAT_TYPES, INT_TYPES, result_type, standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import FunctionOperation
from lamina.ops._spec import dtype_of, shape_of
from lamina.backend.common.scopes import in_symbolic_scope
from lamina.random.seed_generator import SeedGenerator, draw_seed
from lamina.utils import tree

__all__ = [
    "beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint", "shuffle",
    "truncated_normal", "uniform",
]


def _random_op(spec):
    """Run ``fn`` on real values; on KerasTensors (or inside a SymbolicScope) return ``spec``'s KerasTensor."""

    def decorate(fn):
        @functools.wraps(fn)
        def op(*args, **kwargs):
            if any(isinstance(x, KerasTensor) for x in tree.flatten((list(args), kwargs))):
                if in_symbolic_scope():
                    return spec(*args, **kwargs)
                return FunctionOperation(fn, spec, fn.__name__).symbolic_call(*args, **kwargs)
            if in_symbolic_scope():
                return spec(*args, **kwargs)
            return fn(*args, **kwargs)

        op.compute_output_spec = spec
        return op

    return decorate


def _shape(op: str, shape, allow_none: bool = False) -> tuple:
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"{op}: `shape` must be a tuple of non-negative ints; received {shape!r}.") from None
    out = []
    for d in dims:
        if d is None and allow_none:
            out.append(None)
            continue
        try:
            d = int(d)
        except (TypeError, ValueError):
            d = -1
        if d < 0:
            raise ValueError(f"{op}: `shape` must be a tuple of non-negative ints; received {shape!r}.")
        out.append(d)
    return tuple(out)


def _dtype(op: str, dtype, kinds: tuple, kind_name: str) -> str:
    d = standardize_dtype(dtype)
    if d not in kinds:
        raise ValueError(f"{op} requires {kind_name} `dtype`; received dtype={dtype!r}.")
    return d


def _float(op, dtype):
    return _dtype(op, dtype, FLOAT_TYPES, "a floating point")


def _shaped_op(op: str, kinds: tuple, kind_name: str):
    """``_random_op`` for ops whose output has the ``shape`` and ``dtype`` arguments (read off fn's signature)."""

    def decorate(fn):
        signature = inspect.signature(fn)

        def spec(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            dtype = _dtype(op, bound.arguments["dtype"], kinds, kind_name)
            return KerasTensor(_shape(op, bound.arguments["shape"], allow_none=True), dtype=dtype)

        return _random_op(spec)(fn)

    return decorate


def _no_unknown_dims(op, shape):
    shape = _shape(op, shape, allow_none=True)
    if None in shape:
        raise ValueError(f"{op}: `shape` has unknown (None) dimensions {shape}; random values need a "
                         "concrete shape outside of symbolic tracing.")
    return shape


@_shaped_op("normal", FLOAT_TYPES, "a floating point")
def normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype=None, seed=None):
    """Samples from a normal distribution with ``mean`` and ``stddev``.

    Example:
        >>> lamina.random.normal((2, 3), mean=0.0, stddev=1.0, seed=42)
    """
    shape = _no_unknown_dims("normal", shape)
    return B.random.normal(shape, mean, stddev, _float("normal", dtype), draw_seed(seed))


@_shaped_op("uniform", FLOAT_TYPES, "a floating point")
def uniform(shape, minval: float = 0.0, maxval: float = 1.0, dtype=None, seed=None):
    """Samples uniformly from ``[minval, maxval)``; ``dtype`` must be a float type.

    Example:
        >>> lamina.random.uniform((3,), minval=-1.0, maxval=1.0, seed=0)
    """
    shape = _no_unknown_dims("uniform", shape)
    return B.random.uniform(shape, minval, maxval, _float("uniform", dtype), draw_seed(seed))


@_shaped_op("truncated_normal", FLOAT_TYPES, "a floating point")
def truncated_normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype=None, seed=None):
    """Normal samples restricted to ``mean ± 2 * stddev`` (values outside are redrawn).

    Example:
        >>> lamina.random.truncated_normal((1000,), seed=3)   # all within [-2, 2]
    """
    shape = _no_unknown_dims("truncated_normal", shape)
    return B.random.truncated_normal(shape, mean, stddev, _float("truncated_normal", dtype), draw_seed(seed))


@_shaped_op("randint", INT_TYPES, "an integer")
def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Random integers in ``[minval, maxval)``.

    Example:
        >>> lamina.random.randint((4,), 0, 10, seed=5)
    """
    shape = _no_unknown_dims("randint", shape)
    dtype = _dtype("randint", dtype, INT_TYPES, "an integer")
    if isinstance(minval, numbers.Number) and isinstance(maxval, numbers.Number) and not maxval > minval:
        raise ValueError(f"randint: `maxval` must be greater than `minval`; received minval={minval}, "
                         f"maxval={maxval}.")
    return B.random.randint(shape, minval, maxval, dtype, draw_seed(seed))


def _noise_shape(inputs_shape, noise_shape):
    if noise_shape is None:
        return tuple(inputs_shape)
    noise_shape = tuple(noise_shape)
    if len(noise_shape) != len(inputs_shape):
        raise ValueError(f"dropout: `noise_shape` {noise_shape} must have the rank of the inputs "
                         f"(shape {tuple(inputs_shape)}).")
    out = []
    for n, d in zip(noise_shape, inputs_shape):
        n = d if n is None else int(n)
        if n != 1 and d is not None and n != d:
            raise ValueError(f"dropout: `noise_shape` {noise_shape} must broadcast to the inputs' shape "
                             f"{tuple(inputs_shape)} (each dimension 1 or equal).")
        out.append(n)
    return tuple(out)


def _check_rate(rate):
    if isinstance(rate, numbers.Number) and not 0 <= rate <= 1:
        raise ValueError(f"dropout: `rate` must be a number in [0, 1]; received rate={rate}.")


def _dropout_spec(inputs, rate, noise_shape=None, seed=None):
    _check_rate(rate)
    shape = shape_of(inputs)
    _noise_shape(shape, noise_shape)
    dtype = result_type(dtype_of(inputs))
    return KerasTensor(shape, dtype=dtype if dtype in FLOAT_TYPES else standardize_dtype(None))


@_random_op(_dropout_spec)
def dropout(inputs, rate: float, noise_shape=None, seed=None):
    """Zero each entry with probability ``rate`` and scale the kept ones by ``1 / (1 - rate)``.

    ``noise_shape`` (None entries take the inputs' size) shares one mask
    along its size-1 dimensions.

    Example:
        >>> lamina.random.dropout(x, 0.5, seed=lamina.random.SeedGenerator(1))
    """
    _check_rate(rate)
    x = B.core.convert_to_tensor(inputs)
    if standardize_dtype(x.dtype) not in FLOAT_TYPES:
        x = B.core.cast(x, standardize_dtype(None))
    if isinstance(rate, numbers.Number) and rate == 0:
        return x
    shape = tuple(B.core.shape(x))
    if B.random.UNSEEDED_DROPOUT and noise_shape is None and (
            seed is None or (isinstance(seed, SeedGenerator) and seed._initial_seed is None)):
        return B.random.dropout(x, rate, shape, None)  # the framework's fused kernel and global RNG
    return B.random.dropout(x, rate, _noise_shape(shape, noise_shape), draw_seed(seed))


def _shuffle_axis(x, axis):
    ndim = len(shape_of(x))
    if not -ndim <= int(axis) < ndim:
        raise ValueError(f"shuffle: axis {axis} is out of bounds for a tensor of rank {ndim}.")
    return int(axis) % ndim


def _shuffle_spec(x, axis=0, seed=None):
    _shuffle_axis(x, axis)
    return KerasTensor(shape_of(x), dtype=result_type(dtype_of(x)))


@_random_op(_shuffle_spec)
def shuffle(x, axis: int = 0, seed=None):
    """Randomly permute ``x`` along ``axis`` (each slice along ``axis`` gets its own permutation).

    Example:
        >>> lamina.random.shuffle(ops.arange(10), seed=0)
    """
    x = B.core.convert_to_tensor(x)
    return B.random.shuffle(x, _shuffle_axis(x, axis), draw_seed(seed))


def _check_categorical(logits, num_samples, dtype):
    shape = shape_of(logits)
    if len(shape) != 2:
        raise ValueError(f"categorical: `logits` must be 2-D (batch, num_classes); received shape {shape}.")
    if not isinstance(num_samples, numbers.Integral) or num_samples < 1:
        raise ValueError(f"categorical: `num_samples` must be a positive int; received {num_samples!r}.")
    return _dtype("categorical", dtype, INT_TYPES, "an integer")


def _categorical_spec(logits, num_samples, dtype="int32", seed=None):
    dtype = _check_categorical(logits, num_samples, dtype)
    return KerasTensor((shape_of(logits)[0], int(num_samples)), dtype=dtype)


@_random_op(_categorical_spec)
def categorical(logits, num_samples: int, dtype="int32", seed=None):
    """Draw ``num_samples`` class indices per row of ``logits`` (shape (batch, classes)).

    Example:
        >>> lamina.random.categorical([[0.0, 10.0]], 5, seed=0)    # mostly class 1
    """
    logits = B.core.convert_to_tensor(logits)
    dtype = _check_categorical(logits, num_samples, dtype)
    return B.random.categorical(logits, int(num_samples), dtype, draw_seed(seed))


def _check_positive(op, **params):
    for name, v in params.items():
        if isinstance(v, numbers.Number) and not v > 0:
            raise ValueError(f"{op}: `{name}` must be > 0; received {name}={v}.")


@_shaped_op("gamma", FLOAT_TYPES, "a floating point")
def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from a gamma distribution with concentration ``alpha`` (scale 1).

    Example:
        >>> lamina.random.gamma((1000,), alpha=2.0, seed=0)   # mean ~ 2
    """
    shape = _no_unknown_dims("gamma", shape)
    _check_positive("gamma", alpha=alpha)
    return B.random.gamma(shape, alpha, _float("gamma", dtype), draw_seed(seed))


@_shaped_op("binomial", FLOAT_TYPES + INT_TYPES, "a numeric")
def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples from a binomial distribution: successes in ``counts`` trials of probability ``probabilities``.

    Example:
        >>> lamina.random.binomial((1000,), counts=10, probabilities=0.5, seed=0)   # mean ~ 5
    """
    shape = _no_unknown_dims("binomial", shape)
    if isinstance(probabilities, numbers.Number) and not 0 <= probabilities <= 1:
        raise ValueError(f"binomial: `probabilities` must lie in [0, 1]; received {probabilities}.")
    dtype = _dtype("binomial", dtype, FLOAT_TYPES + INT_TYPES, "a numeric")
    return B.random.binomial(shape, counts, probabilities, dtype, draw_seed(seed))


@_shaped_op("beta", FLOAT_TYPES, "a floating point")
def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from a beta distribution with concentrations ``alpha`` and ``beta``.

    Example:
        >>> lamina.random.beta((1000,), alpha=2.0, beta=5.0, seed=0)   # mean ~ 2/7
    """
    shape = _no_unknown_dims("beta", shape)
    _check_positive("beta", alpha=alpha, beta=beta)
    return B.random.beta(shape, alpha, beta, _float("beta", dtype), draw_seed(seed))
