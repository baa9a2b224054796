"""torch kernels: pooling: max_pool, average_pool, adaptive pooling."""

from __future__ import annotations

from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401
