"""random kernels on jax arrays."""
