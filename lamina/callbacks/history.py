"""History: records each epoch's logs; ``fit`` returns it."""

from __future__ import annotations

from lamina.callbacks.callback import Callback
from lamina.saving.serialization import builtin


@builtin("keras.callbacks")
class History(Callback):
    """``history.history["loss"]`` is the list of per-epoch losses."""

    def __init__(self):
        super().__init__()
        self.history: dict = {}
        self.epoch: list = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self
