"""math kernels on numpy arrays."""
