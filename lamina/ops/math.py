"""math ops (lamina.ops.math)."""
