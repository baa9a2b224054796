"""Dtype policies: the dtype a layer's variables are stored in and the dtype it computes in.

Example:
    >>> p = DTypePolicy("mixed_float16")
    >>> (p.variable_dtype, p.compute_dtype)
    ('float32', 'float16')
"""

from __future__ import annotations

from lamina import config
from lamina.backend.common.dtypes import standardize_dtype
from lamina.saving.serialization import builtin

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


@builtin("keras")
class DTypePolicy:
    """A named policy: ``"float32"``, ``"float16"``, ``"bfloat16"``, ``"mixed_float16"``, ``"mixed_bfloat16"``..."""

    def __init__(self, name: str | None = None):
        if name is None:
            name = config.floatx()
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy: name must be a string, received {type(name).__name__} {name!r}.")
        if name in _MIXED:
            self._compute, self._variable = _MIXED[name], "float32"
        else:
            try:
                dtype = standardize_dtype(name)
            except ValueError:
                raise ValueError(
                    f"DTypePolicy: unknown policy {name!r}; expected a dtype name such as 'float32' "
                    f"or one of {sorted(_MIXED)}."
                ) from None
            self._compute = self._variable = dtype
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._compute

    @property
    def variable_dtype(self) -> str:
        return self._variable

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other._name == self._name

    def __hash__(self):
        return hash(self._name)


FloatDTypePolicy = builtin("keras", "FloatDTypePolicy")(type("FloatDTypePolicy", (DTypePolicy,), {}))

_global = {"policy": None}


def global_policy() -> DTypePolicy:
    if _global["policy"] is None:
        return DTypePolicy(config.floatx())
    return _global["policy"]


def set_global_policy(policy) -> None:
    _global["policy"] = None if policy is None else get(policy)


def get(identifier) -> DTypePolicy:
    """A policy from None (the global one), a name, a config dict or a DTypePolicy."""
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return DTypePolicy(**identifier.get("config", identifier))
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(standardize_dtype(identifier))
    except ValueError:
        raise ValueError(f"Cannot interpret {identifier!r} as a dtype policy.") from None
