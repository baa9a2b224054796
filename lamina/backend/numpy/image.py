"""image kernels on numpy arrays."""
