"""CSVLogger, TensorBoard and RemoteMonitor: what they write, read back."""

import http.server
import json
import os
import threading
import urllib.parse

import numpy as np
import pytest

import lamina
from lamina import callbacks as C
from tests.callbacks.conftest import tiny_data, tiny_model
from tests.conftest import requires_training


def _drive_csv(cb, epochs_logs):
    cb.on_train_begin()
    for epoch, logs in enumerate(epochs_logs):
        cb.on_epoch_end(epoch, dict(logs))
    cb.on_train_end()


CSV_RUNS = [
    [{"loss": 0.5, "acc": 0.25}, {"loss": 0.125, "acc": 0.75}],
    [{"loss": 0.5, "val_loss": 0.625, "mae": 1.5, "val_mae": 2.0}],
    [{"loss": np.float32(0.1), "per_class": np.array([0.5, 0.25])}, {"loss": 0.2}],
]


@pytest.mark.parametrize("separator", [",", ";"])
@pytest.mark.parametrize("run", range(len(CSV_RUNS)))
def test_csv_logger_writes_what_keras_writes(keras, tmp_path, run, separator):
    for append in (False, True):
        ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
        for _ in range(2 if append else 1):
            _drive_csv(C.CSVLogger(str(ours), separator=separator, append=append), CSV_RUNS[run])
            _drive_csv(keras.callbacks.CSVLogger(str(theirs), separator=separator, append=append), CSV_RUNS[run])
        assert ours.read_bytes() == theirs.read_bytes()


@requires_training
def test_csv_logger_rows_match_history_and_append(tmp_path):
    x, y = tiny_data()
    path = tmp_path / "log.csv"
    model = tiny_model()
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, validation_data=(x, y),
                        callbacks=[C.CSVLogger(str(path))])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,loss,mae,val_loss,val_mae"
    for epoch, line in enumerate(lines[1:]):
        cells = line.split(",")
        assert int(cells[0]) == epoch
        for key, cell in zip(["loss", "mae", "val_loss", "val_mae"], cells[1:]):
            assert float(cell) == history.history[key][epoch]
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[C.CSVLogger(str(path), append=True)])
    lines = path.read_text().splitlines()
    assert len(lines) == 4 and lines[0].startswith("epoch") and lines[3].startswith("0,")
    assert lines[3].endswith(",NA,NA")  # no validation in this run: val_ columns are NA


def _read_events(folder):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    acc = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    acc.Reload()
    out = {}
    for tag in acc.Tags()["tensors"]:
        out[tag] = [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]
    plugins = {tag: acc.SummaryMetadata(tag).plugin_data.plugin_name for tag in out}
    return out, plugins


@requires_training
def test_tensorboard_event_files_read_back(tmp_path):
    x, y = tiny_data(16)
    model = tiny_model(optimizer=lamina.optimizers.SGD(0.05))
    tb = C.TensorBoard(log_dir=str(tmp_path), histogram_freq=1, update_freq=3)
    history = model.fit(x, y, batch_size=4, epochs=3, verbose=0, validation_data=(x[:8], y[:8]), callbacks=[tb])
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    assert all(f.startswith("events.out.tfevents.") for f in os.listdir(tmp_path / "train"))

    train, plugins = _read_events(tmp_path / "train")
    for name in ("loss", "mae"):
        steps, values = zip(*train[f"epoch_{name}"])
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, history.history[name], rtol=1e-6)
        assert plugins[f"epoch_{name}"] == "scalars"
    steps, values = zip(*train["epoch_learning_rate"])
    assert steps == (0, 1, 2)
    np.testing.assert_allclose(values, 0.05, rtol=1e-6)
    # update_freq=3 over 12 batches: batch scalars at global batches 3, 6, 9, 12.
    assert [s for s, _ in train["batch_loss"]] == [3, 6, 9, 12]
    # Weight histograms, one per weight per epoch; the last one describes the final weights.
    weights = {w.path: w.numpy() for w in model.weights}
    for path, value in weights.items():
        hist = train[f"{path}/histogram"]
        assert [s for s, _ in hist] == [0, 1, 2] and plugins[f"{path}/histogram"] == "histograms"
        buckets = hist[-1][1]
        assert buckets.shape == (30, 3) and buckets[:, 2].sum() == value.size
        np.testing.assert_allclose([buckets[0, 0], buckets[-1, 1]], [value.min(), value.max()], rtol=1e-6)
    assert plugins["keras"] == "graph_keras_model"
    assert json.loads(train["keras"][0][1].item())["class_name"] == "Sequential"

    val, _ = _read_events(tmp_path / "validation")
    for name in ("loss", "mae"):
        steps, values = zip(*val[f"epoch_{name}"])
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, history.history[f"val_{name}"], rtol=1e-6)
    assert not any(tag.startswith("epoch_val_") for tag in val)


@requires_training
def test_tensorboard_evaluate_writes_vs_iterations(tmp_path):
    x, y = tiny_data(16)
    model = tiny_model()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    result = model.evaluate(x, y, verbose=0, return_dict=True, callbacks=[C.TensorBoard(str(tmp_path))])
    val, _ = _read_events(tmp_path / "validation")
    assert [s for s, _ in val["evaluation_loss_vs_iterations"]] == [2]  # the optimizer's step count
    np.testing.assert_allclose(val["evaluation_loss_vs_iterations"][0][1], result["loss"], rtol=1e-6)


def test_tensorboard_arguments(tmp_path):
    with pytest.raises(ValueError, match="profiling"):
        C.TensorBoard(str(tmp_path), profile_batch=2)
    with pytest.raises(ValueError, match="update_freq"):
        C.TensorBoard(str(tmp_path), update_freq="hourly")
    assert C.TensorBoard(str(tmp_path), update_freq="batch").update_freq == 1


def test_tensorboard_import_is_lazy_with_a_clear_error(monkeypatch):
    import subprocess
    import sys

    code = "import sys, lamina.callbacks; print('tensorboard' in sys.modules)"
    env = dict(os.environ, LAMINA_BACKEND="numpy")  # the cheapest backend to import
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "False"
    monkeypatch.setitem(sys.modules, "tensorboard.summary.writer.event_file_writer", None)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        C.TensorBoard("logs")


class _Collector(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.received.append((self.path, self.headers["Content-Type"], self.headers.get("X-Run"), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Collector.received = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", _Collector.received
    httpd.shutdown()
    httpd.server_close()


def test_remote_monitor_posts_epoch_logs(server):
    root, received = server
    logs = {"loss": 0.5, "acc": np.float32(0.25), "vec": np.array([1.0, 2.0])}
    C.RemoteMonitor(root=root, path="/ep/", headers={"X-Run": "r1"}).on_epoch_end(0, dict(logs))
    C.RemoteMonitor(root=root, send_as_json=True).on_epoch_end(1, dict(logs))
    (path1, type1, run1, body1), (path2, type2, _, body2) = received
    assert (path1, type1, run1) == ("/ep/", "application/x-www-form-urlencoded", "r1")
    expected = {"epoch": 0, "loss": 0.5, "acc": 0.25, "vec": [1.0, 2.0]}
    assert json.loads(urllib.parse.parse_qs(body1)["data"][0]) == expected
    assert (path2, type2) == ("/publish/epoch/end/", "application/json")
    assert json.loads(body2) == dict(expected, epoch=1)


@requires_training
def test_remote_monitor_during_fit_and_unreachable_server(server):
    root, received = server
    x, y = tiny_data(8)
    history = tiny_model().fit(x, y, epochs=2, verbose=0, callbacks=[C.RemoteMonitor(root=root, send_as_json=True)])
    sent = [json.loads(r[3]) for r in received]
    assert [s["epoch"] for s in sent] == [0, 1]
    assert [s["loss"] for s in sent] == history.history["loss"]
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor"):
        C.RemoteMonitor(root="http://127.0.0.1:1").on_epoch_end(0, {"loss": 1.0})
