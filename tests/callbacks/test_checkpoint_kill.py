"""ModelCheckpoint under SIGKILL: a process killed in the middle of a save leaves a checkpoint that loads.

A child process (torch backend) fits a small model and saves a ``.keras`` checkpoint after
every batch; the test kills it with SIGKILL at a random moment while it keeps saving, then
loads what is left. Saving writes a temporary file and renames it over the target, so the
target is always a complete archive, and leftover temporary files never match the target.
"""

import importlib.util
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import lamina

pytestmark = pytest.mark.skipif(
    lamina.config.backend() != "torch" or not hasattr(signal, "SIGKILL"),
    reason="runs once, in the torch test run (the child process trains with LAMINA_BACKEND=torch); needs SIGKILL")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    import lamina
    from lamina import layers

    path = sys.argv[1]

    class Progress(lamina.callbacks.Callback):
        # Runs after ModelCheckpoint in the list: one line per finished save.
        def on_train_batch_end(self, batch, logs=None):
            print("saved", flush=True)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 64)).astype("float32")
    y = x[:, :1] * 2.0
    model = lamina.Sequential([lamina.Input((64,)), layers.Dense(512, activation="relu"),
                               layers.Dense(256, activation="relu"), layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.Adam(1e-3), loss="mse")
    print("ready", flush=True)
    model.fit(x, y, batch_size=8, epochs=100000, verbose=0,
              callbacks=[lamina.callbacks.ModelCheckpoint(path, save_freq=1), Progress()])
""")


def _temp_files(directory):
    return {n for n in os.listdir(directory) if n.endswith(".tmp")}


def _wait_for_new_temp_file(directory, known, timeout=10.0):
    """Poll until a save's temporary file (not among ``known``) appears: a save is under way."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if _temp_files(directory) - known:
            return True
    return False


def _run_and_kill(script, ckpt, rng, min_saves, mid_write):
    """Start the child, wait for ``min_saves`` finished saves, then SIGKILL it: after a random delay, or
    (``mid_write``) as soon as a later save has created its temporary file, i.e. while it is writing."""
    env = dict(os.environ, LAMINA_BACKEND="torch", PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, script, ckpt], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=ROOT, text=True)
    saves = []
    done = threading.Event()

    def read():
        for line in proc.stdout:
            if line.strip() == "saved":
                saves.append(time.monotonic())
                if len(saves) >= min_saves:
                    done.set()
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not done.wait(timeout=60) or len(saves) < min_saves:
            proc.kill()
            err = proc.stderr.read()
            pytest.fail(f"the checkpointing child stopped before {min_saves} saves (exit {proc.wait()}):\n{err[-3000:]}")
        if mid_write:
            directory = os.path.dirname(ckpt)
            known = _temp_files(directory)
            assert _wait_for_new_temp_file(directory, known), "no save of the child was seen writing"
            time.sleep(rng.uniform(0.0, 0.002))
        else:
            time.sleep(rng.uniform(0.0, 0.25))  # a random moment among later saves
        assert proc.poll() is None, "the child exited on its own; it should still be training"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
    return len(saves)


def test_checkpoint_survives_sigkill_during_saves(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    ckpt_dir = tmp_path / "ckpt"
    ckpt_dir.mkdir()
    ckpt = str(ckpt_dir / "model.keras")
    rng = random.Random(1234)
    x = np.random.default_rng(1).normal(size=(4, 64)).astype("float32")
    previous_mtime = None
    for round_, mid_write in enumerate([True, False, True]):
        saves = _run_and_kill(str(script), ckpt, rng, min_saves=3, mid_write=mid_write)
        assert saves >= 3
        mtime = os.path.getmtime(ckpt)
        if previous_mtime is not None:
            assert mtime >= previous_mtime  # each round rewrote the same target

        previous_mtime = mtime
        model = lamina.models.load_model(ckpt)
        assert [l.name for l in model.layers] == ["dense", "dense_1", "dense_2"]
        out = lamina.ops.convert_to_numpy(model(x))
        assert out.shape == (4, 1) and np.all(np.isfinite(out))
        assert model.optimizer is not None and int(lamina.ops.convert_to_numpy(model.optimizer.iterations)) >= 1

        # Whatever a killed save left behind is a hidden temporary file of atomic_write, never a
        # second file that the checkpoint's own name (or ModelCheckpoint's latest-file lookup) matches.
        names = sorted(os.listdir(ckpt_dir))
        assert "model.keras" in names
        leftovers = [n for n in names if n != "model.keras"]
        assert all(n.startswith(".model.keras.") and n.endswith(".tmp") for n in leftovers), names
        assert len(leftovers) <= round_ + 1, names  # at most one interrupted save per kill
        cb = lamina.callbacks.ModelCheckpoint(ckpt)
        assert cb._get_most_recently_modified_file_matching_pattern(ckpt) == ckpt
        pattern = lamina.callbacks.ModelCheckpoint(str(ckpt_dir / "model{epoch}.keras"))
        assert pattern._get_most_recently_modified_file_matching_pattern(str(ckpt_dir / "model{epoch}.keras")) == ckpt
