"""Temporary files of saves killed midway (SIGKILL) are removed by the next save of the same target.

The children run lamina/saving/file_safety.py alone (it needs only the standard
library and NumPy), so each costs a bare Python start, not a lamina import.
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import file_safety as fs

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process liveness is checked with POSIX signals")

# A child that starts an atomic save of argv[1], writes half a file, then either kills itself with SIGKILL
# (argv[2] == "kill") or reports its temporary file and waits for stdin to close (argv[2] == "wait").
CHILD = r"""
import importlib.util, os, signal, sys
spec = importlib.util.spec_from_file_location("fs", sys.argv[3])
fs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fs)
with fs.atomic_write(sys.argv[1]) as tmp:
    with open(tmp, "wb") as f:
        f.write(b"half a model")
    print(tmp, flush=True)
    if sys.argv[2] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    sys.stdin.read()
"""


def _child(target, mode):
    return subprocess.Popen([sys.executable, "-c", CHILD, str(target), mode, fs.__file__],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _model():
    return lamina.Sequential([lamina.Input((3,)), layers.Dense(2)])


def _temps(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith(".tmp"))


def test_killed_save_leaves_a_temp_file_that_the_next_save_removes(tmp_path):
    target = tmp_path / "m.keras"
    child = _child(target, "kill")
    tmp = child.stdout.readline().strip()
    assert child.wait(timeout=60) == -signal.SIGKILL
    assert os.path.exists(tmp) and not target.exists()
    assert os.path.basename(tmp).startswith(".m.keras.")

    model = _model()
    model.save(target)  # the dead child's file goes; the save itself leaves none
    assert not os.path.exists(tmp)
    assert _temps(tmp_path) == []
    restored = lamina.models.load_model(target)
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(restored(x)), lamina.ops.convert_to_numpy(model(x)))


def test_a_live_process_temp_file_is_never_removed(tmp_path):
    target = tmp_path / "w.weights.h5"
    child = _child(target, "wait")
    try:
        tmp = child.stdout.readline().strip()
        assert os.path.exists(tmp)
        model = _model()
        model.save_weights(target)
        assert fs.remove_stale_temp_files(target) == []
        assert os.path.exists(tmp), "the temporary file of a process still saving was deleted"
        assert target.exists()
    finally:
        child.stdin.close()  # the child finishes its own save and replaces the target
        assert child.wait(timeout=60) == 0
    assert not os.path.exists(tmp)
    assert _temps(tmp_path) == []


def test_only_dead_owners_on_this_host_lose_their_files(tmp_path):
    target = tmp_path / "m.h5"
    host, me = fs._host_tag(), os.getpid()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    parent = os.getppid()
    names = {
        "dead": f".m.h5.{host}.{dead.pid}.{fs._process_start(dead.pid)}.aaaa0001.lamina.tmp",
        # a live pid whose start time differs: the id was reused, the writer is gone
        "reused": f".m.h5.{host}.{parent}.1.aaaa0002.lamina.tmp",
        "mine": f".m.h5.{host}.{me}.{fs._process_start(me)}.aaaa0003.lamina.tmp",  # another thread's save
        "live": f".m.h5.{host}.{parent}.{fs._process_start(parent)}.aaaa0004.lamina.tmp",
        "other_host": f".m.h5.0000beef.{dead.pid}.0.aaaa0005.lamina.tmp",
        "other_target": f".n.h5.{host}.{dead.pid}.0.aaaa0006.lamina.tmp",
        "not_ours": ".m.h5.notes.tmp",
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b"x")
    start = time.monotonic()
    removed = fs.remove_stale_temp_files(target)
    assert time.monotonic() - start < 5
    assert sorted(os.path.basename(p) for p in removed) == sorted([names["dead"], names["reused"]])
    left = set(os.listdir(tmp_path))
    for key in ("mine", "live", "other_host", "other_target", "not_ours"):
        assert names[key] in left, key


def test_temp_names_record_the_writer():
    path = fs.temp_path_for("/some/dir/model.keras")
    name = os.path.basename(path)
    assert os.path.dirname(path) == "/some/dir"
    host, pid, start = fs._temp_owner(name, "model.keras")
    assert (host, pid) == (fs._host_tag(), os.getpid())
    assert start == fs._process_start(os.getpid())
    assert fs.temp_path_for("/some/dir/model.keras") != path
    assert fs._temp_owner(name, "other.keras") is None
