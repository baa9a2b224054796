"""jax kernels: tensor creation: zeros, ones, full, arange, eye, linspace, *_like, meshgrid, tri."""

from __future__ import annotations

from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401
