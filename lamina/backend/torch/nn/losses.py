"""torch kernels: loss kernels: the crossentropies, ctc_loss."""

from __future__ import annotations

from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401
