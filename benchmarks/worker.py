"""One benchmark side in its own process: ``python -m benchmarks.worker '<json spec>'``.

The runner starts one worker per side (lamina / raw / keras) and workload, then sends it
one JSON command per line on stdin; the worker answers one JSON line per command on
its original stdout. Anything the libraries print goes to stderr, so it cannot corrupt
the answers. Only one worker computes at a time: the others wait on their stdin.
"""

from __future__ import annotations

import gc
import json
import math
import os
import resource
import sys
import time
import traceback

import numpy as np


def current_rss_mb() -> float | None:
    """Resident set size of this process in MiB (None where it cannot be read)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        return None


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


class Worker:
    """Data, a side, and the timed commands."""

    def __init__(self, spec: dict):
        from benchmarks import workloads
        from benchmarks.sides import make_side

        self.spec = spec
        self.wl = wl = workloads.load(spec["workload"])
        self.cfg = cfg = spec["settings"]
        backend, threads = spec["backend"], spec.get("threads")
        t = time.perf_counter()
        self.side = make_side(spec["side"], backend, wl, spec["seed"])
        self.import_s = time.perf_counter() - t
        if backend == "torch" and threads:
            import torch  # the side imported it already; same thread count for every torch side

            torch.set_num_threads(int(threads))
        seed, batch = spec["seed"], wl.BATCH
        self.skip = cfg["round_skip"]
        x_first, y_first = wl.make_data(cfg["first_epoch_steps"] * batch, seed + 1)
        x_train, y_train = wl.make_data((self.skip + cfg["train_steps"]) * batch, seed + 2)
        x_eval, y_eval = wl.make_data(cfg["eval_samples"], seed + 3)
        x_loop, y_loop = wl.make_data(cfg["fit_loop_steps"] * batch, seed + 4)
        # Warm-up evaluates on one full batch plus the remainder, so every batch shape is compiled.
        n_warm = min(len(x_eval), batch + len(x_eval) % batch)
        px, py = self.side.prepare_x, self.side.prepare_y
        self.first = px(x_first), py(y_first)
        self.train = px(x_train), py(y_train)
        self.eval = px(x_eval), py(y_eval)
        self.warm = px(x_eval[:n_warm]), py(y_eval[:n_warm])
        self.loop = px(x_loop), py(y_loop)
        self.one = px(x_eval[:1])
        self.batch = px(x_eval[:batch])
        self.n_eval = len(x_eval)

    # ------------------------------------------------------------------ commands
    def cmd_first_epoch(self) -> dict:
        """Build, compile and train one epoch on a fresh model: tracing and compilation included."""
        t = time.perf_counter()
        self.side.build()
        _, loss = self.side.fit_epoch(*self.first)
        return {"seconds": time.perf_counter() - t, "loss": loss}

    def cmd_warmup(self) -> dict:
        """Untimed: a few training steps, and every evaluate/predict shape once."""
        _, loss = self.side.fit_epoch(*self.train)
        self.side.evaluate(*self.warm)
        self.side.predict(self.warm[0])
        self.side.predict(self.batch)
        for _ in range(3):
            self.side.predict_one(self.one)
        return {"loss": loss}

    def cmd_train(self) -> dict:
        """One fit call; the time per step after the first ``round_skip`` steps, to the end of the call."""
        t0, loss = self.side.fit_epoch(*self.train, timer_from=self.skip)
        t1 = time.perf_counter()
        if t0 is None:
            raise RuntimeError("the step timer never fired")
        return {"step_ms": (t1 - t0) / self.cfg["train_steps"] * 1e3, "loss": loss}

    def cmd_evaluate(self) -> dict:
        t = time.perf_counter()
        loss = self.side.evaluate(*self.eval)
        dt = time.perf_counter() - t
        return {"seconds": dt, "samples_per_s": self.n_eval / dt, "loss": loss}

    def cmd_predict(self) -> dict:
        t = time.perf_counter()
        out = self.side.predict(self.eval[0])
        dt = time.perf_counter() - t
        if tuple(np.shape(out)) != (self.n_eval, self.wl.CLASSES):
            raise RuntimeError(f"predict returned shape {np.shape(out)}, expected {(self.n_eval, self.wl.CLASSES)}")
        return {"seconds": dt, "samples_per_s": self.n_eval / dt}

    def cmd_predict1(self) -> dict:
        times = []
        for _ in range(self.cfg["predict1_calls"]):
            t = time.perf_counter()
            self.side.predict_one(self.one)
            times.append((time.perf_counter() - t) * 1e3)
        return {"ms": times}

    def cmd_peak_rss(self) -> dict:
        return {"mb": peak_rss_mb()}

    def _growth(self, calls: int, fn) -> dict:
        """RSS and live Python objects after the second call vs after the last call."""
        rss = []
        base_rss = base_objects = None
        for i in range(calls):
            fn()
            if i == 1:
                gc.collect()
                base_rss, base_objects = current_rss_mb(), len(gc.get_objects())
            rss.append(current_rss_mb())
        gc.collect()
        final_rss, final_objects = current_rss_mb(), len(gc.get_objects())
        out = {"rss_mb": rss, "objects_growth": final_objects - base_objects}
        if base_rss is not None and final_rss is not None:
            out.update(growth_mb=final_rss - base_rss, growth_pct=(final_rss - base_rss) / base_rss * 100)
        return out

    def cmd_fit_loop(self) -> dict:
        return self._growth(self.cfg["fit_loop_calls"], lambda: self.side.fit_epoch(*self.loop))

    def cmd_predict_loop(self) -> dict:
        return self._growth(self.cfg["predict_loop_calls"], lambda: self.side.predict(self.batch))


def _answer_channel():
    """The original stdout, for answers; fd 1 then points at stderr so library prints go there."""
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    return channel


def _send(channel, payload: dict) -> None:
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return repr(v)
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if isinstance(v, (np.floating, np.integer)):
            return clean(v.item())
        return v

    channel.write(json.dumps(clean(payload)) + "\n")
    channel.flush()


def limit_cores(threads) -> None:
    """Pin this process to its first ``threads`` usable cores (before any framework starts its thread
    pools), so every side, JAX's included, computes on the same cores."""
    if not threads or not hasattr(os, "sched_setaffinity"):
        return
    cores = sorted(os.sched_getaffinity(0))
    if int(threads) < len(cores):
        os.sched_setaffinity(0, cores[:int(threads)])


def main(argv=None) -> int:
    from benchmarks.sides import Unavailable

    argv = sys.argv[1:] if argv is None else argv
    spec = json.loads(argv[0])
    channel = _answer_channel()
    limit_cores(spec.get("threads"))
    try:
        worker = Worker(spec)
    except Unavailable as e:
        _send(channel, {"ok": False, "unavailable": str(e)})
        return 0
    except Exception as e:  # noqa: BLE001 - reported to the runner, which shows it
        _send(channel, {"ok": False, "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()})
        return 1
    _send(channel, {"ok": True, "ready": True, "import_s": worker.import_s, "pid": os.getpid()})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        command = json.loads(line)["cmd"]
        if command == "exit":
            break
        try:
            result = getattr(worker, f"cmd_{command}")()
            _send(channel, {"ok": True, **result})
        except Unavailable as e:
            _send(channel, {"ok": False, "unavailable": str(e)})
        except Exception as e:  # noqa: BLE001
            _send(channel, {"ok": False, "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
