"""Name scopes: the prefix of a variable's ``path`` (``outer/inner/kernel``), as in Keras 3.

A layer opens a scope named after itself while it is built and called, so the
variables it creates, and those of the sub-layers it builds on the way, get its
name as a prefix: ``SpectralNormalization(Dense(3))`` owns
``spectral_normalization/dense/kernel``. A layer remembers where its scope was
first opened (its parent path), so a layer built at top level keeps its short
path when it is later wrapped or reused.

Example:
    >>> with lamina.name_scope("block"):
    ...     v = lamina.Variable(1.0, name="w")
    >>> v.path
    'block/w'
"""

from __future__ import annotations

# Each entry is (name, caller, full path). The full path is computed on entry, so
# reading the current path is O(1) (variable creation reads it; calls only push/pop).
_stack: list = []


def current_path() -> str:
    """The path of the innermost open scope (``""`` at top level)."""
    return _stack[-1][2] if _stack else ""


def join(parent: str | None, name: str) -> str:
    return f"{parent}/{name}" if parent else name


class name_scope:
    """Open a sub-namespace for variable paths.

    Args:
        name: the scope's name (a string without ``/``).
        caller: the object opening it (a layer); with ``deduplicate``, a scope that the
            same caller already has innermost under the same name is not opened twice.
        deduplicate: see ``caller``; also makes a caller's recorded ``_parent_path`` (where it
            first opened its scope) the parent instead of the current path.
        override_parent: an absolute parent path replacing the enclosing scopes.

    Example:
        >>> with name_scope("encoder"):
        ...     current_path()
        'encoder'
    """

    def __init__(self, name: str, caller=None, deduplicate: bool = True, override_parent: str | None = None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError(
                f"name_scope: `name` must be a string without '/'; received name={name!r}."
            )
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        if override_parent is None and deduplicate and caller is not None:
            override_parent = getattr(caller, "_parent_path", None)
        self.override_parent = override_parent
        self._pushed = False

    def __enter__(self):
        if self.deduplicate and _stack and self.caller is not None:
            top = _stack[-1]
            if top[1] is self.caller and top[0] == self.name:
                return self
        parent = self.override_parent if self.override_parent is not None else current_path()
        _stack.append((self.name, self.caller, join(parent, self.name)))
        self._pushed = True
        return self

    def __exit__(self, *exc):
        if self._pushed:
            self._pushed = False
            if _stack:
                _stack.pop()


def layer_entry(layer) -> tuple:
    """``layer``'s scope entry ``(name, layer, full path)``, computed once and cached on the layer.

    The parent path is recorded the first time the layer's scope opens (as in Keras), so the
    entry only changes if the layer is renamed.
    """
    parent = layer._parent_path
    if parent is None:
        parent = current_path()
        object.__setattr__(layer, "_parent_path", parent)
    name = layer.name
    entry = (name, layer, f"{parent}/{name}" if parent else name)
    object.__setattr__(layer, "_scope_entry", entry)
    return entry


def enter_layer_scope(layer) -> bool:
    """Open ``layer``'s scope unless it is already the innermost one; returns whether it pushed.

    The fast path of every layer call: one identity test and one append of a cached tuple.
    """
    if _stack and _stack[-1][1] is layer:
        return False
    entry = layer._scope_entry
    if entry is None or entry[0] is not layer.name:
        entry = layer_entry(layer)
    _stack.append(entry)
    return True


def exit_scope() -> None:
    _stack.pop()


def reset() -> None:
    """Close every open scope (after an exception escaped a scope's owner)."""
    _stack.clear()
