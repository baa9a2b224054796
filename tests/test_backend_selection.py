"""Backend selection order and errors, checked in fresh interpreters."""

import json
import subprocess
import sys

import pytest


def _backend_in_subprocess(env_overrides, home):
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("LAMINA_BACKEND", "KERAS_BACKEND")}
    env["LAMINA_HOME"] = str(home)
    env.update(env_overrides)
    code = "import lamina, sys; print(lamina.config.backend(), 'torch' in sys.modules, 'jax' in sys.modules)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


def test_lamina_backend_env_wins_over_keras_backend(tmp_path):
    r = _backend_in_subprocess({"LAMINA_BACKEND": "numpy", "KERAS_BACKEND": "torch"}, tmp_path)
    assert r.stdout.split() == ["numpy", "False", "False"], r.stderr


def test_keras_backend_env_is_honoured(tmp_path):
    r = _backend_in_subprocess({"KERAS_BACKEND": "jax"}, tmp_path)
    assert r.stdout.split()[:1] == ["jax"], r.stderr
    assert r.stdout.split()[1] == "False", "importing lamina on jax must not import torch"


def test_config_file_is_read(tmp_path):
    (tmp_path / "lamina.json").write_text(json.dumps({"backend": "numpy"}))
    r = _backend_in_subprocess({}, tmp_path)
    assert r.stdout.split()[0] == "numpy", r.stderr


def test_auto_detect_prefers_torch(tmp_path):
    r = _backend_in_subprocess({}, tmp_path)
    assert r.stdout.split()[0] == "torch", r.stderr


@pytest.mark.parametrize("name", ["tensorflw", "cupy"])
def test_unknown_backend_is_a_clear_error(tmp_path, name):
    r = _backend_in_subprocess({"LAMINA_BACKEND": name}, tmp_path)
    assert r.returncode != 0
    assert f"Unknown backend '{name}'" in r.stderr
    assert "installed here" in r.stderr and "torch" in r.stderr
