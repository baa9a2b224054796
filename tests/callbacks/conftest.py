"""Fixtures for the callback tests: tiny models, scripted logs, a weights recorder."""

import numpy as np
import pytest

import lamina
from lamina import layers

REAL_SAVING = all(hasattr(lamina.Model, m) for m in ("save", "save_weights", "load_weights"))


@pytest.fixture
def saving():
    """The tests that write checkpoints need Model.save / save_weights / load_weights (lamina.saving)."""
    if not REAL_SAVING:
        pytest.skip("lamina.Model has no save/save_weights/load_weights")
    return True


def tiny_model(optimizer=None, metrics=("mae",)):
    """A compiled 3 -> 4 -> 1 regression MLP."""
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    model.compile(optimizer=optimizer or lamina.optimizers.SGD(0.05), loss="mse", metrics=list(metrics))
    return model


def tiny_data(n=16, seed=0):
    x = np.random.default_rng(seed).normal(size=(n, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")


class ScriptedLogs(lamina.callbacks.Callback):
    """Overwrites logged values at each epoch end (put it first in the list) so that the
    callbacks after it see a chosen sequence of metric values."""

    def __init__(self, **sequences):
        super().__init__()
        self.sequences = sequences

    def on_epoch_end(self, epoch, logs=None):
        for key, values in self.sequences.items():
            logs[key] = float(values[epoch])


class WeightsRecorder(lamina.callbacks.Callback):
    """Keeps a copy of the model's weights at each epoch end."""

    def __init__(self):
        super().__init__()
        self.weights = {}

    def on_epoch_end(self, epoch, logs=None):
        self.weights[epoch] = [np.array(w) for w in self.model.get_weights()]
