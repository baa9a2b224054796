"""math kernels on torch tensors."""
