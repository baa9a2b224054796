"""MonitorCallback: shared logic of callbacks that watch a metric for improvement."""

from __future__ import annotations

import warnings

import numpy as np

from lamina.callbacks.callback import Callback


class MonitorCallback(Callback):
    """Base of EarlyStopping, ModelCheckpoint and ReduceLROnPlateau: picks the comparison from ``mode``.

    Args:
        monitor: name of the logged quantity to watch, e.g. ``"val_loss"``.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (losses are minimised; a metric's own
            direction is used otherwise).
        baseline: initial "best" value, or None to take the first value seen.
        min_delta: smallest change that counts as an improvement.
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__}: mode '{mode}' is unknown (expected 'auto', 'min' or "
                          "'max'); falling back to 'auto'.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self) -> None:
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
            if name == "loss" or name.endswith("_loss"):
                self.monitor_op = np.less
            for metric in _all_metrics(self.model):
                if getattr(metric, "name", None) == name and hasattr(metric, "_direction"):
                    self.monitor_op = np.greater if metric._direction == "up" else np.less
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor!r}, but cannot tell "
                    "whether that metric should be maximized or minimized. Pass mode='max' to keep the "
                    "highest value, or mode='min' to keep the lowest.")
        if self.monitor_op is np.less:
            self.min_delta = -abs(self.min_delta)
        else:
            self.min_delta = abs(self.min_delta)

    def _is_improvement(self, monitor_value, reference_value) -> bool:
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


def _all_metrics(model) -> list:
    """The model's metrics, with metric containers (e.g. compiled metric lists) expanded."""
    out = []
    try:
        metrics = list(getattr(model, "metrics", None) or [])
    except Exception:  # an uncompiled or exotic model
        return out
    for m in metrics:
        inner = getattr(m, "metrics", None)
        if isinstance(inner, (list, tuple)) and not hasattr(m, "_direction"):
            out.extend(inner)
        else:
            out.append(m)
    return out
