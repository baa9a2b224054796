"""Text, lookup, hashing, category-encoding and discretization layers."""

__all__ = []
