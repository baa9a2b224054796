"""SwapEMAWeights: evaluate and predict with the optimizer's moving average of the weights."""

from __future__ import annotations

import numpy as np

from lamina.callbacks.callback import Callback
from lamina.saving.serialization import builtin


@builtin("keras.callbacks")
class SwapEMAWeights(Callback):
    """Swap the model's weights with the optimizer's EMA weights (``use_ema=True``) around
    evaluate/predict, and, with ``swap_on_epoch=True``, around each epoch end so that
    validation and other epoch-end callbacks (e.g. ModelCheckpoint) see the EMA weights.

    Example:
        >>> model.compile(optimizer=lamina.optimizers.SGD(use_ema=True), loss="mse")
        >>> model.fit(x, y, epochs=3, callbacks=[lamina.callbacks.SwapEMAWeights(swap_on_epoch=True)])
    """

    def __init__(self, swap_on_epoch: bool = False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_optimizers(self) -> list:
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        inner = getattr(optimizer, "optimizers", None)
        if inner:
            chosen = [opt for opt in inner if getattr(opt, "use_ema", False)]
            if not chosen:
                raise ValueError("SwapEMAWeights needs at least one inner optimizer with `use_ema=True`; "
                                 "received a multi-optimizer whose inner optimizers all have use_ema=False.")
        else:
            chosen = [optimizer]
        for opt in chosen:
            if not hasattr(opt, "_model_variables_moving_average"):
                raise ValueError("SwapEMAWeights must be used with an optimizer created with `use_ema=True` "
                                 f"(and built). Received: use_ema={getattr(opt, 'use_ema', None)}")
        return chosen

    def _swap_variables(self):
        for opt in self._ema_optimizers():
            for var, average in zip(opt._trainable_variables, opt._model_variables_moving_average):
                current = np.array(var.numpy())
                var.assign(average.numpy())
                average.assign(current)

    def _finalize_ema_values(self):
        for opt in self._ema_optimizers():
            for var, average in zip(opt._trainable_variables, opt._model_variables_moving_average):
                average.assign(var.numpy())

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True
            if epoch == (self.params or {}).get("epochs", 0) - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_predict_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False
