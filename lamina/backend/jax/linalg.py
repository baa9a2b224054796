"""linalg kernels on jax arrays."""
