"""random kernels on numpy arrays."""
