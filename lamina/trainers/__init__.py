"""Training machinery: the fit/evaluate/predict loop, data adapters, compile-time loss and metrics."""
