"""How much each benchmark mode measures.

``full`` is what docs/benchmarks.md should be made from (on a quiet machine);
``quick`` runs the whole matrix in minutes, with fewer rounds and smaller data, and
each workload may shrink it further through its ``QUICK`` dict.
"""

from __future__ import annotations

MODES: dict = {
    "full": {
        "generations": 3,        # fresh worker processes per side (first epoch, peak RSS are per process)
        "first_epoch_steps": 20,  # batches in the timed first epoch (build + compile + train)
        "warmup_steps": 5,       # untimed steps after the first epoch
        "round_skip": 2,         # steps at the start of each timed fit call that are not timed
        "train_rounds": 5,       # timed fit calls per side and generation (interleaved)
        "train_steps": 30,       # timed steps per fit call
        "eval_samples": 10000,   # samples for evaluate and predict
        "eval_rounds": 3,
        "predict1_rounds": 5,
        "predict1_calls": 50,    # predict calls on one sample per round
        "fit_loop_calls": 20,    # fit calls for the RSS-growth measure
        "fit_loop_steps": 2,     # batches per fit call there
        "predict_loop_calls": 50,
        "import_runs": 5,
    },
    "quick": {
        "generations": 1,
        "first_epoch_steps": 8,
        "warmup_steps": 2,
        "round_skip": 2,
        "train_rounds": 3,
        "train_steps": 10,
        "eval_samples": 2000,
        "eval_rounds": 2,
        "predict1_rounds": 3,
        "predict1_calls": 20,
        "fit_loop_calls": 20,
        "fit_loop_steps": 1,
        "predict_loop_calls": 20,
        "import_runs": 3,
    },
}


def settings_for(mode: str, workload=None) -> dict:
    """The settings of ``mode`` for ``workload`` (a workload module; its QUICK dict applies in quick mode)."""
    if mode not in MODES:
        raise ValueError(f"Unknown benchmark mode {mode!r}; expected one of {', '.join(MODES)}.")
    cfg = dict(MODES[mode])
    if mode == "quick" and workload is not None:
        cfg.update(getattr(workload, "QUICK", {}) or {})
    return cfg
