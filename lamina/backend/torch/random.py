"""random kernels on torch tensors."""
