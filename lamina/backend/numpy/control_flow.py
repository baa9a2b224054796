"""numpy kernels: control flow and structural ops (cond, while_loop, scan, slice_update, scatter, ...).

Loops are plain Python loops over NumPy arrays. Loop-carried values keep their
shape and dtype from one iteration to the next, as they must under ``jax.lax``:
a Python scalar returned by a body takes the carried value's dtype, and a body
that changes a carried array's dtype or shape is an error naming the op.
"""

from __future__ import annotations

import builtins

import numpy as np

from lamina.backend.common.variable_base import VariableBase
from lamina.backend.numpy.core import convert_to_tensor, to_native_dtype
from lamina.utils import tree


def _t(x):
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, VariableBase):
        x = x.value
    return convert_to_tensor(x)


def _leaf_tensor(x):
    return x if x is None else _t(x)


def _match_carry(op, new, ref_flat, structure):
    """``new`` flattened and checked against the carried values ``ref_flat``; packed like ``structure``."""
    flat = tree.flatten(new)
    if len(flat) != len(ref_flat):
        raise ValueError(
            f"{op}: the loop body returned {len(flat)} values, expected {len(ref_flat)} "
            f"(the structure of the loop variables {tree.map_structure(lambda _: '.', structure)})."
        )
    out = []
    for i, (v, r) in enumerate(zip(flat, ref_flat)):
        if isinstance(v, (bool, int, float, complex)):
            v = np.asarray(v, dtype=r.dtype)
        else:
            v = _t(v)
            if v.dtype != r.dtype or v.shape != r.shape:
                raise ValueError(
                    f"{op}: loop variable {i} must keep its shape and dtype across iterations: it "
                    f"started as {r.shape} {r.dtype} and the body returned {v.shape} {v.dtype}."
                )
        out.append(v)
    return tree.pack_sequence_as(structure, out)


def cond(pred, true_fn, false_fn):
    return true_fn() if bool(pred.value if isinstance(pred, VariableBase) else pred) else false_fn()


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    positional = isinstance(loop_vars, (list, tuple))
    state = tree.map_structure(_leaf_tensor, loop_vars)
    ref_flat = tree.flatten(state)
    iteration = 0
    while maximum_iterations is None or iteration < maximum_iterations:
        keep_going = cond(*state) if positional else cond(state)
        if not bool(keep_going):
            break
        new = body(*state) if positional else body(state)
        if positional and not isinstance(new, (list, tuple)):
            new = (new,)
        state = _match_carry("while_loop", new, ref_flat, state)
        iteration += 1
    return state


def fori_loop(lower, upper, body_fun, init_val):
    state = tree.map_structure(_leaf_tensor, init_val)
    ref_flat = tree.flatten(state)
    for i in range(int(lower), int(upper)):
        state = _match_carry("fori_loop", body_fun(i, state), ref_flat, state)
    return state


def _stack_structure(items):
    """Stack a list of same-structured outputs leaf by leaf (None leaves stay None)."""
    first = items[0]
    if first is None:
        return None
    columns = list(zip(*[tree.flatten(y) for y in items]))
    stacked = [None if col[0] is None else np.stack([_t(v) for v in col]) for col in columns]
    return tree.pack_sequence_as(first, stacked)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    carry = tree.map_structure(_leaf_tensor, init)
    ref_flat = tree.flatten(carry)
    xs_flat = [] if xs is None else [_t(x) for x in tree.flatten(xs)]
    n = int(length) if length is not None else xs_flat[0].shape[0]
    ys = [None] * n
    for i in (range(n - 1, -1, -1) if reverse else range(n)):
        x = None if xs is None else tree.pack_sequence_as(xs, [a[i] for a in xs_flat])
        result = f(carry, x)
        if not isinstance(result, (list, tuple)) or len(result) != 2:
            raise ValueError(f"scan: `f` must return a pair (new_carry, y); received {type(result).__name__}.")
        carry = _match_carry("scan", result[0], ref_flat, carry)
        ys[i] = result[1]
    return carry, (_stack_structure(ys) if n else None)


def _take(x, axis, start, stop):
    index = [builtins.slice(None)] * x.ndim
    index[axis] = builtins.slice(start, stop)
    return x[tuple(index)]


def associative_scan(f, elems, reverse=False, axis=0):
    flat = [_t(e) for e in tree.flatten(elems)]
    n = flat[0].shape[axis]
    if reverse:
        flat = [np.flip(e, axis) for e in flat]
    offset = 1
    while offset < n:
        earlier = tree.pack_sequence_as(elems, [_take(e, axis, 0, n - offset) for e in flat])
        later = tree.pack_sequence_as(elems, [_take(e, axis, offset, n) for e in flat])
        combined = [_t(c) for c in tree.flatten(f(earlier, later))]
        flat = [np.concatenate([_take(e, axis, 0, offset), c.astype(e.dtype, copy=False)], axis=axis)
                for e, c in zip(flat, combined)]
        offset *= 2
    if reverse:
        flat = [np.flip(e, axis) for e in flat]
    return tree.pack_sequence_as(elems, flat)


def map(f, xs):
    xs_flat = [_t(x) for x in tree.flatten(xs)]
    n = xs_flat[0].shape[0]
    ys = [f(tree.pack_sequence_as(xs, [a[i] for a in xs_flat])) for i in range(n)]
    return _stack_structure(ys)


def switch(index, branches, *operands):
    i = min(max(int(index), 0), len(branches) - 1)
    return branches[i](*operands)


def _static_starts(start_indices):
    if isinstance(start_indices, VariableBase):
        start_indices = start_indices.value
    if isinstance(start_indices, (list, tuple)):
        return [int(np.asarray(s)) for s in start_indices]
    return [int(s) for s in np.asarray(start_indices).reshape(-1)]


def slice(inputs, start_indices, shape):
    x = _t(inputs)
    starts = _static_starts(start_indices)
    index = []
    for d, s, size in zip(x.shape, starts, shape):
        size = d - s if size == -1 else int(size)
        s = min(max(s, 0), d - size)  # clamp so the window fits, as jax.lax.dynamic_slice does
        index.append(builtins.slice(s, s + size))
    return x[tuple(index)]


def slice_update(inputs, start_indices, updates):
    x = np.array(_t(inputs), copy=True)
    u = _t(updates)
    starts = _static_starts(start_indices)
    index = []
    for d, s, size in zip(x.shape, starts, u.shape):
        s = min(max(s, 0), d - size)
        index.append(builtins.slice(s, s + size))
    x[tuple(index)] = u
    return x


def _index_columns(indices):
    idx = np.asarray(_t(indices))
    if idx.ndim == 1:
        idx = idx[:, None]
    return idx.reshape(-1, idx.shape[-1]).astype(np.int64, copy=False)


def scatter(indices, values, shape):
    idx = _index_columns(indices)
    v = _t(values)
    shape = tuple(int(d) for d in shape)
    out = np.zeros(shape, dtype=v.dtype)
    v = v.reshape((idx.shape[0],) + shape[idx.shape[1]:])
    np.add.at(out, tuple(idx.T), v)
    return out


def scatter_update(inputs, indices, updates, reduction=None):
    x = np.array(_t(inputs), copy=True)
    idx = _index_columns(indices)
    u = np.asarray(_t(updates)).astype(x.dtype, copy=False)
    u = u.reshape((idx.shape[0],) + x.shape[idx.shape[1]:])
    cols = tuple(idx.T)
    if reduction is None:
        x[cols] = u
    else:
        {"add": np.add, "max": np.maximum, "min": np.minimum, "mul": np.multiply}[reduction].at(x, cols, u)
    return x


def vectorized_map(function, elements):
    if isinstance(elements, (list, tuple)):
        flat = [_t(e) for e in elements]
        n = flat[0].shape[0]
        outs = [function(type(elements)(e[i] for e in flat)) for i in range(n)]
    else:
        x = _t(elements)
        outs = [function(x[i]) for i in range(x.shape[0])]
    return _stack_structure(outs)


def unstack(x, num=None, axis=0):
    x = _t(x)
    return list(np.moveaxis(x, axis, 0))


def clip_cast(x, min_value, max_value, dtype):
    x = _t(x)
    native = to_native_dtype(dtype)
    if x.dtype != np.bool_:
        x = np.clip(x, min_value, max_value)
    return x.astype(native)


def custom_gradient(f):
    def forward(*args, **kwargs):
        output, _ = f(*args, **kwargs)
        return output

    return forward
