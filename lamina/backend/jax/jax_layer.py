"""The JAX side of ``lamina.layers.JaxLayer`` / ``FlaxLayer``: pytrees, keys and Flax init/apply.

Example:
    >>> tree_map(lambda x: x * 2, {"w": jnp.ones(2)})
    {'w': Array([2., 2.], dtype=float32)}
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.common.dtypes import standardize_dtype
from lamina.backend.jax import core


def tree_map(fn, tree, *rest):
    """``jax.tree_util.tree_map`` (None is an empty subtree, as in JAX)."""
    return jax.tree_util.tree_map(fn, tree, *rest)


def tree_leaves(tree) -> list:
    return jax.tree_util.tree_leaves(tree)


def is_array(value) -> bool:
    """Whether a pytree leaf is an array that becomes a variable."""
    return isinstance(value, (jax.Array, np.ndarray, np.generic))


def to_key(seed):
    """A lamina seed (uint32, shape (2,)) as a raw JAX PRNG key (uint32[2], like ``jax.random.PRNGKey``)."""
    return jnp.asarray(seed, dtype=jnp.uint32)


def placeholder_inputs(input_shape, is_shape):
    """Ones of ``input_shape`` (None dims set to 1), keeping the shape structure (for ``init_fn``)."""
    if is_shape(input_shape):
        return jnp.ones([1 if d is None else int(d) for d in input_shape], dtype=core.to_native_dtype("float32"))
    if isinstance(input_shape, dict):
        return {k: placeholder_inputs(v, is_shape) for k, v in input_shape.items()}
    return type(input_shape)(placeholder_inputs(s, is_shape) for s in input_shape)


def in_tracing_scope(tree) -> bool:
    return any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(tree))


def is_flax_module(module) -> bool:
    try:
        import flax.linen
    except ImportError:  # pragma: no cover - flax missing
        return False
    return isinstance(module, flax.linen.Module)


def flax_functions(module, method):
    """``(call_fn, init_fn)`` for a ``flax.linen.Module`` with JaxLayer's argument names.

    The "params" collection is the trainable params; every other collection is the
    non-trainable state (mutable in apply), as in Keras.
    """
    from flax.linen import DenyList

    mutable = DenyList(["params"])
    has_training = "training" in inspect.signature(method or module.__call__).parameters

    if has_training:
        def call_fn(params, state, rng, inputs, training):
            return module.apply(merge_variables(params, state), inputs, rngs=rng, method=method,
                                mutable=mutable, training=training)

        def init_fn(rng, inputs, training):
            return split_variables(module.init(rng, inputs, method=method, training=training))
    else:
        def call_fn(params, state, rng, inputs):
            return module.apply(merge_variables(params, state), inputs, rngs=rng, method=method, mutable=mutable)

        def init_fn(rng, inputs):
            return split_variables(module.init(rng, inputs, method=method))

    return call_fn, init_fn


def merge_variables(params, state) -> dict:
    """Flax's variables dict from JaxLayer's ``params`` and ``state``."""
    out = {}
    if params:
        out.update(params)
    if state:
        out.update(state)
    return out


def split_variables(variables):
    """``(params, state)`` from a Flax variables dict: {"params": ...} and the other collections."""
    if variables is None:
        return None, None
    variables = dict(variables)
    if "params" not in variables:
        return {}, variables
    params = {"params": variables.pop("params")}
    return params, variables


def output_specs(fn, inputs, make_spec, is_spec):
    """The outputs of ``fn(inputs)`` as ``make_spec(shape, dtype)`` leaves, computed with ``jax.eval_shape``.

    ``inputs`` holds symbolic leaves (``is_spec``) with None dims; those are tried at
    sizes 2 and 3, and output dims that differ between the two are None.
    """
    def structs(size):
        return jax.tree_util.tree_map(
            lambda s: jax.ShapeDtypeStruct(tuple(size if d is None else d for d in s.shape),
                                           core.to_native_dtype(s.dtype)),
            inputs, is_leaf=is_spec)

    first = jax.eval_shape(fn, structs(2))
    second = jax.eval_shape(fn, structs(3))
    return jax.tree_util.tree_map(
        lambda a, b: make_spec(tuple(x if x == y else None for x, y in zip(a.shape, b.shape)),
                               standardize_dtype(str(np.dtype(a.dtype)))),
        first, second)
