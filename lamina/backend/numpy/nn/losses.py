"""numpy kernels: loss kernels: the crossentropies, ctc_loss."""

from __future__ import annotations

from lamina.backend.numpy._convert import promote, promote_many, t, to_float  # noqa: F401
