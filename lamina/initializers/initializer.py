"""The Initializer base class: a callable ``(shape, dtype=None) -> tensor`` with a config."""

from __future__ import annotations

from lamina.saving.serialization import builtin


@builtin("keras.initializers")
class Initializer:
    """Base class of all initializers.

    A subclass implements ``__call__(self, shape, dtype=None)`` returning a
    tensor of that shape and dtype (floatx when ``dtype`` is None), and, when
    its constructor takes arguments, ``get_config()`` returning them.

    Example:
        >>> class Fill(Initializer):
        ...     def __init__(self, value=1.0):
        ...         self.value = value
        ...     def __call__(self, shape, dtype=None):
        ...         return lamina.ops.full(shape, self.value, dtype=dtype)
        ...     def get_config(self):
        ...         return {"value": self.value}
    """

    def __call__(self, shape, dtype=None):
        """A tensor of ``shape`` and ``dtype`` (floatx when None) holding the initial values."""
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype=None).")

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-ready dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Create an initializer from the output of :meth:`get_config`."""
        return cls(**config)

    def clone(self):
        """A new initializer with the same config."""
        return type(self).from_config(self.get_config())

    def __repr__(self):
        try:
            return f"<{type(self).__name__} {self.get_config()}>"
        except Exception:  # a user subclass whose get_config() cannot run
            return object.__repr__(self)
