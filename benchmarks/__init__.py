"""lamina's benchmark harness: lamina vs hand-written PyTorch / JAX loops vs Keras 3.

Run it with ``python -m benchmarks.run --help`` (or ``./dev bench``); see benchmarks/README.md.
"""
