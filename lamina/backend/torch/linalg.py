"""linalg kernels on torch tensors."""
