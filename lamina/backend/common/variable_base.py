"""Marker base class so backends can recognise lamina Variables without importing lamina.core."""


class VariableBase:
    """lamina.Variable derives from this; backends unwrap it with ``.value``."""

    __slots__ = ()
