"""The lamina version string."""

__version__ = "0.1.0"


def version() -> str:
    """Return lamina's version, e.g. ``"0.1.0"``."""
    return __version__
