"""Callback hooks and CallbackList dispatch, as Keras 3 calls them."""

import numpy as np
import pytest

import lamina
from lamina.callbacks import Callback, CallbackList, History, LambdaCallback, ProgbarLogger
from lamina.callbacks.callback_list import pythonify_logs
from tests.callbacks.conftest import tiny_data, tiny_model
from tests.conftest import requires_training

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end",
         "on_batch_begin", "on_batch_end"]


class Recorder(Callback):
    """Records (hook, index, sorted log keys) for every hook."""

    def __init__(self):
        super().__init__()
        self.calls = []
        for hook in HOOKS:
            setattr(self, hook, self._make(hook))

    def _make(self, hook):
        indexed = "batch" in hook or "epoch" in hook

        def record(*args, logs=None):
            args = list(args) + [logs] * (2 - len(args))
            index, logs = (args[0], args[1]) if indexed else (None, args[0])
            self.calls.append((hook, index, tuple(sorted(logs or {}))))
        return record


def test_callback_has_every_keras_hook(keras):
    keras_hooks = {n for n in dir(keras.callbacks.Callback) if n.startswith("on_")}
    ours = {n for n in dir(Callback) if n.startswith("on_")}
    assert keras_hooks <= ours
    assert keras_hooks <= {n for n in dir(CallbackList) if n.startswith("on_")}


def test_default_train_batch_hooks_forward_to_legacy_hooks():
    seen = []

    class Legacy(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs["loss"]))

    cbs = CallbackList([Legacy()])
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {"loss": np.float32(0.5)})
    assert seen == [("begin", 0), ("end", 0, 0.5)]  # each called once


def test_override_calling_super_is_not_called_twice():
    seen = []

    class Both(Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append("train_batch_end")
            super().on_train_batch_end(batch, logs)

        def on_batch_end(self, batch, logs=None):
            seen.append("batch_end")

    CallbackList([Both()]).on_train_batch_end(3, {})
    assert seen == ["train_batch_end", "batch_end"]


def test_pythonify_logs_sorts_flattens_and_converts():
    logs = pythonify_logs({"z": lamina.ops.convert_to_tensor(np.float32(2.0)), "a": np.float32(1.5),
                           "nested": {"m": 3}, "vec": np.arange(3)})
    assert list(logs) == ["a", "m", "vec", "z"]
    assert type(logs["a"]) is float and type(logs["z"]) is float and logs["m"] == 3.0
    np.testing.assert_array_equal(logs["vec"], [0, 1, 2])


def test_history_and_progbar_added_once_and_reused():
    history = History()
    cbs = CallbackList([history, [ProgbarLogger()]], add_history=True, add_progbar=True)
    assert sum(isinstance(c, History) for c in cbs.callbacks) == 1
    assert sum(isinstance(c, ProgbarLogger) for c in cbs.callbacks) == 1
    assert cbs.callbacks[0] is history


def test_non_callback_is_refused():
    with pytest.raises(TypeError, match="Callback instance"):
        CallbackList([lambda epoch: None])


def test_params_and_model_are_set():
    model = tiny_model()
    rec = Recorder()
    CallbackList([rec], model=model, epochs=3, steps=2, verbose=0)
    assert rec.model is model and rec.params == {"epochs": 3, "steps": 2, "verbose": 0}


@requires_training
def test_fit_calls_hooks_in_keras_order():
    x, y = tiny_data(8)
    rec = Recorder()
    tiny_model().fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[rec])
    names = [c[:2] for c in rec.calls]
    batch = [("on_train_batch_begin", 0), ("on_train_batch_end", 0),
             ("on_train_batch_begin", 1), ("on_train_batch_end", 1)]
    expected = [("on_train_begin", None)]
    for e in range(2):
        expected += [("on_epoch_begin", e)] + batch + [("on_epoch_end", e)]
    expected += [("on_train_end", None)]
    assert names == expected
    epoch_end = [c for c in rec.calls if c[0] == "on_epoch_end"]
    assert epoch_end[0][2] == ("loss", "mae")
    assert [c for c in rec.calls if c[0] == "on_train_batch_end"][0][2] == ("loss", "mae")


def test_evaluate_and_predict_call_their_hooks():
    x, y = tiny_data(8)
    model = tiny_model()
    rec = Recorder()
    model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[rec])
    assert [c[:2] for c in rec.calls] == [("on_test_begin", None), ("on_test_batch_begin", 0),
                                          ("on_test_batch_end", 0), ("on_test_batch_begin", 1),
                                          ("on_test_batch_end", 1), ("on_test_end", None)]
    assert rec.calls[-1][2] == ("loss", "mae")
    rec.calls.clear()
    outputs = []

    class Outputs(Callback):
        def on_predict_batch_end(self, batch, logs=None):
            outputs.append(logs["outputs"])

    model.predict(x, batch_size=4, verbose=0, callbacks=[rec, Outputs()])
    assert [c[:2] for c in rec.calls] == [("on_predict_begin", None), ("on_predict_batch_begin", 0),
                                          ("on_predict_batch_end", 0), ("on_predict_batch_begin", 1),
                                          ("on_predict_batch_end", 1), ("on_predict_end", None)]
    assert isinstance(outputs[0], np.ndarray) and outputs[0].shape == (4, 1)


@requires_training
def test_lambda_callback_and_stop_training():
    x, y = tiny_data(8)
    events = []
    stopper = LambdaCallback(
        on_train_begin=lambda logs: events.append("begin"),
        on_epoch_end=lambda epoch, logs: events.append(("epoch", epoch, round(logs["loss"], 6))),
        on_train_batch_end=lambda batch, logs: events.append(("batch", batch)),
        on_train_end=lambda logs: events.append("end"),
    )

    class StopAfterTwo(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    history = tiny_model().fit(x, y, batch_size=8, epochs=10, verbose=0, callbacks=[stopper, StopAfterTwo()])
    assert history.epoch == [0, 1]
    assert events[0] == "begin" and events[-1] == "end"
    assert [e[:2] for e in events[1:-1]] == [("batch", 0), ("epoch", 0), ("batch", 0), ("epoch", 1)]
    assert events[2][2] == round(history.history["loss"][0], 6)
    with pytest.raises(TypeError, match="on_epoch_end"):
        LambdaCallback(on_epoch_end=3)
