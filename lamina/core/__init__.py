"""Backend-independent core objects: Variable, KerasTensor, Operation, Node, scopes, dtype policies."""
