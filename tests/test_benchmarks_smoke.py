"""The benchmark harness does not rot: every workload still builds and trains one tiny step on
the current backend (lamina, and the hand-written loop of the same framework), and the report
renders its tables and keeps hand-written text in docs/benchmarks.md. No timing is asserted."""

import math

import numpy as np
import pytest

import lamina
from benchmarks import report, workloads
from benchmarks.settings import MODES, settings_for
from benchmarks.sides import KerasAPISide, Unavailable, make_side

BACKEND = lamina.config.backend()
needs_training = pytest.mark.skipif(BACKEND != "torch",
                                    reason="smoke-tested once, in the torch run (each side is a separate process; jax model builds are slow on CI)")


def _shorten(wl, monkeypatch):
    """Smaller versions, so compiling them is quick: sequences of 8 tokens, a one-block ResNet
    (the builders read these module constants when called)."""
    if hasattr(wl, "LENGTH"):
        monkeypatch.setattr(wl, "LENGTH", 8)
    if hasattr(wl, "STAGES"):
        monkeypatch.setattr(wl, "STAGES", ((16, 2),))  # few distinct weight shapes: few compiles
    return wl


def _tiny_run(side, wl):
    x, y = wl.make_data(6, seed=0)
    px, py = side.prepare_x(x), side.prepare_y(y)
    side.build()
    t0, loss = side.fit_epoch(px, py, timer_from=0)
    assert t0 is not None and math.isfinite(loss)
    # One compiled shape only (jax compiles each): evaluate and predict_one run the same code paths.
    assert np.shape(side.predict(px)) == (6, wl.CLASSES)


@needs_training
@pytest.mark.parametrize("name", workloads.NAMES)
def test_lamina_workload_trains_a_step(name, monkeypatch):
    wl = _shorten(workloads.load(name), monkeypatch)
    try:
        side = KerasAPISide(lamina, "lamina", wl, seed=0)
        _tiny_run(side, wl)
    except Unavailable as e:
        pytest.skip(str(e))


@needs_training
@pytest.mark.parametrize("name", workloads.NAMES)
def test_raw_workload_trains_a_step(name, monkeypatch):
    wl = _shorten(workloads.load(name), monkeypatch)
    _tiny_run(make_side("raw", BACKEND, wl, seed=0), wl)


def test_workload_definitions_are_complete():
    for name in workloads.NAMES:
        wl = workloads.load(name)
        for attr in ("TITLE", "BATCH", "CLASSES", "LAYERS", "TORCH_CHANNELS_FIRST", "make_data",
                     "build_keras", "build_torch", "build_jax"):
            assert hasattr(wl, attr), f"{name} lacks {attr}"
        x, y = wl.make_data(3, seed=1)
        assert len(x) == len(y) == 3 and y.max() < wl.CLASSES
        assert set(settings_for("quick", wl)) == set(MODES["quick"])
    with pytest.raises(ValueError, match="Unknown benchmark workload"):
        workloads.load("nope")


def _fake_results():
    cfg = settings_for("quick")
    values = {
        "lamina": {"train_step_ms": [4.0, 4.2, 4.1], "predict1_ms": [0.5, 0.6], "fit_rss_growth_pct": [7.0],
                   "fit_objects_growth": [3], "evaluate_sps": [800.0]},
        "raw": {"train_step_ms": [4.0, 4.0, 4.0], "predict1_ms": [0.5, 0.5], "fit_rss_growth_pct": [0.1],
                "fit_objects_growth": [0], "evaluate_sps": [1000.0]},
    }
    meta = report.machine_info("quick", 2, "--quick")
    meta.update(duration_s=60, loadavg_end=None)
    return {"meta": meta,
            "imports": {"torch": {"seconds": {"lamina": [0.9], "raw": [0.5]}, "errors": {},
                                  "modules": {"lamina": "lamina", "raw": "torch"}}},
            "workloads": {"torch": {
                "mlp": {"title": "MLP", "status": "ok", "settings": cfg, "values": values, "losses": {},
                        "errors": {}},
                "lstm": {"title": "LSTM", "status": "skipped: lamina.layers.LSTM: layer not available yet",
                         "settings": cfg, "values": {}, "losses": {}, "errors": {}}}}}


def test_report_marks_targets(tmp_path):
    text = report.markdown(_fake_results(), note="preliminary")
    assert "preliminary" in text
    rows = {line.split("|")[2].strip(): line for line in text.splitlines() if line.startswith("| mlp |")}
    step = rows["train step, steady state (ms)"]
    assert "1.02x" in step and "| met |" in step  # 4.1 / 4.0 <= 1.05
    assert "**NOT met**" in rows["RSS growth, calls 2..20 of fit (%)"]  # 7 % >= 5 %
    assert "0.80x" in rows["evaluate 2,000 (samples/s)"] and "**NOT met**" in rows["evaluate 2,000 (samples/s)"]
    assert "layer not available yet" in text
    assert "| torch | 0.900 | 0.500" in text and "+0.40" in text and "**NOT met**" in text.split("### torch")[0]

    doc = tmp_path / "benchmarks.md"
    report.write_doc(doc, text)
    doc.write_text(doc.read_text().replace("_To be written", "Hand-written analysis. _To be written"))
    report.write_doc(doc, "| new table |\n")
    written = doc.read_text()
    assert "Hand-written analysis." in written and "| new table |" in written and "preliminary" not in written
