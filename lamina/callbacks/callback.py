"""Callback: the hooks fit/evaluate/predict call, with Keras 3's names, arguments and defaults."""

from __future__ import annotations

from lamina.saving.serialization import builtin


def _default(method):
    """Mark a hook as the base no-op, so CallbackList can skip callbacks that do not override it."""
    method._lamina_default = True
    return method


def is_default(method) -> bool:
    """Whether ``method`` (bound or not) is a base ``Callback`` hook that was not overridden."""
    return getattr(method, "_lamina_default", False)


@builtin("keras.callbacks")
class Callback:
    """Base class; override any ``on_*`` hook. ``self.model`` and ``self.params`` are set by the trainer.

    ``params`` holds ``verbose``, ``epochs`` and ``steps`` of the running call. Set
    ``self.model.stop_training = True`` to end ``fit`` after the current batch/epoch.

    Example:
        >>> class StopAtLoss(lamina.callbacks.Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         if logs["loss"] < 0.1:
        ...             self.model.stop_training = True
    """

    def __init__(self):
        self.params = {}
        self._model = None

    def set_params(self, params: dict) -> None:
        self.params = params

    def set_model(self, model) -> None:
        self._model = model

    @property
    def model(self):
        return self._model

    # Legacy batch hooks: the default train-batch hooks forward to them, as in Keras.
    @_default
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called at the start of a training batch (legacy alias of ``on_train_batch_begin``)."""

    @_default
    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called at the end of a training batch (legacy alias of ``on_train_batch_end``)."""

    @_default
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of an epoch of ``fit``."""

    @_default
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the end of an epoch; ``logs`` has the epoch's metrics (``val_*`` after validation)."""

    @_default
    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called at the start of a training batch; calls ``on_batch_begin`` unless overridden."""
        self.on_batch_begin(batch, logs=logs)

    @_default
    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called at the end of a training batch with its logs; calls ``on_batch_end`` unless overridden."""
        self.on_batch_end(batch, logs=logs)

    @_default
    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called at the start of a batch of ``evaluate`` (and of validation in ``fit``)."""

    @_default
    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called at the end of a batch of ``evaluate``."""

    @_default
    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called at the start of a batch of ``predict``."""

    @_default
    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called at the end of a batch of ``predict``; ``logs["outputs"]`` holds the batch's outputs."""

    @_default
    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called once at the start of ``fit``."""

    @_default
    def on_train_end(self, logs: dict | None = None) -> None:
        """Called once at the end of ``fit`` with the last epoch's logs."""

    @_default
    def on_test_begin(self, logs: dict | None = None) -> None:
        """Called at the start of ``evaluate``."""

    @_default
    def on_test_end(self, logs: dict | None = None) -> None:
        """Called at the end of ``evaluate`` with its final logs."""

    @_default
    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Called at the start of ``predict``."""

    @_default
    def on_predict_end(self, logs: dict | None = None) -> None:
        """Called at the end of ``predict``."""
