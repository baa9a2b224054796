"""jax kernels: moments, batch_normalization, normalize, rms_normalization."""

from __future__ import annotations

from lamina.backend.jax._convert import promote, promote_many, t, to_float  # noqa: F401
