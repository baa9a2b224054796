"""ModelCheckpoint: save the model or its weights during fit, optionally only on improvement."""

from __future__ import annotations

import os
import re
import warnings

import numpy as np

from lamina.callbacks.monitor_callback import MonitorCallback
from lamina.saving.serialization import builtin


@builtin("keras.callbacks")
class ModelCheckpoint(MonitorCallback):
    """Save the model (``.keras`` / ``.h5``) or its weights (``.weights.h5``) every epoch or every N batches.

    ``filepath`` may hold ``str.format`` fields filled from ``epoch`` (1-based), ``batch``
    (1-based, when saving by batch) and the logs, e.g. ``"ckpt/{epoch:02d}-{val_loss:.2f}.keras"``.

    Args:
        filepath: where to save; must end in ``.weights.h5`` when ``save_weights_only``, else
            ``.keras`` (or legacy ``.h5``).
        monitor: logged quantity compared when ``save_best_only``.
        verbose: 1 prints a message per save.
        save_best_only: save only when ``monitor`` improves on the best value so far.
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        save_freq: ``"epoch"`` or a number of batches between saves.
        initial_value_threshold: the starting "best" value when ``save_best_only``.

    Example:
        >>> ckpt = lamina.callbacks.ModelCheckpoint("best.keras", monitor="val_loss", save_best_only=True)
        >>> model.fit(x, y, validation_split=0.2, epochs=5, callbacks=[ckpt])
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)):
            raise ValueError(f"ModelCheckpoint: unrecognized save_freq={save_freq!r}; expected 'epoch' or "
                             "an integer number of batches.")
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError("ModelCheckpoint: with save_weights_only=True the filepath must end in "
                                 f"`.weights.h5` (Keras weights format). Received: filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("ModelCheckpoint: the filepath must end in `.keras` (Keras model format). "
                             f"Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch) -> bool:
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch started (batches are 0-based)
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, logs, filepath) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            return True
        if np.ndim(current) > 0:
            warnings.warn(f"Can save best model only when `monitor` is a scalar value. Received: {current}. "
                          "Falling back to `save_best_only=False`.", stacklevel=3)
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to {current:.5f}, "
                      f"saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch, batch, logs) -> None:
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IOError("ModelCheckpoint: please give a file path, not a directory. The file path used is an "
                          f"existing directory: {filepath}")
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch, batch, logs) -> str:
        """``filepath`` with ``{epoch}``, ``{batch}`` and metric fields filled in."""
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as e:
            raise KeyError(f'ModelCheckpoint: failed to format the filepath "{self.filepath}": {e} is not '
                           f"a logged quantity (available: {sorted(fields)}).") from None

    def _checkpoint_exists(self, filepath) -> bool:
        return os.path.exists(filepath)

    def _get_most_recently_modified_file_matching_pattern(self, pattern):
        """The newest file matching ``pattern`` (format fields act as wildcards); ties go to the largest name."""
        dir_name = os.path.dirname(pattern)
        regex = re.compile("^" + re.sub(r"{.*}", r".*", os.path.basename(pattern)) + "$")
        newest, newest_time, n_newest, largest = None, 0, 0, None
        if os.path.exists(dir_name or "."):
            for name in os.listdir(dir_name or "."):
                if not regex.match(name):
                    continue
                path = os.path.join(dir_name, name)
                mtime = os.path.getmtime(path)
                if largest is None or path > largest:
                    largest = path
                if mtime > newest_time:
                    newest, newest_time, n_newest = path, mtime, 1
                elif mtime == newest_time:
                    n_newest += 1
        return newest if n_newest == 1 else largest
