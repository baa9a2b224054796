"""torch kernels: control flow and structural ops (cond, while_loop, scan, slice_update, scatter, ...).

Loops are plain Python loops, so autograd records every iteration and
gradients flow through them. Every kernel is out-of-place. Loop-carried values
keep their shape and dtype across iterations (as under ``jax.lax``): a Python
scalar returned by a body takes the carried value's dtype, and a body that
changes a carried tensor's dtype or shape is an error naming the op.
"""

from __future__ import annotations

import builtins
import inspect
import warnings

import torch

from lamina.backend.common.variable_base import VariableBase
from lamina.backend.torch.core import convert_to_tensor, to_native_dtype
from lamina.utils import tree

Tensor = torch.Tensor
warnings.filterwarnings("ignore", message=r"index_reduce\(\) is in beta")


def _t(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


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
            v = torch.as_tensor(v, dtype=r.dtype, device=r.device)
        else:
            v = _t(v)
            if v.dtype != r.dtype or v.shape != r.shape:
                raise ValueError(
                    f"{op}: loop variable {i} must keep its shape and dtype across iterations: it "
                    f"started as {tuple(r.shape)} {r.dtype} and the body returned {tuple(v.shape)} {v.dtype}."
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
    stacked = [None if col[0] is None else torch.stack([_t(v) for v in col]) for col in columns]
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


def associative_scan(f, elems, reverse=False, axis=0):
    flat = [_t(e) for e in tree.flatten(elems)]
    n = flat[0].shape[axis]
    if reverse:
        flat = [torch.flip(e, (axis,)) for e in flat]
    offset = 1
    while offset < n:
        earlier = tree.pack_sequence_as(elems, [e.narrow(axis, 0, n - offset) for e in flat])
        later = tree.pack_sequence_as(elems, [e.narrow(axis, offset, n - offset) for e in flat])
        combined = [_t(c) for c in tree.flatten(f(earlier, later))]
        flat = [torch.cat([e.narrow(axis, 0, offset), c.to(e.dtype)], dim=axis) for e, c in zip(flat, combined)]
        offset *= 2
    if reverse:
        flat = [torch.flip(e, (axis,)) for e in flat]
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
    if isinstance(start_indices, Tensor):
        return [int(s) for s in start_indices.reshape(-1).tolist()]
    return [int(s) for s in start_indices]


def slice(inputs, start_indices, shape):
    x = _t(inputs)
    for axis, (d, s, size) in enumerate(zip(x.shape, _static_starts(start_indices), shape)):
        size = d - s if size == -1 else int(size)
        s = min(max(s, 0), d - size)  # clamp so the window fits, as jax.lax.dynamic_slice does
        x = x.narrow(axis, s, size)
    return x


def slice_update(inputs, start_indices, updates):
    x = _t(inputs)
    u = _t(updates).to(x.dtype)
    index = []
    for d, s, size in zip(x.shape, _static_starts(start_indices), u.shape):
        s = min(max(s, 0), d - size)
        index.append(builtins.slice(s, s + size))
    out = x.clone()
    out[tuple(index)] = u
    return out


def _index_columns(indices):
    idx = _t(indices)
    if idx.ndim == 1:
        idx = idx[:, None]
    return idx.reshape(-1, idx.shape[-1]).to(torch.long)


def scatter(indices, values, shape):
    idx = _index_columns(indices)
    v = _t(values)
    shape = tuple(int(d) for d in shape)
    idx = idx.to(v.device)
    v = v.reshape((idx.shape[0],) + shape[idx.shape[1]:])
    out = torch.zeros(shape, dtype=v.dtype, device=v.device)
    return out.index_put(tuple(idx.T), v, accumulate=True)


_REDUCE = {"max": "amax", "min": "amin", "mul": "prod"}


def scatter_update(inputs, indices, updates, reduction=None):
    x = _t(inputs)
    idx = _index_columns(indices).to(x.device)
    k = idx.shape[1]
    u = _t(updates).to(x.dtype).reshape((idx.shape[0],) + tuple(x.shape[k:]))
    if reduction is None:
        return x.index_put(tuple(idx.T), u)
    if reduction == "add":
        return x.index_put(tuple(idx.T), u, accumulate=True)
    # Rows of x flattened over the indexed dimensions, then a reduction along dim 0.
    strides, acc = [], 1
    for d in reversed(x.shape[:k]):
        strides.append(acc)
        acc *= d
    strides = torch.tensor(strides[::-1], dtype=torch.long, device=x.device)
    rows = (idx * strides).sum(dim=1)
    flat = x.reshape((acc,) + tuple(x.shape[k:]))
    return flat.index_reduce(0, rows, u, _REDUCE[reduction], include_self=True).reshape(x.shape)


def vectorized_map(function, elements):
    if isinstance(elements, (list, tuple)):
        elements = type(elements)(_t(e) for e in elements)
    else:
        elements = _t(elements)
    try:
        return torch.vmap(function)(elements)
    except (RuntimeError, NotImplementedError, ValueError, TypeError):
        # torch.vmap refuses data-dependent Python control flow and .item(); run the loop instead.
        if isinstance(elements, (list, tuple)):
            n = elements[0].shape[0]
            outs = [function(type(elements)(e[i] for e in elements)) for i in range(n)]
        else:
            outs = [function(elements[i]) for i in range(elements.shape[0])]
        return _stack_structure(outs)


def unstack(x, num=None, axis=0):
    return list(torch.unbind(_t(x), dim=axis))


def clip_cast(x, min_value, max_value, dtype):
    x = _t(x)
    if x.dtype != torch.bool:
        x = torch.clamp(x, min_value, max_value)
    return x.to(to_native_dtype(dtype))


def _wants_upstream_keyword(fn) -> bool:
    """True for Keras's torch-style gradient functions ``grad(*args, upstream)``."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return True
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return True
    for i, p in enumerate(params):
        if p.name == "upstream":
            return p.kind is p.KEYWORD_ONLY or i > 0
    return False


class _CustomGradientFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, f, kwargs, *args):
        output, grad_fn = f(*args, **kwargs)
        ctx.grad_fn = grad_fn
        ctx.args = args
        ctx.multi = isinstance(output, (list, tuple))
        return tuple(output) if ctx.multi else output

    @staticmethod
    def backward(ctx, *grad_outputs):
        args = ctx.args
        if _wants_upstream_keyword(ctx.grad_fn):
            upstream = grad_outputs if ctx.multi else grad_outputs[0]
            grads = ctx.grad_fn(*args, upstream=upstream)
        else:
            grads = ctx.grad_fn(*grad_outputs)
        if not isinstance(grads, (list, tuple)):
            grads = (grads,)
        if len(grads) != len(args):
            raise ValueError(
                f"custom_gradient: the gradient function returned {len(grads)} gradients for "
                f"{len(args)} inputs; it must return one per positional argument."
            )
        out = []
        for g, a in zip(grads, args):
            if g is None or not isinstance(a, Tensor):
                out.append(None)
            else:
                out.append(_t(g).to(a.dtype) if isinstance(g, Tensor) else torch.as_tensor(
                    g, dtype=a.dtype, device=a.device).expand_as(a))
        return (None, None) + tuple(out)


def custom_gradient(f):
    def wrapper(*args, **kwargs):
        args = tuple(a.value if isinstance(a, VariableBase) else a for a in args)
        return _CustomGradientFunction.apply(f, kwargs, *args)

    return wrapper

