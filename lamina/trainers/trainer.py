"""Trainer: compile, fit, evaluate, predict and the *_on_batch methods of Model.

The loop here is backend-independent. How one step runs (eager autograd on
torch, one jitted pure function on jax) comes from the selected backend's
``trainer`` module through three factories, built once per compile/fit and
reused across steps and calls:

    impl.trainer.make_train_function(model) -> fn(batch) -> logs
    impl.trainer.make_test_function(model)  -> fn(batch) -> logs
    impl.trainer.make_predict_function(model) -> fn(x) -> outputs

Example:
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    >>> history = model.fit(x, y, epochs=3, validation_split=0.1)
"""

from __future__ import annotations

import numpy as np

from lamina.backend import impl as B
from lamina.trainers import data_adapters
from lamina.trainers.compile_utils import CompileLoss, CompileMetrics
from lamina.trainers.packing import unpack_x_y_sample_weight
from lamina.utils import tree


class Trainer:
    """Mixed into Model: the training API."""

    def _init_trainer_state(self):
        if "_compiled" in self.__dict__:
            return
        self._compiled = False
        self.optimizer = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self.stop_training = False
        self._initial_epoch = None
        self._train_fn = self._test_fn = self._predict_fn = None
        self.history = None
        self.run_eagerly = False
        self.steps_per_execution = 1
        self.jit_compile = "auto"

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly: bool = False, steps_per_execution: int = 1,
                jit_compile="auto", auto_scale_loss: bool = True) -> None:
        """Configure the model for training."""
        from lamina import metrics as metrics_module
        from lamina import optimizers

        self._init_trainer_state()
        self.optimizer = optimizers.get(optimizer)
        scaler = getattr(optimizers, "LossScaleOptimizer", None)
        if auto_scale_loss and scaler is not None and self.dtype_policy.compute_dtype == "float16" and \
                not isinstance(self.optimizer, scaler):
            self.optimizer = scaler(self.optimizer)
        output_names = self._output_names()
        self._compile_loss = CompileLoss(loss, loss_weights, output_names) if loss is not None else None
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics, output_names, loss)
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.run_eagerly = bool(run_eagerly)
        self.steps_per_execution = int(steps_per_execution)
        self.jit_compile = jit_compile
        self._compile_args = {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
                              "metrics": metrics, "weighted_metrics": weighted_metrics,
                              "run_eagerly": run_eagerly, "steps_per_execution": steps_per_execution,
                              "jit_compile": jit_compile}
        self._compiled = True
        self._train_fn = self._test_fn = self._predict_fn = None

    @property
    def compiled(self) -> bool:
        return self.__dict__.get("_compiled", False)

    def _symbolic_outputs(self) -> list:
        try:
            return list(getattr(self, "outputs", None) or [])
        except (AttributeError, TypeError):
            return []

    def _symbolic_inputs(self) -> list:
        try:
            return list(getattr(self, "inputs", None) or [])
        except (AttributeError, TypeError):
            return []

    def _output_names(self) -> list:
        outputs = self._symbolic_outputs()
        if outputs:
            return [t._keras_history.operation.name for t in outputs]
        return []

    def get_compile_config(self):
        if not self.compiled or not hasattr(self, "_compile_args"):
            return None
        from lamina.saving.serialization import serialize_keras_object

        return {k: serialize_keras_object(v) for k, v in self._compile_args.items()}

    # ------------------------------------------------------------------ losses and metrics
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True):
        """The total loss: the compiled loss plus ``model.losses`` (add_loss, regularizers)."""
        from lamina import ops

        _attach_output_masks(self, y_pred)
        total = None
        if self._compile_loss is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        extra = self.losses
        if extra:
            reg = ops.sum(ops.stack([ops.cast(ops.sum(l), "float32") for l in extra]))
            total = reg if total is None else ops.add(total, reg)
        if total is None:
            if self._compile_loss is None and not extra:
                raise ValueError(
                    f'Model "{self.name}" has no loss: pass `loss=` to compile() or add losses with add_loss().'
                )
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Update the compiled metrics and return every metric's current result."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        if self.__dict__.get("_defer_step_logs"):
            return None  # nobody reads this batch's logs: the results are computed once, at the end
        return self.get_metrics_result()

    def _metrics_or_step_logs(self, logs) -> dict:
        """The metrics' results, or, when a custom step returned other keys, that step's logs (as Keras)."""
        results = self.get_metrics_result()
        if isinstance(logs, dict) and set(logs) != set(results):
            return logs
        return results

    def get_metrics_result(self) -> dict:
        logs = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[m.name] = result
        return logs

    @property
    def metrics(self) -> list:
        out = []
        if self.__dict__.get("_loss_tracker") is not None:
            out.append(self._loss_tracker)
        if self.__dict__.get("_compile_loss") is not None:
            out.extend(self._compile_loss.metrics)
        if self.__dict__.get("_compile_metrics") is not None:
            out.extend(self._compile_metrics.metrics)
        return out

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    @property
    def metrics_variables(self) -> list:
        out = []
        for m in self.metrics:
            out.extend(m.variables)
        return out

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    # ------------------------------------------------------------------ steps (overridable)
    def train_step(self, data):
        """One training step on a batch; returns logs. Override to customise training."""
        return B.trainer.train_step(self, data)

    train_step._lamina_default = True

    def test_step(self, data):
        """One evaluation step on a batch: loss and metric updates; returns logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_rows(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    test_step._lamina_default = True

    def predict_step(self, data):
        """The model's outputs for one batch."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    predict_step._lamina_default = True

    def zero_grad(self) -> None:
        """Clear the gradients stored on the weights (for torch ``train_step`` overrides that call
        ``loss.backward()``, as in Keras's custom-training guide); nothing to do on other backends."""
        clear = getattr(B.trainer, "zero_grad", None)
        if clear is not None:
            clear(self)

    # ------------------------------------------------------------------ fit
    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto", callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True, class_weight=None,
            sample_weight=None, initial_epoch: int = 0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq: int = 1):
        """Train for ``epochs`` epochs; returns a ``History``."""
        from lamina.callbacks.callback_list import CallbackList

        self._assert_compiled("fit")
        if not B.CAN_TRAIN:
            raise RuntimeError(
                f"The {B.NAME} backend cannot train (it has no automatic differentiation). "
                "Use the torch or jax backend to fit; numpy runs predict() and evaluate()."
            )
        if validation_split and validation_data is None:
            if not isinstance(x, (np.ndarray, list, tuple, dict)) and not hasattr(x, "shape"):
                raise ValueError("validation_split is only supported for array inputs; pass validation_data instead.")
            (x, y, sample_weight), validation_data = data_adapters.train_validation_split(
                x, y, sample_weight, validation_split)
        adapter = data_adapters.get_data_adapter(x, y, sample_weight, batch_size=batch_size,
                                                 steps=steps_per_epoch, shuffle=shuffle,
                                                 class_weight=class_weight)
        val_adapter = None
        if validation_data is not None:
            vx, vy, vsw = _unpack_validation(validation_data)
            val_adapter = data_adapters.get_data_adapter(vx, vy, vsw, batch_size=validation_batch_size or batch_size,
                                                         steps=validation_steps, shuffle=False)
        self._check_data_against_model(adapter)
        self._symbolic_build_from(adapter)
        train_fn = self._get_train_function()
        verbose = _resolve_verbose(verbose)
        cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                           verbose=verbose, epochs=epochs, steps=adapter.num_batches)
        self.stop_training = False
        self._initial_epoch = None
        defer = _defers_step_logs(self, cbs, "on_train_batch_end", "train_step")
        cbs.on_train_begin()
        # BackupAndRestore sets the epoch to resume from in on_train_begin.
        initial_epoch = self._initial_epoch or initial_epoch
        try:
            logs = {}
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                cbs.on_epoch_begin(epoch)
                step = 0
                per_execution = max(1, int(self.steps_per_execution))
                for batch in adapter:
                    if step % per_execution == 0:
                        cbs.on_train_batch_begin(step)
                    self.__dict__["_defer_step_logs"] = defer
                    try:
                        logs = train_fn(batch)
                    finally:
                        self.__dict__["_defer_step_logs"] = False
                    step += 1
                    if step % per_execution == 0:
                        cbs.on_train_batch_end(step - 1, logs)
                        if self.stop_training:
                            break
                if step % per_execution and step:
                    cbs.on_train_batch_end(step - 1, logs)
                if step == 0:
                    if epoch > initial_epoch:
                        break  # a finite generator is used up: training ends, as in Keras
                    raise ValueError("The training data produced no batches; check x and steps_per_epoch.")
                epoch_logs = _sorted(_to_python(self._metrics_or_step_logs(logs)))
                if val_adapter is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self.evaluate(val_adapter, verbose=0, return_dict=True, callbacks=cbs, _internal=True)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                cbs.on_epoch_end(epoch, epoch_logs)
                logs = epoch_logs
                if self.stop_training:
                    break
        finally:
            adapter.close()
            if val_adapter is not None:
                val_adapter.close()
        cbs.on_train_end(logs)
        return self.history

    # ------------------------------------------------------------------ evaluate
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict: bool = False, _internal: bool = False):
        """Loss and metric values on the given data."""
        from lamina.callbacks.callback_list import CallbackList

        self._assert_compiled("evaluate")
        if isinstance(x, data_adapters.DataAdapter):
            adapter = x
        else:
            adapter = data_adapters.get_data_adapter(x, y, sample_weight, batch_size=batch_size, steps=steps,
                                                     shuffle=False)
            self._check_data_against_model(adapter)
        self._symbolic_build_from(adapter)
        test_fn = self._get_test_function()
        verbose = _resolve_verbose(verbose)
        if isinstance(callbacks, CallbackList):
            cbs = callbacks  # fit's own list, during validation: its params stay those of fit
        else:
            cbs = CallbackList(callbacks, add_progbar=verbose != 0 and not _internal, model=self, verbose=verbose,
                               epochs=1, steps=adapter.num_batches)
        self.reset_metrics()
        cbs.on_test_begin()
        step, logs = 0, None
        defer = _defers_step_logs(self, cbs, "on_test_batch_end", "test_step")
        for batch in adapter:
            cbs.on_test_batch_begin(step)
            self.__dict__["_defer_step_logs"] = defer
            try:
                logs = test_fn(batch)
            finally:
                self.__dict__["_defer_step_logs"] = False
            cbs.on_test_batch_end(step, logs)
            step += 1
        logs = _to_python(self._metrics_or_step_logs(logs))
        ordered = _single_or_list(logs)  # values in metrics order, as Keras's list form gives them
        logs = _sorted(logs)
        cbs.on_test_end(logs)
        return logs if return_dict else ordered

    # ------------------------------------------------------------------ predict
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for ``x``, as NumPy arrays, batched."""
        from lamina.callbacks.callback_list import CallbackList

        verbose = _resolve_verbose(verbose)
        if not callbacks and verbose == 0 and steps is None and _is_one_batch(x, batch_size):
            # One batch, nothing observing: no adapter, callback list or concatenation (same result).
            out = self._get_predict_function()(x)
            if B.core.is_tensor(out):
                return _owned_numpy(out, x)
            return tree.map_structure(lambda o: _owned_numpy(o, x), out)
        adapter = data_adapters.get_data_adapter(x, None, None, batch_size=batch_size, steps=steps, shuffle=False)
        predict_fn = self._get_predict_function()
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                           steps=adapter.num_batches)
        cbs.on_predict_begin()
        outputs = []
        for step, (bx, _, _) in enumerate(adapter):
            cbs.on_predict_batch_begin(step)
            out = predict_fn(bx)
            outputs.append(tree.map_structure(B.core.convert_to_numpy, out))
            cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("predict() received no data.")
        return _concat_batches(outputs)

    # ------------------------------------------------------------------ on_batch
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict: bool = False):
        """One gradient update on one batch; returns the loss and metric values."""
        self._assert_compiled("train_on_batch")
        if not B.CAN_TRAIN:
            raise RuntimeError(f"The {B.NAME} backend cannot train; use torch or jax.")
        adapter = data_adapters.ArrayDataAdapter(x, y, sample_weight, batch_size=_num_rows(x), class_weight=class_weight)
        self._symbolic_build_from(adapter)
        logs = None
        for batch in adapter:
            logs = self._get_train_function()(batch)
        logs = _to_python(self.get_metrics_result())
        return _sorted(logs) if return_dict else _single_or_list(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        self._assert_compiled("test_on_batch")
        adapter = data_adapters.ArrayDataAdapter(x, y, sample_weight, batch_size=_num_rows(x))
        self._symbolic_build_from(adapter)
        self.reset_metrics()
        for batch in adapter:
            self._get_test_function()(batch)
        logs = _to_python(self.get_metrics_result())
        return _sorted(logs) if return_dict else _single_or_list(logs)

    def predict_on_batch(self, x):
        out = self._get_predict_function()(data_adapters._to_numpy_tree(x))
        return tree.map_structure(B.core.convert_to_numpy, out)

    # ------------------------------------------------------------------ internals
    def _assert_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f'You must call compile() on model "{self.name}" before {what}().')

    def _get_train_function(self):
        if self._train_fn is None:
            self._train_fn = B.trainer.make_train_function(self)
        return self._train_fn

    def _get_test_function(self):
        if self._test_fn is None:
            self._test_fn = B.trainer.make_test_function(self)
        return self._test_fn

    def _get_predict_function(self):
        self._init_trainer_state()
        if self._predict_fn is None:
            self._predict_fn = B.trainer.make_predict_function(self)
        return self._predict_fn

    def _symbolic_build_from(self, adapter):
        """Build the model, its optimizer and metrics before the first (possibly traced) step."""
        if not self.built:
            self(adapter.peek()[0], training=False)
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)
        if self._compile_metrics is not None and not self._compile_metrics.built:
            bx, by, _ = adapter.peek()
            y_pred = self._output_spec_of(bx)
            self._compile_metrics.build(by, y_pred)
            if self._compile_loss is not None:
                self._compile_loss.build(by, y_pred)
            self._train_fn = self._test_fn = None

    def _output_spec_of(self, x):
        """The outputs ``self(x)`` would give, as KerasTensors: inferred, not computed, so building the
        metrics runs no forward pass (which would advance stateful layers and consume random seeds)."""
        from lamina.backend.common import scopes
        from lamina.backend.common.dtypes import standardize_dtype
        from lamina.core.keras_tensor import KerasTensor

        def spec(a):
            if not hasattr(a, "shape") or not hasattr(a, "dtype"):
                a = np.asarray(a)
            return KerasTensor(tuple(a.shape), dtype=standardize_dtype(a.dtype))

        with scopes.SymbolicScope():
            return self(tree.map_structure(spec, x), training=False)

    def _check_sparse_labels(self, adapter):
        """Integer labels outside [0, classes) for sparse crossentropy fail here, before any step."""
        outputs = self._symbolic_outputs()
        if self._compile_loss is None or adapter.y is None or not outputs:
            return
        if isinstance(adapter.y, dict):
            ys = [adapter.y.get(name) for name in self._output_names()]
        else:
            ys = tree.flatten(adapter.y) if isinstance(adapter.y, (list, tuple)) else [adapter.y]
        if len(ys) != len(self._compile_loss.losses):
            return
        for loss, y, out in zip(self._compile_loss.losses, ys, outputs):
            sparse, ignore = _sparse_loss_settings(loss)
            classes = out.shape[-1]
            if not sparse or y is None or classes is None or not np.issubdtype(np.asarray(y).dtype, np.number):
                continue
            labels = np.asarray(y)
            if ignore is not None:
                labels = labels[labels != ignore]
            if labels.size and (labels.min() < 0 or labels.max() >= classes):
                raise ValueError(
                    f"Labels for sparse categorical crossentropy must be integers in [0, {classes}) for output "
                    f'"{out._keras_history.operation.name}" of {classes} classes; received labels from '
                    f"{labels.min()} to {labels.max()}."
                )

    def _check_data_against_model(self, adapter):
        if not isinstance(adapter, data_adapters.ArrayDataAdapter):
            return
        inputs = self._symbolic_inputs()
        if not inputs:
            return
        flat_x = tree.flatten(adapter.x)
        if len(flat_x) != len(inputs):
            raise ValueError(
                f'Model "{self.name}" expects {len(inputs)} input(s) '
                f"({[t.name for t in inputs]}), but the data has {len(flat_x)} array(s)."
            )
        self._check_sparse_labels(adapter)
        if isinstance(adapter.x, dict):
            return
        for kt, arr in zip(inputs, flat_x):
            expected, got = kt.shape, tuple(arr.shape)
            if len(expected) != len(got) or any(
                    e is not None and e != g for e, g in zip(expected[1:], got[1:])):
                raise ValueError(
                    f'Input "{kt.name}" of model "{self.name}" expects data of shape {expected}, '
                    f"but the data passed has shape {got}."
                )


def _defers_step_logs(model, cbs, hook: str, step_name: str) -> bool:
    """Whether the default ``step_name`` may skip computing per-batch logs: no callback reads them
    (``hook`` has no receiver) and the backend runs steps eagerly (a traced step must not change)."""
    return (getattr(B.trainer, "DEFERS_STEP_LOGS", False) and not cbs.receives(hook)
            and getattr(getattr(type(model), step_name), "_lamina_default", False))


def _sparse_loss_settings(loss):
    """(is sparse categorical crossentropy, ignore_class) for a compiled per-output loss."""
    fn = getattr(loss, "fn", None)
    name = getattr(fn, "__name__", "") or getattr(loss, "name", "")
    if "sparse_categorical_crossentropy" not in str(name):
        return False, None
    return True, getattr(loss, "_fn_kwargs", {}).get("ignore_class")


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 1
    return int(verbose)


def _unpack_validation(data):
    if isinstance(data, tuple) or (isinstance(data, list) and len(data) in (2, 3)
                                   and not hasattr(data[0], "__next__")):
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
    return data, None, None


def _to_python(logs: dict) -> dict:
    out = {}
    for k, v in logs.items():
        arr = B.core.convert_to_numpy(v)
        out[k] = float(arr) if np.ndim(arr) == 0 else arr
    return out


def _attach_output_masks(model, y_pred) -> None:
    """Give the predictions the masks the model's last call produced, where the tensors could not
    carry them (NumPy arrays, jax arrays and tracers), so losses and metrics skip masked steps."""
    graph = model.__dict__.get("_functional") or model
    masks = graph.__dict__.get("_output_masks")
    if not masks or all(m is None for m in masks):
        return
    from lamina.losses.loss import _get_mask, _set_mask

    for prediction, mask in zip(tree.flatten(y_pred), masks):
        if mask is not None and _get_mask(prediction) is None:
            _set_mask(prediction, mask)


def _sorted(logs: dict) -> dict:
    """Logs with their keys in sorted order, as Keras's logs and History have them."""
    return {k: logs[k] for k in sorted(logs)}


def _single_or_list(logs: dict):
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _batch_rows(x) -> int:
    """The batch size of a batch of tensors (static, so it is cheap inside jit)."""
    return int(next(v for v in tree.flatten(x) if v is not None).shape[0])


def _num_rows(x) -> int:
    return data_adapters._num_samples(data_adapters._to_numpy_tree(x))


def _owned_numpy(tensor, x) -> np.ndarray:
    """``tensor`` as a writable NumPy array sharing no memory with ``x`` (what concatenating batches
    gives on the general predict path)."""
    arr = B.core.convert_to_numpy(tensor)
    return arr if arr.flags.writeable and not np.may_share_memory(arr, x) else arr.copy()


def _is_one_batch(x, batch_size) -> bool:
    """Whether ``x`` is a single numeric NumPy array that fits in one predict batch."""
    if batch_size is not None and (type(batch_size) is not int or batch_size < 1):
        return False  # the general path reports the bad batch_size
    return (type(x) is np.ndarray and x.dtype.kind in "fiub" and x.ndim >= 1
            and 0 < x.shape[0] <= (batch_size or 32))


def _concat_batches(batches):
    first = batches[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_concat_batches([b[i] for b in batches]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _concat_batches([b[k] for b in batches]) for k in first}
    return np.concatenate(batches, axis=0)
