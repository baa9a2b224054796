"""numpy kernels: convolutions: conv, conv_transpose, depthwise_conv, separable_conv."""

from __future__ import annotations

from lamina.backend.numpy._convert import promote, promote_many, t, to_float  # noqa: F401
