"""linalg ops (lamina.ops.linalg)."""
