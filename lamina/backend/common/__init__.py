"""Backend-independent helpers shared by every backend (no framework imports)."""
