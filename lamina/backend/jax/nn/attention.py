"""jax kernels: dot_product_attention."""

from __future__ import annotations

from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401
