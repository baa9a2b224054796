"""EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN: by effect on fit, and
step by step against Keras 3's own callbacks driven with the same logged values."""

import numpy as np
import pytest

import lamina
from lamina import callbacks as C
from tests.callbacks.conftest import ScriptedLogs, WeightsRecorder, tiny_data, tiny_model
from tests.conftest import assert_close, requires_training

SEQ = [1.0, 0.8, 0.79, 0.85, 0.7, 0.9, 0.95, 0.99, 0.6, 0.65, 0.66, 0.67]


class _StubOptimizer:
    def __init__(self, lr):
        self.learning_rate = lr
        self.name = "stub"


class _StubModel:
    """What these callbacks touch on a model: stop_training, metrics, weights, optimizer."""

    def __init__(self, lr=1.0):
        self.stop_training = False
        self.metrics = []
        self.optimizer = _StubOptimizer(lr)
        self.current = None
        self.restored = None

    def get_weights(self):
        return [np.array(self.current)]

    def set_weights(self, weights):
        self.restored = int(weights[0])


def _drive(cb, values, key="loss"):
    model = _StubModel()
    cb.set_model(model)
    cb.on_train_begin()
    lrs = []
    epochs = 0
    for epoch, value in enumerate(values):
        model.current = epoch
        cb.on_epoch_end(epoch, {key: value})
        lrs.append(round(float(model.optimizer.learning_rate), 7))
        epochs += 1
        if model.stop_training:
            break
    cb.on_train_end()
    return epochs, lrs, model.restored, getattr(cb, "best", None)


EARLY_CASES = [
    dict(patience=0), dict(patience=2), dict(patience=1, min_delta=0.05), dict(patience=2, mode="max"),
    dict(patience=2, baseline=0.75), dict(patience=1, start_from_epoch=3),
    dict(patience=2, restore_best_weights=True), dict(patience=3, baseline=0.5, restore_best_weights=True),
    dict(patience=1, mode="min", min_delta=-0.02),
]


@pytest.mark.parametrize("kwargs", EARLY_CASES, ids=[str(c) for c in EARLY_CASES])
def test_early_stopping_matches_keras(keras, kwargs):
    ours = _drive(C.EarlyStopping(monitor="loss", **kwargs), SEQ)
    theirs = _drive(keras.callbacks.EarlyStopping(monitor="loss", **kwargs), SEQ)
    assert ours == theirs


PLATEAU_CASES = [
    dict(factor=0.5, patience=1), dict(factor=0.5, patience=2, cooldown=1), dict(factor=0.5, patience=0, min_lr=0.3),
    dict(factor=0.1, patience=1, mode="max"), dict(factor=0.5, patience=1, min_delta=0.05),
]


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=[str(c) for c in PLATEAU_CASES])
def test_reduce_lr_on_plateau_matches_keras(keras, kwargs):
    ours = _drive(C.ReduceLROnPlateau(monitor="loss", **kwargs), SEQ)
    theirs = _drive(keras.callbacks.ReduceLROnPlateau(monitor="loss", **kwargs), SEQ)
    assert ours == theirs


def test_auto_mode_follows_metric_direction():
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy", "mae"])
    model.evaluate(np.ones((2, 3), "float32"), np.zeros((2,), "int32"), verbose=0)  # builds the metrics
    for monitor, op in [("val_loss", np.less), ("accuracy", np.greater), ("val_accuracy", np.greater),
                        ("mae", np.less)]:
        cb = C.EarlyStopping(monitor=monitor, min_delta=0.1)
        cb.set_model(model)
        cb._set_monitor_op()
        assert cb.monitor_op is op, monitor
        assert cb.min_delta == (-0.1 if op is np.less else 0.1)
    cb = C.EarlyStopping(monitor="something_custom")
    cb.set_model(model)
    with pytest.raises(ValueError, match="mode='max'"):
        cb._set_monitor_op()


def test_bad_arguments():
    with pytest.raises(ValueError, match="factor"):
        C.ReduceLROnPlateau(factor=1.0)
    with pytest.warns(UserWarning, match="unknown"):
        assert C.EarlyStopping(mode="bigger").mode == "auto"
    with pytest.raises(TypeError, match="callable"):
        C.LearningRateScheduler(0.1)


def test_missing_monitor_warns_and_continues():
    model = _StubModel()
    cb = C.EarlyStopping(monitor="val_loss", mode="min")
    cb.set_model(model)
    cb.on_train_begin()
    with pytest.warns(UserWarning, match="val_loss.*Available metrics are: loss"):
        cb.on_epoch_end(0, {"loss": 1.0})
    assert not model.stop_training


@requires_training
def test_early_stopping_stops_and_restores_best_weights():
    x, y = tiny_data()
    losses = [1.0, 0.5, 0.6, 0.7, 0.8, 0.3]
    recorder = WeightsRecorder()
    stop = C.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    model = tiny_model()
    history = model.fit(x, y, batch_size=8, epochs=6, verbose=0,
                        callbacks=[ScriptedLogs(loss=losses), recorder, stop])
    assert history.epoch == [0, 1, 2, 3]  # best at 1, two epochs without improvement
    assert stop.stopped_epoch == 3 and stop.best == 0.5 and stop.best_epoch == 1
    for got, best in zip(model.get_weights(), recorder.weights[1]):
        np.testing.assert_array_equal(got, best)
    assert not np.allclose(recorder.weights[3][0], recorder.weights[1][0])


@requires_training
def test_early_stopping_start_from_epoch_and_baseline():
    x, y = tiny_data()
    stop = C.EarlyStopping(monitor="loss", patience=0, start_from_epoch=2)
    history = tiny_model().fit(x, y, batch_size=16, epochs=6, verbose=0,
                               callbacks=[ScriptedLogs(loss=[1, 2, 3, 4, 5, 6]), stop])
    assert history.epoch == [0, 1, 2, 3]  # monitoring starts at epoch 2; epoch 3 does not improve
    losses = [1, 0.9, 0.95, 0.97, 0.98, 0.99]
    epochs = {}
    for baseline in (None, 0.1):
        stop = C.EarlyStopping(monitor="loss", patience=2, baseline=baseline)
        epochs[baseline] = tiny_model().fit(x, y, batch_size=16, epochs=6, verbose=0,
                                            callbacks=[ScriptedLogs(loss=losses), stop]).epoch
    # Improvements that miss the baseline do not reset the patience count.
    assert epochs == {None: [0, 1, 2, 3], 0.1: [0, 1, 2]}


@requires_training
def test_learning_rate_scheduler_sets_the_rate_the_step_uses():
    x, y = tiny_data()
    model = tiny_model(optimizer=lamina.optimizers.SGD(0.05))
    initial = [np.array(w) for w in model.get_weights()]
    recorder = WeightsRecorder()
    sched = C.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1) if epoch < 2 else 0.0)
    history = model.fit(x, y, batch_size=8, epochs=4, verbose=0, callbacks=[sched, recorder])
    assert_close(history.history["learning_rate"], [0.1, 0.05, 0.0, 0.0], rtol=1e-6)
    assert_close(model.optimizer.learning_rate, 0.0)
    assert not np.allclose(recorder.weights[1][0], initial[0])
    for a, b in zip(recorder.weights[1], recorder.weights[3]):  # lr 0 from epoch 2: weights frozen
        np.testing.assert_array_equal(a, b)
    # The one-argument form schedule(epoch) is accepted too.
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[C.LearningRateScheduler(lambda e: 0.25)])
    assert_close(model.optimizer.learning_rate, 0.25)
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[C.LearningRateScheduler(lambda e, lr: "fast")])


@requires_training
def test_reduce_lr_on_plateau_lowers_the_optimizer_rate():
    x, y = tiny_data()
    model = tiny_model(optimizer=lamina.optimizers.Adam(0.1))
    plateau = C.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_lr=0.02)
    history = model.fit(x, y, batch_size=8, epochs=5, verbose=0,
                        callbacks=[ScriptedLogs(loss=[1, 1, 1, 1, 1]), plateau])
    # Logged before the epoch's reduction; floored at min_lr.
    assert_close(history.history["learning_rate"], [0.1, 0.1, 0.05, 0.025, 0.02], rtol=1e-6)
    assert_close(model.optimizer.learning_rate, 0.02, rtol=1e-6)


@requires_training
def test_terminate_on_nan_stops_at_the_bad_batch():
    x, y = tiny_data(16)
    x[8:12] = np.nan  # batch 2 of size 4
    batches = []
    seen = C.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append((b, logs["loss"])))
    history = tiny_model().fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                               callbacks=[seen, C.TerminateOnNaN()])
    assert [b for b, _ in batches] == [0, 1, 2]
    assert np.isnan(batches[-1][1]) and not np.isnan(batches[1][1])
    assert history.epoch == [0]
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        tiny_model().fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0,
                         callbacks=[C.TerminateOnNaN(raise_error=True)])
