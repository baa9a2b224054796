"""Control flow and structural ops of ``keras.ops``: cond, while_loop, scan, switch, slice, scatter, ...

Re-exported by ``lamina.ops.core`` (and so at the ``lamina.ops`` top level).
On JAX, loops and branches lower to ``jax.lax`` primitives and work under
``jax.jit``; on torch and NumPy they are Python loops (torch autograd records
every iteration).

Loop variables, carries and mapped inputs may be nested structures of
tuples, lists and dicts. Called on KerasTensors, each op infers its output
spec: branches and loop bodies are traced on KerasTensors inside a
``SymbolicScope`` (nothing is computed, no graph node is added while tracing).

Example:
    >>> from lamina import ops
    >>> ops.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), (0, 0))
    (5, 10)
    >>> carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, ops.convert_to_tensor([1.0, 2.0, 3.0]))
"""

from __future__ import annotations

import builtins
import functools
import numbers
from typing import Callable, Sequence

import ml_dtypes
import numpy as np

from lamina.backend import impl as B
from lamina.backend.common.dtypes import FLOAT_TYPES, INT_TYPES, result_type, standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.core.operation import FunctionOperation, symbolic_op
from lamina.backend.common.scopes import StatelessScope, SymbolicScope, in_symbolic_scope
from lamina.ops._spec import canonical_axes, dtype_of, shape_of, unary_spec
from lamina.utils import tree

__all__ = [
    "associative_scan", "cond", "custom_gradient", "fori_loop", "map", "saturate_cast", "scan",
    "scatter", "scatter_update", "slice", "slice_update", "stop_gradient", "switch", "unstack",
    "vectorized_map", "while_loop",
]


# --- symbolic helpers ------------------------------------------------------

def _any_symbolic_nested(args, kwargs) -> bool:
    return any(isinstance(x, KerasTensor) for x in tree.flatten((list(args), kwargs)))


def _structured_op(spec):
    """Like ``symbolic_op``, but finds KerasTensors anywhere in nested arguments (loop variables, xs)."""

    def decorate(fn):
        @functools.wraps(fn)
        def op(*args, **kwargs):
            if _any_symbolic_nested(args, kwargs):
                if in_symbolic_scope():
                    return spec(*args, **kwargs)
                return FunctionOperation(fn, spec, fn.__name__).symbolic_call(*args, **kwargs)
            return fn(*args, **kwargs)

        op.compute_output_spec = spec
        return op

    return decorate


def _as_spec(x):
    """A KerasTensor describing ``x`` (KerasTensors and None pass through)."""
    if x is None or isinstance(x, KerasTensor):
        return x
    return KerasTensor(shape_of(x), dtype=result_type(dtype_of(x)))


def _trace(fn, *args):
    """Run ``fn`` on KerasTensors for its output spec, with no graph nodes and no variable updates."""
    with StatelessScope(), SymbolicScope():
        out = fn(*args)
    return tree.map_structure(_as_spec, out)


def _skeleton(x):
    return tree.map_structure(lambda _: 0, x)


def _merge_specs(op: str, first, second, what: str):
    """One spec for two branch outputs: same structure, dtypes and ranks; differing dims become None."""
    if _skeleton(first) != _skeleton(second):
        raise ValueError(f"{op}: {what} must return the same structure; received {first} and {second}.")
    merged = []
    for a, b in zip(tree.flatten(first), tree.flatten(second)):
        if a is None or b is None:
            if a is None and b is None:
                merged.append(None)
                continue
            raise ValueError(f"{op}: {what} must return the same structure; received {first} and {second}.")
        if a.dtype != b.dtype or len(a.shape) != len(b.shape) or any(
                x is not None and y is not None and x != y for x, y in zip(a.shape, b.shape)):
            raise ValueError(
                f"{op}: {what} must return tensors of the same shape and dtype; received "
                f"shape={a.shape} dtype={a.dtype} and shape={b.shape} dtype={b.dtype}."
            )
        merged.append(KerasTensor(tuple(x if x == y else None for x, y in zip(a.shape, b.shape)), dtype=a.dtype))
    return tree.pack_sequence_as(first, merged)


def _check_callable(op: str, **fns):
    for name, fn in fns.items():
        if not callable(fn):
            raise TypeError(f"{op}: `{name}` must be callable; received {fn!r} of type {type(fn).__name__}.")


def _leading_dim(op: str, what: str, leaves) -> int | None:
    """The common size of axis 0 of ``leaves`` (None when unknown); an error when they differ."""
    if not leaves:
        raise ValueError(f"{op}: `{what}` must contain at least one tensor.")
    sizes = set()
    for leaf in leaves:
        s = shape_of(leaf)
        if not s:
            raise ValueError(f"{op}: every tensor in `{what}` needs a leading axis to iterate over; "
                             f"received a scalar (shape {s}).")
        if s[0] is not None:
            sizes.add(s[0])
    if len(sizes) > 1:
        raise ValueError(f"{op}: every tensor in `{what}` must have the same leading dimension; "
                         f"received shapes {[shape_of(x) for x in leaves]}.")
    return sizes.pop() if sizes else None


def _drop_leading(x):
    s = _as_spec(x)
    return KerasTensor(s.shape[1:], dtype=s.dtype)


def _add_leading(n, y):
    return tree.map_structure(lambda t: None if t is None else KerasTensor((n,) + t.shape, dtype=t.dtype), y)


# --- branches and loops ------------------------------------------------------

def _check_pred(pred):
    if isinstance(pred, (bool, int, np.bool_)):
        return
    shape = shape_of(pred)
    if len(shape) != 0:
        raise ValueError(f"cond: `pred` must be a scalar boolean; received a tensor of shape {shape}.")


def _cond_spec(pred, true_fn, false_fn):
    _check_pred(pred)
    _check_callable("cond", true_fn=true_fn, false_fn=false_fn)
    return _merge_specs("cond", _trace(true_fn), _trace(false_fn), "`true_fn` and `false_fn`")


@_structured_op(_cond_spec)
def cond(pred, true_fn: Callable, false_fn: Callable):
    """Return ``true_fn()`` if ``pred`` else ``false_fn()`` (``lax.cond`` on JAX, so it works under jit).

    Example:
        >>> ops.cond(x > 0, lambda: x * 2, lambda: -x)
    """
    _check_pred(pred)
    _check_callable("cond", true_fn=true_fn, false_fn=false_fn)
    return B.control_flow.cond(pred, true_fn, false_fn)


def _while_spec(cond, body, loop_vars, maximum_iterations=None):
    _check_callable("while_loop", cond=cond, body=body)
    return tree.map_structure(_as_spec, loop_vars)


@_structured_op(_while_spec)
def while_loop(cond: Callable, body: Callable, loop_vars, maximum_iterations: int | None = None):
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (and fewer than ``maximum_iterations`` steps).

    A tuple or list of loop variables is passed positionally to ``cond`` and
    ``body``; any other structure (a tensor, a dict) is passed as one argument.
    Each loop variable keeps its shape and dtype.

    Example:
        >>> ops.while_loop(lambda i: i < 10, lambda i: i + 1, 0)
        10
    """
    _check_callable("while_loop", cond=cond, body=body)
    if isinstance(maximum_iterations, numbers.Number) and maximum_iterations < 0:
        raise ValueError(f"while_loop: `maximum_iterations` must be >= 0; received {maximum_iterations}.")
    return B.control_flow.while_loop(cond, body, loop_vars, maximum_iterations=maximum_iterations)


def _fori_spec(lower, upper, body_fun, init_val):
    _check_callable("fori_loop", body_fun=body_fun)
    return tree.map_structure(_as_spec, init_val)


@_structured_op(_fori_spec)
def fori_loop(lower, upper, body_fun: Callable, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``; returns the final ``val``.

    Example:
        >>> ops.fori_loop(0, 10, lambda i, s: s + i, 0)
        45
    """
    _check_callable("fori_loop", body_fun=body_fun)
    return B.control_flow.fori_loop(lower, upper, body_fun, init_val)


def _check_scan_args(f, xs, length, unroll):
    _check_callable("scan", f=f)
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"scan: `unroll` must be a positive integer or a boolean; received unroll={unroll!r}.")
    if xs is None:
        if length is None:
            raise ValueError("scan: pass `xs` to scan over, or `length` (the number of steps) when xs is None.")
        return int(length)
    n = _leading_dim("scan", "xs", tree.flatten(xs))
    if length is not None and n is not None and int(length) != n:
        raise ValueError(f"scan: `length`={length} does not match the leading dimension {n} of `xs`.")
    return n if length is None else int(length)


def _scan_spec(f, init, xs=None, length=None, reverse=False, unroll=1):
    n = _check_scan_args(f, xs, length, unroll)
    init_spec = tree.map_structure(_as_spec, init)
    x = None if xs is None else tree.map_structure(_drop_leading, xs)
    out = _trace(f, init_spec, x)
    if not isinstance(out, (list, tuple)) or len(out) != 2:
        raise ValueError(f"scan: `f` must return a pair (new_carry, y); received {out}.")
    if _skeleton(out[0]) != _skeleton(init_spec):
        raise ValueError(f"scan: the carry returned by `f` ({out[0]}) must have the structure of `init` ({init_spec}).")
    return init_spec, _add_leading(n, out[1])


@_structured_op(_scan_spec)
def scan(f: Callable, init, xs=None, length: int | None = None, reverse: bool = False, unroll: int | bool = 1):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns ``(carry, stacked ys)``.

    With ``xs=None``, ``f`` receives ``x=None`` for ``length`` steps. ``reverse``
    walks the leading axis backwards (ys stay in input order). ``unroll`` is a
    hint used by JAX.

    Example:
        >>> carry, ys = ops.scan(lambda c, x: (c + x, c + x), 0, ops.convert_to_tensor([1, 2, 3]))
        >>> carry, ys      # 6, [1, 3, 6]
    """
    _check_scan_args(f, xs, length, unroll)
    return B.control_flow.scan(f, init, xs=xs, length=length, reverse=reverse, unroll=unroll)


def _check_associative_args(f, elems, axis):
    _check_callable("associative_scan", f=f)
    flat = tree.flatten(elems)
    if not flat:
        raise ValueError("associative_scan: `elems` must contain at least one tensor.")
    sizes = set()
    for e in flat:
        s = shape_of(e)
        (a,) = canonical_axes(axis, len(s)) if s else (None,)
        if a is None:
            raise ValueError(f"associative_scan: the tensors in `elems` need an axis {axis}; received a scalar.")
        if s[a] is not None:
            sizes.add(s[a])
    if len(sizes) > 1:
        raise ValueError(f"associative_scan: every tensor in `elems` must have the same size along axis {axis}; "
                         f"received shapes {[shape_of(e) for e in flat]}.")


def _associative_spec(f, elems, reverse=False, axis=0):
    _check_associative_args(f, elems, axis)
    specs = tree.map_structure(_as_spec, elems)
    return _trace(f, specs, specs)


@_structured_op(_associative_spec)
def associative_scan(f: Callable, elems, reverse: bool = False, axis: int = 0):
    """Inclusive scan with an associative ``f``: ``[a, f(a, b), f(f(a, b), c), ...]`` along ``axis``.

    ``f`` combines two (structures of) tensors element-wise; it is applied in
    O(log n) parallel rounds, so it must be associative.

    Example:
        >>> ops.associative_scan(lambda a, b: a + b, ops.convert_to_tensor([1, 2, 3, 4]))
        [1, 3, 6, 10]
    """
    _check_associative_args(f, elems, axis)
    ndim = len(shape_of(tree.flatten(elems)[0]))
    return B.control_flow.associative_scan(f, elems, reverse=reverse, axis=canonical_axes(axis, ndim)[0])


def _map_spec(f, xs):
    _check_callable("map", f=f)
    n = _leading_dim("map", "xs", tree.flatten(xs))
    return _add_leading(n, _trace(f, tree.map_structure(_drop_leading, xs)))


@_structured_op(_map_spec)
def map(f: Callable, xs):
    """Apply ``f`` to each slice along the leading axis of ``xs`` and stack the results.

    Example:
        >>> ops.map(lambda x: x ** 2, ops.convert_to_tensor([1, 2, 3]))
        [1, 4, 9]
    """
    _check_callable("map", f=f)
    _leading_dim("map", "xs", tree.flatten(xs))
    return B.control_flow.map(f, xs)


def _check_branches(branches):
    if not isinstance(branches, (list, tuple)) or not branches:
        raise ValueError(f"switch: `branches` must be a non-empty list of callables; received {branches!r}.")
    for i, b in enumerate(branches):
        _check_callable("switch", **{f"branches[{i}]": b})


def _switch_spec(index, branches, *operands):
    _check_branches(branches)
    operand_specs = [tree.map_structure(_as_spec, o) for o in operands]
    merged = _trace(branches[0], *operand_specs)
    for b in branches[1:]:
        merged = _merge_specs("switch", merged, _trace(b, *operand_specs), "all branches")
    return merged


@_structured_op(_switch_spec)
def switch(index, branches: Sequence[Callable], *operands):
    """Return ``branches[index](*operands)``; ``index`` is clamped into range.

    Example:
        >>> ops.switch(1, [lambda x: x + 1, lambda x: x - 1], 5)
        4
    """
    _check_branches(branches)
    return B.control_flow.switch(index, branches, *operands)


# --- gradients -------------------------------------------------------------------

@symbolic_op(unary_spec)
def stop_gradient(variable):
    """``variable`` as a tensor that gradients do not flow through.

    Example:
        >>> y = ops.stop_gradient(x)   # same values; d(y)/d(x) == 0
    """
    return B.core.stop_gradient(variable)


def custom_gradient(f: Callable) -> Callable:
    """Decorate ``f(*args) -> (output, grad_fn)`` so that gradients of ``output`` come from ``grad_fn``.

    ``grad_fn(upstream)`` (JAX/TF style) or ``grad_fn(*args, upstream=...)``
    (torch style) returns one gradient per positional argument; both styles
    work on every backend. On NumPy (no autodiff) the decorator only computes
    ``output``.

    Example:
        >>> @ops.custom_gradient
        ... def log1pexp(x):
        ...     e = ops.exp(x)
        ...     def grad(*args, upstream=None):
        ...         upstream = args[0] if upstream is None else upstream
        ...         return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))
        ...     return ops.log(1 + e), grad
    """
    _check_callable("custom_gradient", f=f)
    backend_fn = B.control_flow.custom_gradient(f)

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        if _any_symbolic_nested(args, kwargs):
            return f(*args, **kwargs)[0]
        return backend_fn(*args, **kwargs)

    return wrapper


# --- slicing and scattering ------------------------------------------------------------

def _int_list(values) -> list:
    """A shape-like (ints, a tuple, an array or tensor) as a list of Python ints."""
    if isinstance(values, (int, np.integer)):
        values = [values]
    try:
        return [int(v) for v in values]
    except TypeError:
        return [int(v) for v in B.core.convert_to_numpy(values).reshape(-1)]


def _static_starts(start_indices):
    """Start indices as ints when they are known now, else None (KerasTensors or traced values)."""
    if isinstance(start_indices, KerasTensor):
        return None
    if isinstance(start_indices, (list, tuple)):
        if any(isinstance(s, KerasTensor) for s in start_indices):
            return None
    try:
        return [int(s) for s in np.asarray(B.core.convert_to_numpy(start_indices)).reshape(-1)]
    except Exception:  # traced values (jax.jit) have no concrete value
        return None


def _check_slice(op: str, in_shape: tuple, start_indices, sizes: list):
    ndim = len(in_shape)
    if isinstance(start_indices, (list, tuple)):
        n_starts = len(start_indices)
    else:
        s = shape_of(start_indices)
        if len(s) > 1:
            raise ValueError(f"{op}: `start_indices` must be a list or 1-D tensor; received shape {s}.")
        n_starts = s[0] if s else 1
    if n_starts is not None and n_starts != ndim:
        raise ValueError(f"{op}: `start_indices` must hold one index per dimension of `inputs` ({ndim}); "
                         f"received {n_starts} for inputs of shape {in_shape}.")
    if len(sizes) != ndim:
        raise ValueError(f"{op}: the slice shape must have one size per dimension of `inputs` ({ndim}); "
                         f"received {tuple(sizes)} for inputs of shape {in_shape}.")
    for d, s in zip(in_shape, sizes):
        if s < -1 or (d is not None and s > d):
            raise ValueError(f"{op}: slice sizes must lie in [0, dim] (or -1 for 'to the end'); "
                             f"received sizes {tuple(sizes)} for inputs of shape {in_shape}.")


def _slice_spec(inputs, start_indices, shape):
    in_shape = shape_of(inputs)
    sizes = _int_list(shape)
    _check_slice("slice", in_shape, start_indices, sizes)
    starts = _static_starts(start_indices)
    out = []
    for i, (d, s) in enumerate(zip(in_shape, sizes)):
        if s != -1:
            out.append(s)
        elif d is None or starts is None:
            out.append(None)
        else:
            out.append(d - starts[i])
    return KerasTensor(tuple(out), dtype=result_type(dtype_of(inputs)))


@symbolic_op(_slice_spec)
def slice(inputs, start_indices, shape):
    """The block of ``inputs`` of size ``shape`` starting at ``start_indices`` (which may be tensors).

    Start indices are clamped so the block fits (as ``jax.lax.dynamic_slice``);
    a size of -1 runs to the end of that axis.

    Example:
        >>> ops.slice(ops.reshape(ops.arange(16), (4, 4)), (1, 2), (2, 2))
        [[6, 7], [10, 11]]
    """
    sizes = _int_list(shape)
    _check_slice("slice", shape_of(inputs), start_indices, sizes)
    return B.control_flow.slice(inputs, start_indices, sizes)


def _slice_update_spec(inputs, start_indices, updates):
    _check_slice_update(inputs, start_indices, updates)
    return KerasTensor(shape_of(inputs), dtype=result_type(dtype_of(inputs)))


def _check_slice_update(inputs, start_indices, updates):
    in_shape, up_shape = shape_of(inputs), shape_of(updates)
    if len(up_shape) != len(in_shape):
        raise ValueError(f"slice_update: `updates` must have the rank of `inputs`; received shapes "
                         f"{up_shape} and {in_shape}.")
    _check_slice("slice_update", in_shape, start_indices, [-1 if s is None else s for s in up_shape])


@symbolic_op(_slice_update_spec)
def slice_update(inputs, start_indices, updates):
    """A copy of ``inputs`` with the block at ``start_indices`` replaced by ``updates``.

    Example:
        >>> ops.slice_update(ops.zeros((4, 4)), (1, 1), ops.ones((2, 2)))
    """
    _check_slice_update(inputs, start_indices, updates)
    return B.control_flow.slice_update(inputs, start_indices, updates)


def _check_indices(op: str, indices, target_shape: tuple):
    idx_shape = shape_of(indices)
    k = idx_shape[-1] if idx_shape else None
    if not idx_shape:
        raise ValueError(f"{op}: `indices` must have shape (num_updates, k); received a scalar.")
    if k is not None and k > len(target_shape):
        raise ValueError(f"{op}: each index has {k} coordinates but the target has rank "
                         f"{len(target_shape)} (shape {target_shape}).")


def _scatter_spec(indices, values, shape):
    shape = tuple(_int_list(shape))
    _check_indices("scatter", indices, shape)
    return KerasTensor(shape, dtype=result_type(dtype_of(values)))


@symbolic_op(_scatter_spec)
def scatter(indices, values, shape):
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (duplicates sum).

    ``indices`` has shape ``(..., k)``; ``values`` has shape ``indices.shape[:-1] + shape[k:]``.

    Example:
        >>> ops.scatter([[0, 1], [1, 1]], [1.0, 2.0], (2, 2))
        [[0., 1.], [0., 2.]]
    """
    shape = tuple(_int_list(shape))
    _check_indices("scatter", indices, shape)
    return B.control_flow.scatter(indices, values, shape)


def _check_reduction(reduction):
    if reduction is None:
        return None
    r = str(reduction).lower()
    if r not in ("add", "max", "min", "mul"):
        raise ValueError(f"scatter_update: invalid reduction {reduction!r}; expected None, 'add', 'max', "
                         "'min' or 'mul'.")
    return r


def _scatter_update_spec(inputs, indices, updates, reduction=None):
    _check_reduction(reduction)
    _check_indices("scatter_update", indices, shape_of(inputs))
    return KerasTensor(shape_of(inputs), dtype=result_type(dtype_of(inputs)))


@symbolic_op(_scatter_update_spec)
def scatter_update(inputs, indices, updates, reduction: str | None = None):
    """A copy of ``inputs`` with ``updates`` written at ``indices`` (shape ``(num_updates, k)``).

    ``reduction`` combines duplicates and existing values: None (last write
    wins), ``"add"``, ``"max"``, ``"min"`` or ``"mul"``.

    Example:
        >>> ops.scatter_update(ops.zeros((4,)), [[0], [0], [1]], [1.0, 1.0, 1.0], reduction="add")
        [2., 1., 0., 0.]
    """
    reduction = _check_reduction(reduction)
    _check_indices("scatter_update", indices, shape_of(inputs))
    return B.control_flow.scatter_update(inputs, indices, updates, reduction=reduction)


def _vmap_spec(function, elements):
    _check_callable("vectorized_map", function=function)
    if isinstance(elements, (list, tuple)):
        n = _leading_dim("vectorized_map", "elements", list(elements))
        x = type(elements)(_drop_leading(e) for e in elements)
    else:
        n = _leading_dim("vectorized_map", "elements", [elements])
        x = _drop_leading(elements)
    return _add_leading(n, _trace(function, x))


@_structured_op(_vmap_spec)
def vectorized_map(function: Callable, elements):
    """``stack([function(e) for e in elements])`` as one batched computation (``vmap`` on JAX and torch).

    With a list/tuple of tensors, ``function`` receives a list/tuple of their slices.

    Example:
        >>> ops.vectorized_map(lambda x: ops.sum(x), ops.ones((3, 4)))
        [4., 4., 4.]
    """
    _check_callable("vectorized_map", function=function)
    _leading_dim("vectorized_map", "elements",
                 list(elements) if isinstance(elements, (list, tuple)) else [elements])
    return B.control_flow.vectorized_map(function, elements)


def _unstack_axis(x, num, axis):
    s = shape_of(x)
    if not s:
        raise ValueError("unstack: `x` must have rank >= 1; received a scalar.")
    (a,) = canonical_axes(axis, len(s))
    if num is not None and s[a] is not None and int(num) != s[a]:
        raise ValueError(f"unstack: `num`={num} does not match dimension {s[a]} of axis {axis} "
                         f"(shape {s}).")
    return s, a


def _unstack_spec(x, num=None, axis=0):
    s, a = _unstack_axis(x, num, axis)
    n = s[a] if s[a] is not None else num
    if n is None:
        raise ValueError(f"unstack: cannot infer `num` from shape {s}; pass `num` or give axis {axis} "
                         "a known size.")
    dtype = result_type(dtype_of(x))
    return [KerasTensor(s[:a] + s[a + 1:], dtype=dtype) for _ in range(int(n))]


@symbolic_op(_unstack_spec)
def unstack(x, num: int | None = None, axis: int = 0) -> list:
    """Split ``x`` along ``axis`` into a list of tensors of rank ``ndim - 1``.

    Example:
        >>> ops.unstack(ops.convert_to_tensor([[1, 2], [3, 4]]))
        [[1, 2], [3, 4]]
    """
    _, a = _unstack_axis(x, num, axis)
    return B.control_flow.unstack(x, num=num, axis=a)


# --- casting ---------------------------------------------------------------------

def _dtype_range(dtype: str):
    if dtype == "bool":
        return 0, 1
    if dtype in INT_TYPES:
        info = np.iinfo(dtype)
        return int(info.min), int(info.max)
    if dtype in FLOAT_TYPES:
        info = ml_dtypes.finfo(ml_dtypes.bfloat16 if dtype == "bfloat16" else dtype)
        return float(info.min), float(info.max)
    raise ValueError(f"saturate_cast: unsupported dtype {dtype!r}; expected a bool, integer or float dtype.")


@functools.lru_cache(maxsize=None)
def _saturation_limits(in_dtype: str, out_dtype: str):
    """Clip bounds, representable in ``in_dtype``, that keep values inside ``out_dtype``'s range."""
    in_min, in_max = _dtype_range(in_dtype)
    out_min, out_max = _dtype_range(out_dtype)
    native = ml_dtypes.bfloat16 if in_dtype == "bfloat16" else np.dtype(in_dtype)
    lo = np.asarray(builtins.max(in_min, out_min)).astype(native)
    if float(lo) < out_min:  # rounding in in_dtype overshot: step one ulp towards zero
        lo = np.nextafter(lo, np.zeros((), native))
    hi = np.asarray(builtins.min(in_max, out_max)).astype(native)
    if float(hi) > out_max:
        hi = np.nextafter(hi, np.zeros((), native))
    to_python = float if in_dtype in FLOAT_TYPES else int
    return to_python(lo), to_python(hi)


def _saturate_cast_spec(x, dtype):
    return KerasTensor(shape_of(x), dtype=standardize_dtype(dtype))


@symbolic_op(_saturate_cast_spec)
def saturate_cast(x, dtype):
    """Cast ``x`` to ``dtype``, first clipping it to the range ``dtype`` can hold (no wrap-around).

    Example:
        >>> ops.saturate_cast(ops.convert_to_tensor([-1.0, 256.0]), "uint8")
        [0, 255]
    """
    out_dtype = standardize_dtype(dtype)
    if not hasattr(x, "dtype"):
        x = B.core.convert_to_tensor(x)
    in_dtype = standardize_dtype(x.dtype)
    lo, hi = _saturation_limits(in_dtype, out_dtype)
    return B.control_flow.clip_cast(x, lo, hi, out_dtype)

