"""Run the benchmark matrix: ``python -m benchmarks.run [--quick] [--workloads ...] [--backends ...]``.

For each backend and workload, one worker process per side (lamina, the hand-written
raw-framework loop, real Keras 3) is started; the sides then take turns (A B C, C B A, ...)
on every measurement, so drift on the machine hits them alike. Import time is measured in
fresh interpreters. The result is printed as a markdown table, and with ``--write`` put into
docs/benchmarks.md (between its generated-section markers) with the machine description.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import report, workloads
from benchmarks.settings import settings_for

ROOT = Path(__file__).resolve().parent.parent
SIDES = ("lamina", "raw", "keras")
BACKENDS = ("torch", "jax")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def side_env(side: str, backend: str, threads: int | None) -> dict:
    """The environment of a worker or import probe: the backend selection and the thread settings."""
    env = dict(os.environ)
    env.pop("LAMINA_BACKEND", None)
    env.pop("KERAS_BACKEND", None)
    if side == "lamina":
        env["LAMINA_BACKEND"] = backend
    elif side == "keras":
        env["KERAS_BACKEND"] = backend
    env["PYTHONHASHSEED"] = "0"
    if threads:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[var] = str(threads)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + path if path else "")
    return env


class SideProcess:
    """A running worker (benchmarks.worker) for one side, spoken to in JSON lines."""

    def __init__(self, side: str, backend: str, workload: str, settings: dict, seed: int, threads):
        self.side = side
        spec = {"side": side, "backend": backend, "workload": workload, "settings": settings,
                "seed": seed, "threads": threads}
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.worker", json.dumps(spec)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                     env=side_env(side, backend, threads), cwd=ROOT, text=True, bufsize=1)

    def read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            return {"ok": False, "error": f"worker exited with code {self.proc.returncode}",
                    "traceback": self.stderr_tail()}
        return json.loads(line)

    def call(self, command: str) -> dict:
        try:
            self.proc.stdin.write(json.dumps({"cmd": command}) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return {"ok": False, "error": "worker is gone", "traceback": self.stderr_tail()}
        return self.read()

    def stderr_tail(self, lines: int = 15) -> str:
        self.stderr.seek(0)
        return "".join(self.stderr.readlines()[-lines:])

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write('{"cmd": "exit"}\n')
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
            except (BrokenPipeError, OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def measure_imports(backend: str, sides: list, runs: int, threads) -> dict:
    """Seconds to import each side's library in a fresh interpreter, interleaved."""
    modules = {"lamina": "lamina", "raw": backend, "keras": "keras"}
    out: dict = {s: [] for s in sides}
    errors: dict = {}
    # An installed package comes with its bytecode compiled (pip does it, as it did for torch, jax and
    # keras). lamina is installed editable here, and with PYTHONDONTWRITEBYTECODE set every import would
    # recompile its sources: compile them once, as an install would, so like is compared with like.
    import compileall

    compileall.compile_dir(str(ROOT / "lamina"), quiet=1)
    for r in range(runs):
        for side in (sides if r % 2 == 0 else sides[::-1]):
            if side in errors:
                continue
            code = (f"import time; t = time.perf_counter(); import {modules[side]}; "
                    "print(time.perf_counter() - t)")
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  env=side_env(side, backend, threads), cwd=ROOT, timeout=300)
            try:
                out[side].append(float(_last_line(proc.stdout)))
            except ValueError:
                errors[side] = _last_line(proc.stderr) or f"exit code {proc.returncode}"
                log(f"[{backend}] import {modules[side]} failed: {errors[side]}")
    return {"seconds": out, "errors": errors, "modules": modules}


class WorkloadRun:
    """All measurements of one workload on one backend."""

    def __init__(self, backend: str, name: str, sides: list, mode: str, seed: int, threads):
        self.backend, self.name, self.sides, self.seed, self.threads = backend, name, list(sides), seed, threads
        self.wl = workloads.load(name)
        self.cfg = settings_for(mode, self.wl)
        self.result = {"title": self.wl.TITLE, "status": "ok", "settings": self.cfg,
                       "values": {s: {} for s in self.sides}, "losses": {s: [] for s in self.sides},
                       "errors": {}}
        self.procs: dict = {}

    def tag(self) -> str:
        return f"[{self.backend}/{self.name}]"

    def add(self, side: str, key: str, values) -> None:
        self.result["values"][side].setdefault(key, []).extend(values if isinstance(values, list) else [values])

    def fail(self, side: str, answer: dict) -> None:
        msg = answer.get("unavailable") or answer.get("error") or "unknown error"
        self.result["errors"][side] = msg
        if answer.get("unavailable"):
            self.result.setdefault("unavailable", {})[side] = msg
        log(f"{self.tag()} {side} failed: {msg}")
        if answer.get("traceback"):
            log("    " + answer["traceback"].strip().replace("\n", "\n    "))
        proc = self.procs.pop(side, None)
        if proc is not None:
            proc.close()

    def alive(self, reverse: bool = False) -> list:
        order = [s for s in self.sides if s in self.procs]
        return order[::-1] if reverse else order

    def each(self, command: str, reverse: bool = False) -> dict:
        """``command`` on every live side in turn; failed sides are dropped."""
        answers = {}
        for side in self.alive(reverse):
            answer = self.procs[side].call(command)
            if not answer.get("ok"):
                self.fail(side, answer)
                continue
            answers[side] = answer
            if "loss" in answer:
                self.result["losses"][side].append(answer["loss"])
        return answers

    def run(self) -> dict:
        cfg = self.cfg
        try:
            for gen in range(cfg["generations"]):
                if not self._generation(gen):
                    break
        finally:
            for proc in self.procs.values():
                proc.close()
            self.procs = {}
        return self.result

    def _start(self) -> bool:
        for side in self.sides:
            if side in self.result["errors"]:
                continue
            t = time.perf_counter()
            proc = SideProcess(side, self.backend, self.name, self.cfg, self.seed, self.threads)
            answer = proc.read()
            if not answer.get("ok"):
                self.procs[side] = proc
                self.fail(side, answer)
                if self._lamina_unavailable():
                    return False
                continue
            self.procs[side] = proc
            log(f"{self.tag()} {side} worker ready ({time.perf_counter() - t:.1f} s)")
        return "lamina" in self.procs or "lamina" not in self.sides

    def _lamina_unavailable(self) -> bool:
        """Whether lamina cannot run this workload yet; then the workload is skipped with that reason."""
        reason = self.result.get("unavailable", {}).get("lamina")
        if reason is None:
            return False
        self.result["status"] = f"skipped: {reason}"
        log(f"{self.tag()} SKIPPED: {reason}")
        return True

    def _generation(self, gen: int) -> bool:
        cfg = self.cfg
        if not self._start():
            return False
        t = time.perf_counter()
        for side, a in self.each("first_epoch", reverse=gen % 2 == 1).items():
            self.add(side, "first_epoch_s", a["seconds"])
        if self._lamina_unavailable():
            return False
        self.each("warmup")
        for r in range(cfg["train_rounds"]):
            for side, a in self.each("train", reverse=r % 2 == 1).items():
                self.add(side, "train_step_ms", a["step_ms"])
        for r in range(cfg["eval_rounds"]):
            for side, a in self.each("evaluate", reverse=r % 2 == 1).items():
                self.add(side, "evaluate_sps", a["samples_per_s"])
            for side, a in self.each("predict", reverse=r % 2 == 0).items():
                self.add(side, "predict_sps", a["samples_per_s"])
        for r in range(cfg["predict1_rounds"]):
            for side, a in self.each("predict1", reverse=r % 2 == 1).items():
                self.add(side, "predict1_ms", a["ms"])
        for side, a in self.each("peak_rss").items():
            self.add(side, "peak_rss_mb", a["mb"])
        for side, a in self.each("fit_loop").items():
            if "growth_pct" in a:
                self.add(side, "fit_rss_growth_pct", a["growth_pct"])
            self.add(side, "fit_objects_growth", a["objects_growth"])
        for side, a in self.each("predict_loop").items():
            if "growth_mb" in a:
                self.add(side, "predict_rss_growth_mb", a["growth_mb"])
            self.add(side, "predict_objects_growth", a["objects_growth"])
        for proc in self.procs.values():
            proc.close()
        self.procs = {}
        step = {s: v.get("train_step_ms") for s, v in self.result["values"].items()}
        summary = ", ".join(f"{s} {report.median(v):.2f} ms" for s, v in step.items() if v)
        log(f"{self.tag()} generation {gen + 1}/{cfg['generations']} done in {time.perf_counter() - t:.0f} s; "
            f"train step: {summary}")
        bad = {s: l for s, l in self.result["losses"].items() if any(not math.isfinite(float(x)) for x in l)}
        if bad:
            log(f"{self.tag()} WARNING: non-finite loss on {', '.join(bad)}")
        return True


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--workloads", default=",".join(workloads.NAMES),
                   help=f"comma-separated, from {', '.join(workloads.NAMES)} (default: all)")
    p.add_argument("--backends", default=None, help="comma-separated, from torch, jax (default: those installed)")
    p.add_argument("--sides", default=",".join(SIDES), help="comma-separated, from lamina, raw, keras (default: all)")
    p.add_argument("--quick", action="store_true", help="fewer rounds and smaller data: the matrix in minutes")
    p.add_argument("--threads", type=int, default=os.cpu_count(),
                   help="threads for every side: torch.set_num_threads, OMP/MKL threads, and (when fewer than "
                        "the cores) each worker pinned to that many cores (default: all cores)")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--no-imports", action="store_true", help="skip the import-time measurement")
    p.add_argument("--write", metavar="PATH", help="put the results into this markdown file (docs/benchmarks.md)")
    p.add_argument("--json", metavar="PATH", help="also save the raw results as JSON")
    p.add_argument("--note", default=None, help="a line shown above the tables (e.g. 'preliminary')")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    names = [w.strip() for w in args.workloads.split(",") if w.strip()]
    for name in names:
        workloads.load(name)  # unknown names fail here, before anything runs
    sides = [s.strip() for s in args.sides.split(",") if s.strip()]
    unknown = [s for s in sides if s not in SIDES]
    if unknown:
        raise SystemExit(f"Unknown side(s) {unknown}; expected some of {', '.join(SIDES)}.")
    if "keras" in sides and not installed("keras"):
        log("keras is not installed: the keras column is left out")
        sides.remove("keras")
    backends = [b.strip() for b in (args.backends or ",".join(b for b in BACKENDS if installed(b))).split(",")]
    for b in backends:
        if b == "numpy":
            raise SystemExit("The numpy backend cannot train; benchmark torch or jax.")
        if b not in BACKENDS:
            raise SystemExit(f"Unknown backend {b!r}; expected torch or jax.")
        if not installed(b):
            raise SystemExit(f"Backend {b!r} is not installed.")
    if "jax" in backends and "raw" in sides and not installed("optax"):
        log("optax is not installed: the raw JAX side uses a hand-written Adam")
    mode = "quick" if args.quick else "full"
    started = time.time()
    shown = [a for a in (sys.argv[1:] if argv is None else argv) if a != args.note and a != "--note"]
    results = {"meta": report.machine_info(mode, args.threads, " ".join(shown)),
               "imports": {}, "workloads": {}}
    for backend in backends:
        if not args.no_imports:
            runs = settings_for(mode)["import_runs"]
            log(f"[{backend}] import time, {runs} interleaved runs per side")
            results["imports"][backend] = measure_imports(backend, sides, runs, args.threads)
        results["workloads"][backend] = {}
        for name in names:
            log(f"[{backend}/{name}] {workloads.load(name).TITLE}")
            results["workloads"][backend][name] = WorkloadRun(backend, name, sides, mode, args.seed,
                                                              args.threads).run()
    results["meta"]["duration_s"] = time.time() - started
    results["meta"]["loadavg_end"] = report.loadavg()
    text = report.markdown(results, note=args.note)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    if args.write:
        report.write_doc(Path(args.write), text)
        log(f"wrote {args.write}")
    log(f"benchmark finished in {results['meta']['duration_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
