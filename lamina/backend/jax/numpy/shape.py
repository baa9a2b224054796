"""jax kernels: shape manipulation: reshape, transpose, concatenate, stack, split, pad, tile, flip, tril."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from lamina.backend.jax._convert import Tensor, promote, promote_many, t, to_float  # noqa: F401


def reshape(x, newshape):
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    return jnp.reshape(t(x), newshape)


def transpose(x, axes=None):
    return jnp.transpose(t(x), None if axes is None else tuple(axes))


def expand_dims(x, axis):
    return jnp.expand_dims(t(x), tuple(axis) if isinstance(axis, list) else axis)


def squeeze(x, axis=None):
    x = t(x)
    if axis is not None:
        axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(
                    f"squeeze: cannot squeeze axis {a} of a tensor of shape {x.shape}: its size is not 1."
                )
        return jnp.squeeze(x, axis=axes)
    return jnp.squeeze(x)


def ravel(x):
    return jnp.ravel(t(x))


def broadcast_to(x, shape):
    return jnp.broadcast_to(t(x), shape)


def _same(xs):
    """The inputs as arrays of one promoted dtype (no work when they already agree)."""
    first = xs[0]
    if isinstance(first, Tensor) and all(isinstance(x, Tensor) and x.dtype == first.dtype for x in xs):
        return list(xs)
    return promote_many(*xs)


def concatenate(xs, axis=0):
    return jnp.concatenate(_same(xs), axis=axis)


def stack(x, axis=0):
    return jnp.stack(_same(x), axis=axis)


def hstack(xs):
    return jnp.hstack(_same(xs))


def vstack(xs):
    return jnp.vstack(_same(xs))


def dstack(xs):
    return jnp.dstack(_same(xs))


def append(x1, x2, axis=None):
    x1, x2 = promote(x1, x2)
    return jnp.append(x1, x2, axis=axis)


def _split_points(indices_or_sections):
    if isinstance(indices_or_sections, (int, np.integer)):
        return int(indices_or_sections)
    return [int(i) for i in np.asarray(indices_or_sections).reshape(-1)]


def _slices(x, points, axis):
    """Pieces between consecutive split points, with Python slice rules (negative, clipped)."""
    lead = (slice(None),) * (axis % x.ndim)
    bounds = [0] + points + [None]
    return [x[lead + (slice(lo, hi),)] for lo, hi in zip(bounds[:-1], bounds[1:])]


def split(x, indices_or_sections, axis=0):
    x = t(x)
    points = _split_points(indices_or_sections)
    if not isinstance(points, int):
        return _slices(x, points, axis)
    if x.shape[axis] % points:
        raise ValueError(
            f"split: the size of axis {axis} ({x.shape[axis]}) is not divisible into {points} equal "
            "sections; use array_split for unequal sections."
        )
    return list(jnp.split(x, points, axis=axis))


def array_split(x, indices_or_sections, axis=0):
    x = t(x)
    points = _split_points(indices_or_sections)
    if not isinstance(points, int):
        return _slices(x, points, axis)
    return list(jnp.array_split(x, points, axis=axis))


def tile(x, repeats):
    return jnp.tile(t(x), repeats)


def repeat(x, repeats, axis=None):
    if not isinstance(repeats, int):
        repeats = t(repeats)
        if repeats.ndim == 0:
            repeats = int(repeats)
    return jnp.repeat(t(x), repeats, axis=axis)


def flip(x, axis=None):
    return jnp.flip(t(x), axis=tuple(axis) if isinstance(axis, list) else axis)


def roll(x, shift, axis=None):
    return jnp.roll(t(x), shift, axis=axis)


def rot90(array, k=1, axes=(0, 1)):
    return jnp.rot90(t(array), k=k, axes=axes)


def moveaxis(x, source, destination):
    return jnp.moveaxis(t(x), source, destination)


def swapaxes(x, axis1, axis2):
    return jnp.swapaxes(t(x), axis1, axis2)


def pad(x, pad_width, mode="constant", constant_values=None):
    x = t(x)
    if mode == "constant":
        return jnp.pad(x, pad_width, mode="constant", constant_values=0 if constant_values is None else constant_values)
    return jnp.pad(x, pad_width, mode=mode)


def _at_least_2d(x):
    return jnp.broadcast_to(x, (x.shape[0], x.shape[0])) if x.ndim == 1 else x


def tril(x, k=0):
    return jnp.tril(_at_least_2d(t(x)), k=k)


def triu(x, k=0):
    return jnp.triu(_at_least_2d(t(x)), k=k)


def diag(x, k=0):
    return jnp.diag(t(x), k=k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    return jnp.diagonal(t(x), offset=offset, axis1=axis1, axis2=axis2)


def diagflat(x, k=0):
    return jnp.diagflat(t(x), k=k)


def unravel_index(indices, shape):
    indices = t(indices)
    return tuple(i.astype(indices.dtype) for i in jnp.unravel_index(indices, shape))
