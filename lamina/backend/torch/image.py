"""image kernels on torch tensors."""
