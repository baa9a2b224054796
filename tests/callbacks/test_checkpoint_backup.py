"""ModelCheckpoint and BackupAndRestore: the files they write, and resuming an interrupted fit."""

import inspect
import json
import os

import numpy as np
import pytest

import lamina
from lamina import callbacks as C
from tests.callbacks.conftest import ScriptedLogs, WeightsRecorder, tiny_data, tiny_model
from tests.conftest import requires_training


class _SaveRecorder:
    """A model stand-in that records which save method was called with which path."""

    def __init__(self, root):
        self.root = root
        self.calls = []
        self.metrics = []
        self.stop_training = False

    def save(self, filepath, overwrite=True):
        self.calls.append(("save", os.path.relpath(filepath, self.root)))

    def save_weights(self, filepath, overwrite=True):
        self.calls.append(("save_weights", os.path.relpath(filepath, self.root)))


def _drive_checkpoint(cb, root, epochs=4, batches=3):
    model = _SaveRecorder(root)
    cb.set_model(model)
    cb.set_params({"epochs": epochs, "steps": batches, "verbose": 0})
    cb.on_train_begin()
    val = [0.9, 0.7, 0.8, 0.6]
    for epoch in range(epochs):
        cb.on_epoch_begin(epoch)
        for batch in range(batches):
            cb.on_train_batch_begin(batch)
            cb.on_train_batch_end(batch, {"loss": 1.0 / (1 + epoch * batches + batch)})
        cb.on_epoch_end(epoch, {"loss": 1.0 / (1 + epoch), "val_loss": val[epoch], "val_acc": 1 - val[epoch]})
    cb.on_train_end()
    return model.calls


CHECKPOINT_CASES = [
    ("{epoch:02d}.keras", {}),
    ("m-{epoch:02d}-{val_loss:.2f}.weights.h5", dict(save_weights_only=True, save_best_only=True)),
    ("best.keras", dict(save_best_only=True)),
    ("sub/b{epoch}-{batch}.keras", dict(save_freq=2)),
    ("acc-{val_acc:.3f}.h5", dict(monitor="val_acc", mode="max", save_best_only=True)),
    ("t-{epoch}.keras", dict(save_best_only=True, initial_value_threshold=0.75)),
    ("l-{epoch}-{loss:.4f}.weights.h5", dict(save_weights_only=True, save_best_only=True, monitor="loss",
                                             save_freq=4)),
]


@pytest.mark.parametrize("template,kwargs", CHECKPOINT_CASES, ids=[c[0] for c in CHECKPOINT_CASES])
def test_checkpoint_saves_the_same_files_as_keras(keras, tmp_path, template, kwargs):
    ours = _drive_checkpoint(C.ModelCheckpoint(str(tmp_path / template), **kwargs), str(tmp_path))
    theirs = _drive_checkpoint(keras.callbacks.ModelCheckpoint(str(tmp_path / template), **kwargs), str(tmp_path))
    assert ours == theirs
    assert ours  # every case saves something


def test_checkpoint_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        C.ModelCheckpoint(str(tmp_path / "m.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        C.ModelCheckpoint(str(tmp_path / "m.ckpt"))
    with pytest.raises(ValueError, match="save_freq"):
        C.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="sometimes")
    cb = C.ModelCheckpoint(str(tmp_path / "{epoch}-{val_auc}.keras"))
    cb.set_model(_SaveRecorder(str(tmp_path)))
    with pytest.raises(KeyError, match="val_auc"):
        cb.on_epoch_end(0, {"loss": 1.0})


@requires_training
def test_checkpoint_writes_only_improving_epochs(saving, tmp_path):
    x, y = tiny_data()
    model = tiny_model()
    recorder = WeightsRecorder()
    ckpt = C.ModelCheckpoint(str(tmp_path / "ckpt" / "{epoch:02d}-{loss:.2f}.weights.h5"), monitor="loss",
                             save_best_only=True, save_weights_only=True)
    model.fit(x, y, batch_size=8, epochs=4, verbose=0,
              callbacks=[ScriptedLogs(loss=[1.0, 0.5, 0.6, 0.4]), recorder, ckpt])
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["01-1.00.weights.h5", "02-0.50.weights.h5",
                                                     "04-0.40.weights.h5"]
    fresh = tiny_model()
    fresh.load_weights(str(tmp_path / "ckpt" / "02-0.50.weights.h5"))
    for got, want in zip(fresh.get_weights(), recorder.weights[1]):
        np.testing.assert_array_equal(got, want)


@requires_training
def test_checkpoint_by_batch_and_whole_model(saving, tmp_path):
    x, y = tiny_data(16)
    model = tiny_model()
    ckpt = C.ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.keras"), save_freq=3)
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[ckpt])
    # 8 batches in all, one save every 3: after global batches 3 and 6.
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.keras", "e2-b2.keras"]
    if hasattr(lamina.saving, "load_model"):
        final = C.ModelCheckpoint(str(tmp_path / "final.keras"))
        model.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[final])
        loaded = lamina.saving.load_model(str(tmp_path / "final.keras"))
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


class _Interrupt(lamina.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise KeyboardInterrupt(f"simulated crash at epoch {epoch}")


def _adam_model(weights=None):
    model = tiny_model(optimizer=lamina.optimizers.Adam(0.02))
    if weights is not None:
        model.set_weights(weights)
    return model


@requires_training
def test_backup_files_and_cleanup(saving, tmp_path):
    x, y = tiny_data()
    backup_dir = tmp_path / "backup"
    with pytest.raises(KeyboardInterrupt):
        _adam_model().fit(x, y, batch_size=8, epochs=5, verbose=0, shuffle=False,
                          callbacks=[C.BackupAndRestore(str(backup_dir), double_checkpoint=True), _Interrupt(3)])
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.h5", "latest.weights.h5.bkp",
                                              "training_metadata.json", "training_metadata.json.bkp"]
    assert json.loads((backup_dir / "training_metadata.json").read_text()) == {"epoch": 3, "batch": 0}
    assert json.loads((backup_dir / "training_metadata.json.bkp").read_text()) == {"epoch": 2, "batch": 0}
    # A completed fit deletes the backup unless told not to.
    kept = tmp_path / "kept"
    _adam_model().fit(x, y, batch_size=8, epochs=1, verbose=0,
                      callbacks=[C.BackupAndRestore(str(kept), delete_checkpoint=False)])
    assert sorted(os.listdir(kept)) == ["latest.weights.h5", "training_metadata.json"]
    _adam_model().fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[C.BackupAndRestore(str(kept))])
    assert not kept.exists()
    # save_freq in batches: metadata records the batch reached.
    by_batch = tmp_path / "by_batch"
    with pytest.raises(KeyboardInterrupt):
        _adam_model().fit(x, y, batch_size=4, epochs=3, verbose=0,
                          callbacks=[C.BackupAndRestore(str(by_batch), save_freq=3), _Interrupt(1)])
    assert json.loads((by_batch / "training_metadata.json").read_text()) == {"epoch": 0, "batch": 2}
    with pytest.raises(ValueError, match="save_freq"):
        C.BackupAndRestore(str(tmp_path), save_freq="often")
    with pytest.raises(ValueError, match="backup_dir"):
        C.BackupAndRestore("")


@requires_training
def test_backup_restores_weights_and_optimizer_state(saving, tmp_path):
    x, y = tiny_data()
    backup_dir = str(tmp_path / "backup")
    model = _adam_model()
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=8, epochs=5, verbose=0, shuffle=False,
                  callbacks=[C.BackupAndRestore(backup_dir, delete_checkpoint=False), _Interrupt(2)])
    fresh = _adam_model()  # different initial weights, optimizer not built
    cb = C.BackupAndRestore(backup_dir)
    cb.set_model(fresh)
    cb.on_train_begin()
    for got, want in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(fresh.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert int(fresh.optimizer.iterations.numpy()) == 4  # 2 epochs x 2 batches
    assert fresh._initial_epoch == 2


@requires_training
def test_interrupted_fit_resumes_to_the_same_weights(saving, tmp_path):
    x, y = tiny_data()
    initial = _adam_model().get_weights()
    reference = _adam_model(initial)
    reference.fit(x, y, batch_size=8, epochs=5, verbose=0, shuffle=False)

    backup_dir = str(tmp_path / "backup")
    with pytest.raises(KeyboardInterrupt):
        _adam_model(initial).fit(x, y, batch_size=8, epochs=5, verbose=0, shuffle=False,
                                 callbacks=[C.BackupAndRestore(backup_dir), _Interrupt(3)])
    resumed = _adam_model()  # fresh weights: everything must come from the backup
    history = resumed.fit(x, y, batch_size=8, epochs=5, verbose=0, shuffle=False,
                          callbacks=[C.BackupAndRestore(backup_dir)])
    assert history.epoch == [3, 4]
    for got, want in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    for got, want in zip(resumed.optimizer.variables, reference.optimizer.variables):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-7)
    assert not os.path.exists(backup_dir)
