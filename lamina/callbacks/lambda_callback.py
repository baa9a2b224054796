"""LambdaCallback: a callback built from plain functions."""

from __future__ import annotations

from lamina.callbacks.callback import Callback
from lamina.saving.serialization import builtin


@builtin("keras.callbacks")
class LambdaCallback(Callback):
    """Build a callback from functions: ``on_epoch_*``/``on_train_batch_*`` take ``(index, logs)``,
    ``on_train_begin``/``on_train_end`` take ``(logs)``.

    Other hooks (e.g. ``on_test_end=...``) can be given as keyword arguments too.

    Example:
        >>> losses = []
        >>> cb = lamina.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin, "on_train_batch_end": on_train_batch_end}
        for name, fn in hooks.items():
            if fn is not None:
                if not callable(fn):
                    raise TypeError(f"LambdaCallback: `{name}` must be callable; received {fn!r}.")
                setattr(self, name, fn)
