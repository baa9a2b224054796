"""math kernels on jax arrays."""
