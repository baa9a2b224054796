"""torch kernels: indexing, selection and sorting: take, where, get_item, sort, argsort, searchsorted."""

from __future__ import annotations

from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401
