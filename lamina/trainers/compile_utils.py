"""The loss and metrics given to ``compile``, matched to the model's outputs.

Losses and metrics may be given once (for every output), as a list (one per
output, in order) or as a dict keyed by output name.
"""

from __future__ import annotations

from lamina import ops
from lamina.utils import tree


def _per_output(spec, output_names, what):
    """Expand ``spec`` to one entry per output; validates dict keys and list lengths."""
    n = max(len(output_names), 1)
    if isinstance(spec, dict):
        if not output_names:
            raise ValueError(f"A {what} dict needs a Functional model with named outputs.")
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(
                f"The {what} dict names output(s) {unknown} that do not exist; "
                f"the model's outputs are {output_names}."
            )
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and what == "loss":
        if len(spec) != n:
            raise ValueError(f"compile() received {len(spec)} losses for a model with {n} output(s) {output_names}.")
        return list(spec)
    return [spec] * n


def _as_list(y, n, output_names, what):
    if isinstance(y, dict):
        missing = [k for k in output_names if k not in y]
        if missing:
            raise ValueError(f"The {what} dict is missing output(s) {missing}; expected keys {output_names}.")
        return [y[k] for k in output_names]
    if n == 1:
        return [y[0] if isinstance(y, (list, tuple)) and len(y) == 1 else y]
    if not isinstance(y, (list, tuple)) or len(y) != n:
        raise ValueError(f"The model has {n} outputs {output_names}; expected {n} {what}, received {type(y).__name__}.")
    return list(y)


class CompileLoss:
    """The compiled loss: a weighted sum of per-output losses, with a ``{output}_loss`` tracker each."""

    def __init__(self, loss, loss_weights, output_names):
        from lamina import losses, metrics

        self.output_names = list(output_names)
        entries = _per_output(loss, self.output_names, "loss")
        self.losses = [None if e is None else _loss_object(losses.get(e)) for e in entries]
        n = len(self.losses)
        if loss_weights is None:
            self.weights = [1.0] * n
        elif isinstance(loss_weights, dict):
            unknown = [k for k in loss_weights if k not in self.output_names]
            if unknown:
                raise ValueError(f"loss_weights names output(s) {unknown} that do not exist; outputs are {self.output_names}.")
            self.weights = [float(loss_weights.get(name, 1.0)) for name in self.output_names]
        elif isinstance(loss_weights, (list, tuple)):
            if len(loss_weights) != n:
                raise ValueError(f"loss_weights has {len(loss_weights)} entries for {n} output(s).")
            self.weights = [float(w) for w in loss_weights]
        else:
            self.weights = [float(loss_weights)] * n
        self.trackers = []
        if n > 1:
            self.trackers = [metrics.Mean(name=f"{name}_loss") for name in self.output_names]
        self.built = False

    def build(self, y_true, y_pred):
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        n = len(self.losses)
        preds = _as_list(y_pred, n, self.output_names, "predictions")
        if y_true is None:
            raise ValueError("The model was compiled with a loss but no targets (y) were given.")
        trues = _as_list(y_true, n, self.output_names, "targets")
        weights = _as_list(sample_weight, n, self.output_names, "sample weights") if \
            isinstance(sample_weight, (list, dict)) else [sample_weight] * n
        total = None
        for i, (fn, w, yt, yp, sw) in enumerate(zip(self.losses, self.weights, trues, preds, weights)):
            if fn is None:
                continue
            value = ops.cast(fn(yt, yp, sample_weight=sw), "float32")
            if self.trackers:
                # Weighted by the batch size, like the total loss, so the per-output means add up to it.
                self.trackers[i].update_state(value, sample_weight=_batch_rows(yp))
            value = ops.multiply(value, w) if w != 1.0 else value
            total = value if total is None else ops.add(total, value)
        return total

    @property
    def metrics(self) -> list:
        return list(self.trackers)


def _loss_object(obj):
    from lamina import losses

    if isinstance(obj, losses.Loss):
        return obj
    if callable(obj):
        return losses.LossFunctionWrapper(obj, name=getattr(obj, "__name__", None))
    raise ValueError(f"Could not interpret loss {obj!r}.")


class CompileMetrics:
    """The compiled metrics, one list per output; names prefixed with the output name when several."""

    def __init__(self, metrics, weighted_metrics, output_names, loss=None):
        self.output_names = list(output_names)
        self._specs = metrics
        self._weighted_specs = weighted_metrics
        self._loss = loss
        self._metrics: list = []  # (output index, metric, weighted)
        self.built = False

    def build(self, y_true, y_pred):
        from lamina import metrics as metrics_module

        n_out = len(tree.flatten(y_pred)) if isinstance(y_pred, (list, tuple, dict)) else 1
        names = self.output_names if len(self.output_names) == n_out else [f"output_{i}" for i in range(n_out)]
        preds = tree.flatten(y_pred) if n_out > 1 else [y_pred]
        trues = _as_list(y_true, n_out, names, "targets") if y_true is not None else [None] * n_out
        losses = _per_output(self._loss, names, "loss") if isinstance(self._loss, (list, dict)) else [self._loss] * n_out
        for weighted, specs in ((False, self._specs), (True, self._weighted_specs)):
            if not specs:
                continue
            per_output = self._expand(specs, names, n_out)
            for i, entries in enumerate(per_output):
                for entry in entries or []:
                    metric = metrics_module.resolve_compile_metric(entry, trues[i], preds[i], losses[i])
                    if n_out > 1:
                        metric.name = f"{names[i]}_{metric.name}"
                    if weighted and not n_out > 1:
                        metric.name = metric.name if not any(m.name == metric.name for _, m, _ in self._metrics) \
                            else f"weighted_{metric.name}"
                    self._metrics.append((i, metric, weighted))
        self._n_out = n_out
        self._names = names
        self.built = True

    @staticmethod
    def _expand(specs, names, n_out):
        if isinstance(specs, dict):
            unknown = [k for k in specs if k not in names]
            if unknown:
                raise ValueError(f"The metrics dict names output(s) {unknown} that do not exist; outputs are {names}.")
            return [_listify(specs.get(name)) for name in names]
        specs = list(specs) if isinstance(specs, (list, tuple)) else [specs]
        if n_out > 1 and len(specs) == n_out and all(isinstance(s, (list, tuple)) or s is None for s in specs):
            return [_listify(s) for s in specs]
        return [specs] * n_out

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        if not self._metrics:
            return
        preds = tree.flatten(y_pred) if self._n_out > 1 else [y_pred]
        trues = _as_list(y_true, self._n_out, self._names, "targets")
        for i, metric, weighted in self._metrics:
            sw = sample_weight if weighted else None
            if isinstance(sw, (list, tuple)):
                sw = sw[i]
            elif isinstance(sw, dict):
                sw = sw.get(self._names[i])
            metric.update_state(trues[i], preds[i], sample_weight=sw)

    @property
    def metrics(self) -> list:
        return [m for _, m, _ in self._metrics]


def _listify(x):
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _batch_rows(x) -> int:
    return int(next(v for v in tree.flatten(x) if v is not None).shape[0])
