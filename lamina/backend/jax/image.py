"""image kernels on jax arrays."""
