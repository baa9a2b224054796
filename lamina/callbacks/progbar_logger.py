"""ProgbarLogger: a live progress bar with ETA and metrics (one line per epoch when not a terminal)."""

from __future__ import annotations

import sys
import time

import numpy as np

from lamina.callbacks.callback import Callback
from lamina.saving.serialization import builtin


def _format_logs(logs: dict) -> str:
    from lamina import ops

    parts = []
    for k, v in logs.items():
        arr = ops.convert_to_numpy(v) if ops.is_tensor(v) else np.asarray(v)
        if arr.ndim == 0 and np.issubdtype(arr.dtype, np.number):
            value = float(arr)
            parts.append(f"{k}: {value:.4f}" if abs(value) > 1e-3 else f"{k}: {value:.4e}")
    return " - ".join(parts)


def _format_per_step(seconds: float) -> str:
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class _Bar:
    """A one-line text progress bar; redraws in place on a terminal, prints once at the end otherwise."""

    def __init__(self, target, stream, interactive, width=30, one_line=False):
        self.one_line = one_line  # verbose=2: only "3/3 - 1s - 5ms/step - loss: ..." at the end
        self.target = target
        self.stream = stream
        self.interactive = interactive
        self.width = width
        self.start = time.time()
        self._last_draw = 0.0

    def update(self, current, logs, finalize=False):
        now = time.time()
        if self.interactive and not finalize and now - self._last_draw < 0.05:
            return
        self._last_draw = now
        elapsed = now - self.start
        if self.one_line:
            if finalize:
                count = f"{current}/{self.target}" if self.target else f"{current}"
                text = f"{count} - {elapsed:.0f}s - {_format_per_step(elapsed / max(current, 1))}"
                metrics = _format_logs(logs)
                self.stream.write(text + (f" - {metrics}" if metrics else "") + "\n")
                self.stream.flush()
            return
        if self.target:
            done = int(self.width * current / self.target)
            bar = "━" * done + " " * (self.width - done)
            head = f"{current}/{self.target} {bar} "
        else:
            head = f"{current} "
        if finalize:
            per_step = elapsed / max(current, 1)
            timing = f"{elapsed:.0f}s {per_step * 1000:.0f}ms/step"
        elif self.target:
            eta = elapsed / max(current, 1) * (self.target - current)
            timing = f"ETA: {eta:.0f}s"
        else:
            timing = f"{elapsed:.0f}s"
        text = f"{head}{timing}"
        metrics = _format_logs(logs)
        if metrics:
            text += f" - {metrics}"
        if self.interactive:
            self.stream.write("\r" + text + "\x1b[K" + ("\n" if finalize else ""))
            self.stream.flush()
        elif finalize:
            self.stream.write(text + "\n")
            self.stream.flush()


@builtin("keras.callbacks")
class ProgbarLogger(Callback):
    """Prints progress: ``verbose=1`` a bar per epoch, ``verbose=2`` one line per epoch."""

    # Batch logs arrive unconverted; they are read only when the bar redraws.
    _accepts_raw_logs = True

    def __init__(self, count_mode="steps", stream=None):
        super().__init__()
        self.stream = stream
        self._bar = None
        self._mode = None

    def _out(self):
        return self.stream or sys.stdout

    def _new_bar(self, target):
        verbose = self.params.get("verbose", 1)
        interactive = verbose == 1 and hasattr(self._out(), "isatty") and self._out().isatty()
        return _Bar(target, self._out(), interactive, one_line=verbose == 2)

    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs", 1)
        if self.params.get("verbose", 1):
            self._out().write(f"Epoch {epoch + 1}/{epochs}\n")
        self._bar = self._new_bar(self.params.get("steps"))
        self._seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self.params.get("verbose", 1) == 1 and self._bar is not None:
            self._bar.update(self._seen, _numeric(logs))

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is not None:
            self._bar.update(self._seen, logs or {}, finalize=True)

    def on_test_begin(self, logs=None):
        if self._bar is None or self._mode == "test":
            self._mode = "test"
            self._bar = self._new_bar(self.params.get("steps"))
            self._seen = 0

    def on_test_batch_end(self, batch, logs=None):
        if self._mode == "test":
            self._seen = batch + 1
            if self.params.get("verbose", 1) == 1:
                self._bar.update(self._seen, _numeric(logs))

    def on_test_end(self, logs=None):
        if self._mode == "test":
            self._bar.update(self._seen, logs or {}, finalize=True)

    def on_predict_begin(self, logs=None):
        self._mode = "predict"
        self._bar = self._new_bar(self.params.get("steps"))
        self._seen = 0

    def on_predict_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self.params.get("verbose", 1) == 1:
            self._bar.update(self._seen, {})

    def on_predict_end(self, logs=None):
        self._bar.update(self._seen, {}, finalize=True)


def _numeric(logs):
    """The batch logs' plain values, keys sorted as Keras shows them."""
    return {k: v for k, v in sorted((logs or {}).items()) if not isinstance(v, (list, tuple, dict))}
