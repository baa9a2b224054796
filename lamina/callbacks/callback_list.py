"""CallbackList: dispatches each hook to every callback, with logs turned into Python numbers as Keras does."""

from __future__ import annotations

import numpy as np

from lamina.callbacks.callback import Callback, is_default

_BATCH_HOOKS = {
    # hook called by the trainer -> hooks whose override means a callback wants it
    "on_train_batch_begin": ("on_train_batch_begin", "on_batch_begin"),
    "on_train_batch_end": ("on_train_batch_end", "on_batch_end"),
    "on_test_batch_begin": ("on_test_batch_begin",),
    "on_test_batch_end": ("on_test_batch_end",),
    "on_predict_batch_begin": ("on_predict_batch_begin",),
    "on_predict_batch_end": ("on_predict_batch_end",),
    "on_batch_begin": ("on_batch_begin",),
    "on_batch_end": ("on_batch_end",),
}


def pythonify_logs(logs) -> dict:
    """Logs as Keras hands them to callbacks: keys sorted, nested dicts flattened, scalars as ``float``.

    Values that are not scalars (e.g. predict outputs) become NumPy arrays.
    """
    from lamina import ops

    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        if not isinstance(value, (float, int, str, np.ndarray, np.generic)) and ops.is_tensor(value):
            value = ops.convert_to_numpy(value)
        elif hasattr(value, "numpy") and hasattr(value, "assign"):  # a lamina Variable
            value = value.numpy()
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass
        result[key] = value
    return result


def _flatten(callbacks) -> list:
    if callbacks is None:
        return []
    if isinstance(callbacks, CallbackList):
        return list(callbacks.callbacks)
    if isinstance(callbacks, (list, tuple)):
        out = []
        for cb in callbacks:
            out.extend(_flatten(cb))
        return out
    return [callbacks]


class CallbackList(Callback):
    """The callbacks of one fit/evaluate/predict call, plus History and ProgbarLogger when asked for.

    Batch hooks go only to callbacks that override them, and logs are converted to
    Python floats once per batch only when some callback needs them.

    Example:
        >>> cbs = CallbackList([EarlyStopping(monitor="loss")], add_history=True, model=model, epochs=3)
        >>> cbs.on_train_begin()
    """

    def __init__(self, callbacks=None, add_history: bool = False, add_progbar: bool = False, model=None,
                 **params):
        super().__init__()
        from lamina.callbacks.history import History
        from lamina.callbacks.progbar_logger import ProgbarLogger

        self.callbacks = _flatten(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    "CallbackList: every callback must be a lamina.callbacks.Callback instance; "
                    f"received {cb!r} of type {type(cb).__name__}.")
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self._receivers = {}
        self._refresh_receivers()
        if model is not None:
            self.set_model(model)
        self.set_params(params)

    def append(self, callback: Callback) -> None:
        """Add a callback at the end of the list."""
        self.callbacks.append(callback)
        self._refresh_receivers()

    def _refresh_receivers(self):
        for hook, wanted in _BATCH_HOOKS.items():
            self._receivers[hook] = [
                cb for cb in self.callbacks if any(not is_default(getattr(cb, name)) for name in wanted)
            ]

    def receives(self, hook: str) -> bool:
        """Whether some callback overrides batch hook ``hook`` (so per-batch logs are worth computing)."""
        return bool(self._receivers.get(hook))

    def set_params(self, params):
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    def _call(self, hook, *args, logs=None):
        logs = pythonify_logs(logs)
        for cb in self.callbacks:
            getattr(cb, hook)(*args, logs)

    def _call_batch(self, hook, batch, logs):
        receivers = self._receivers[hook]
        if not receivers:
            return
        converted = None
        for cb in receivers:
            if getattr(cb, "_accepts_raw_logs", False):
                getattr(cb, hook)(batch, logs)
                continue
            if converted is None:
                converted = pythonify_logs(logs)
            getattr(cb, hook)(batch, converted)

    def on_train_begin(self, logs=None): self._call("on_train_begin", logs=logs)
    def on_train_end(self, logs=None): self._call("on_train_end", logs=logs)
    def on_epoch_begin(self, epoch, logs=None): self._call("on_epoch_begin", epoch, logs=logs)
    def on_epoch_end(self, epoch, logs=None): self._call("on_epoch_end", epoch, logs=logs)
    def on_test_begin(self, logs=None): self._call("on_test_begin", logs=logs)
    def on_test_end(self, logs=None): self._call("on_test_end", logs=logs)
    def on_predict_begin(self, logs=None): self._call("on_predict_begin", logs=logs)
    def on_predict_end(self, logs=None): self._call("on_predict_end", logs=logs)

    def on_batch_begin(self, batch, logs=None): self._call_batch("on_batch_begin", batch, logs)
    def on_batch_end(self, batch, logs=None): self._call_batch("on_batch_end", batch, logs)
    def on_train_batch_begin(self, batch, logs=None): self._call_batch("on_train_batch_begin", batch, logs)
    def on_train_batch_end(self, batch, logs=None): self._call_batch("on_train_batch_end", batch, logs)
    def on_test_batch_begin(self, batch, logs=None): self._call_batch("on_test_batch_begin", batch, logs)
    def on_test_batch_end(self, batch, logs=None): self._call_batch("on_test_batch_end", batch, logs)
    def on_predict_batch_begin(self, batch, logs=None): self._call_batch("on_predict_batch_begin", batch, logs)
    def on_predict_batch_end(self, batch, logs=None): self._call_batch("on_predict_batch_end", batch, logs)
