"""linalg kernels on numpy arrays."""
