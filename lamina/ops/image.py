"""image ops (lamina.ops.image)."""
