"""LearningRateScheduler: set the optimizer's learning rate at the start of every epoch."""

from __future__ import annotations

import numpy as np

from lamina.callbacks._utils import optimizers_of, to_float
from lamina.callbacks.callback import Callback
from lamina.saving.serialization import builtin


@builtin("keras.callbacks")
class LearningRateScheduler(Callback):
    """Call ``schedule(epoch, lr)`` (0-based epoch, current rate) at each epoch start and set its result.

    ``schedule(epoch)`` with one argument is accepted too. The rate in use is logged as
    ``"learning_rate"`` at the end of each epoch.

    Example:
        >>> def halve_after_two(epoch, lr):
        ...     return lr if epoch < 2 else lr * 0.5
        >>> model.fit(x, y, epochs=5, callbacks=[lamina.callbacks.LearningRateScheduler(halve_after_two)])
    """

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: `schedule` must be a callable (epoch, lr) -> float; "
                            f"received {schedule!r}.")
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch) -> float:
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('LearningRateScheduler: the optimizer must have a "learning_rate" attribute.')
        current = to_float(optimizer.learning_rate)
        try:
            learning_rate = self.schedule(epoch, current)
        except TypeError:  # the older one-argument form schedule(epoch)
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError("LearningRateScheduler: the output of the `schedule` function should be a float. "
                             f"Got: {learning_rate!r}")
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        for name, optimizer in optimizers_of(self.model, "LearningRateScheduler"):
            learning_rate = self._update_optimizer_lr(optimizer, epoch)
            if self.verbose > 0:
                which = f"{name} " if name else ""
                print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which}learning rate to "
                      f"{learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for name, optimizer in optimizers_of(self.model, "LearningRateScheduler"):
            key = f"learning_rate_{name}" if name else "learning_rate"
            logs[key] = to_float(optimizer.learning_rate)
