"""TensorBoard: write training curves and weight histograms as TensorBoard event files.

Files follow Keras 3's layout: ``<log_dir>/train`` and ``<log_dir>/validation``, scalars
tagged ``epoch_<name>`` (and ``batch_<name>`` with an integer ``update_freq``), weight
histograms tagged ``<weight path>/histogram``. Events are written with the ``tensorboard``
package's own event-file writer and protos (TensorFlow is not needed), in the TF2 summary
format that ``tf.summary`` uses (tensor values with plugin metadata).
"""

from __future__ import annotations

import json
import os
import time
import warnings

import numpy as np

from lamina.callbacks._utils import to_float
from lamina.callbacks.callback import Callback
from lamina.saving.serialization import builtin

def _import_tensorboard():
    """The pieces of the tensorboard package this callback uses, imported on first use."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.histogram import summary_v2 as histogram_summary
        from tensorboard.plugins.scalar import summary_v2 as scalar_summary
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        from tensorboard.util import tensor_util
    except ImportError as e:
        raise ImportError(
            "The TensorBoard callback needs the `tensorboard` package to write event files, and it could not "
            f"be imported ({e}). Install it with `pip install tensorboard` (TensorFlow is not required)."
        ) from e
    return {"event_pb2": event_pb2, "summary_pb2": summary_pb2, "EventFileWriter": EventFileWriter,
            "scalar_pb": scalar_summary.scalar_pb, "histogram_pb": histogram_summary.histogram_pb,
            "tensor_util": tensor_util}


class _Writer:
    """One event file in one folder (``train`` or ``validation``)."""

    def __init__(self, tb, logdir):
        self._tb = tb
        # The writer names the file events.out.tfevents.<time>.<host>.<pid>.<uid>; ".v2" as tf.summary adds.
        self._writer = tb["EventFileWriter"](logdir, filename_suffix=".v2")

    def write(self, summary, step):
        event = self._tb["event_pb2"].Event(wall_time=time.time(), step=int(step), summary=summary)
        self._writer.add_event(event)

    def scalar(self, tag, value, step):
        self.write(self._tb["scalar_pb"](tag, np.float32(to_float(value))), step)

    def histogram(self, tag, values, step):
        self.write(self._tb["histogram_pb"](tag, np.asarray(values, dtype=np.float64)), step)

    def flush(self):
        self._writer.flush()

    def close(self):
        self._writer.close()


@builtin("keras.callbacks")
class TensorBoard(Callback):
    """Log scalars (per epoch, or every ``update_freq`` batches), the learning rate and weight
    histograms for TensorBoard.

    Args:
        log_dir: root folder; events go to ``log_dir/train`` and ``log_dir/validation``.
        histogram_freq: every how many epochs to write weight histograms (0 = never).
        write_graph: write the model's config (the "keras" tag TensorBoard's graph view reads).
        write_images: not supported (a warning is given).
        write_steps_per_second: also log the training speed.
        update_freq: ``"epoch"``, ``"batch"`` or an integer N: write ``batch_*`` scalars every N batches.
        profile_batch: must be 0 (profiling is not available).
        embeddings_freq: every how many epochs to save the weights for the embedding projector (0 = never).
        embeddings_metadata: metadata file (or a dict by Embedding layer name) for the projector.

    Example:
        >>> tb = lamina.callbacks.TensorBoard(log_dir="logs", histogram_freq=1)
        >>> model.fit(x, y, epochs=5, validation_split=0.2, callbacks=[tb])
        $ tensorboard --logdir logs
    """

    # Batch logs arrive unconverted; they are converted only when written.
    _accepts_raw_logs = True

    def __init__(self, log_dir="logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, write_steps_per_second: bool = False, update_freq="epoch",
                 profile_batch=0, embeddings_freq: int = 0, embeddings_metadata=None):
        super().__init__()
        self._tb = _import_tensorboard()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        if self.update_freq != "epoch" and (isinstance(self.update_freq, bool)
                                            or not isinstance(self.update_freq, int) or self.update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive integer; "
                             f"received update_freq={update_freq!r}.")
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        if profile_batch not in (0, None, "0", (0, 0), [0, 0]):
            raise ValueError("TensorBoard: profiling is not available in lamina. Received: "
                             f"profile_batch={profile_batch!r} (must be 0).")
        if write_images:
            warnings.warn("TensorBoard: write_images is not supported by lamina; weights are logged as "
                          "histograms only.", stacklevel=2)
        self._writers = {}
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._previous_epoch_iterations = 0.0
        self._epoch_start_time = 0.0
        self._batch_start_time = 0.0
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")

    # ------------------------------------------------------------------ writers
    def _writer(self, name):
        if name not in self._writers:
            self._writers[name] = _Writer(self._tb, self._train_dir if name == "train" else self._val_dir)
        return self._writers[name]

    @property
    def _train_writer(self):
        return self._writer("train")

    @property
    def _val_writer(self):
        return self._writer("val")

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def set_model(self, model):
        super().set_model(model)
        self._close_writers()
        if self.write_graph:
            self._write_model_config()
        if self.embeddings_freq:
            self._configure_embeddings()

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0.0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        step = self._global_train_batch
        writer = self._train_writer
        if self.write_steps_per_second:
            writer.scalar("batch_steps_per_second", 1.0 / max(time.time() - self._batch_start_time, 1e-9), step)
        for name, value in _scalars(logs).items():
            writer.scalar(f"batch_{name}", value, step)

    def on_test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations"):
            return
        step = int(to_float(optimizer.iterations))
        writer = self._val_writer
        for name, value in _scalars(logs).items():
            writer.scalar(f"evaluation_{name}_vs_iterations", value, step)
        writer.flush()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = self._iterations()
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)

    # ------------------------------------------------------------------ internals
    def _iterations(self) -> float:
        optimizer = getattr(self.model, "optimizer", None)
        return to_float(optimizer.iterations) if optimizer is not None else 0.0

    def _collect_learning_rate(self, logs: dict) -> dict:
        from lamina.optimizers.base_optimizer import Optimizer

        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if getattr(optimizer, "optimizers", None):
            for opt in optimizer.optimizers:
                logs[f"learning_rate_{opt.name}"] = to_float(opt.learning_rate)
        elif isinstance(optimizer, Optimizer):
            logs["learning_rate"] = to_float(optimizer.learning_rate)
        return logs

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        train_logs = self._collect_learning_rate(train_logs)
        if self.write_steps_per_second:
            elapsed = max(time.time() - self._epoch_start_time, 1e-9)
            train_logs["steps_per_second"] = (self._iterations() - self._previous_epoch_iterations) / elapsed
        for writer_name, values in (("train", train_logs), ("val", val_logs)):
            values = _scalars(values)
            if not values:
                continue
            writer = self._writer(writer_name)
            for name, value in values.items():
                writer.scalar(f"epoch_{name}", value, epoch)
            writer.flush()

    def _log_weights(self, epoch):
        writer = self._train_writer
        for layer in self.model.layers:
            for weight in layer.weights:
                tag = f"{weight.path.replace(':', '_')}/histogram"
                writer.histogram(tag, np.asarray(weight.numpy()), epoch)
        writer.flush()

    def _write_model_config(self):
        """The model's JSON config under the tag "keras" (what Keras writes for TensorBoard's graph tab)."""
        if type(self.model).__name__ not in ("Functional", "Sequential"):
            return
        try:
            if hasattr(self.model, "to_json"):
                text = self.model.to_json()
            else:
                from lamina.saving.serialization import serialize_keras_object

                text = json.dumps(serialize_keras_object(self.model))
        except Exception as e:  # a config that cannot be serialized is not worth failing fit for
            warnings.warn(f"TensorBoard: the model could not be serialized as JSON, so no graph is written "
                          f"({e}).", stacklevel=3)
            return
        pb = self._tb["summary_pb2"]
        metadata = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        tensor = self._tb["tensor_util"].make_tensor_proto(np.array(text.encode("utf-8"), dtype=object))
        summary = pb.Summary(value=[pb.Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
        writer = self._train_writer
        writer.write(summary, 0)
        writer.flush()

    def _configure_embeddings(self):
        """Write ``projector_config.pbtxt`` naming each Embedding layer's table."""
        from google.protobuf import text_format
        from tensorboard.plugins import projector

        from lamina.layers import Embedding

        config = projector.ProjectorConfig()
        metadata = self.embeddings_metadata
        remaining = dict(metadata) if isinstance(metadata, dict) else None
        for layer in self.model.layers:
            if not isinstance(layer, Embedding):
                continue
            embedding = config.embeddings.add()
            embedding.tensor_name = "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"
            if isinstance(metadata, str):
                embedding.metadata_path = metadata
            elif remaining is not None and layer.name in remaining:
                embedding.metadata_path = remaining.pop(layer.name)
        if remaining:
            raise ValueError("TensorBoard: unrecognized Embedding layer names in `embeddings_metadata`: "
                             f"{sorted(remaining)}.")
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as f:
            f.write(text_format.MessageToString(config))

    def _log_embeddings(self, epoch):
        path = os.path.join(self.log_dir, "train", f"keras_embedding.ckpt-{epoch}.weights.h5")
        self.model.save_weights(path, overwrite=True)


def _scalars(logs) -> dict:
    """The entries of ``logs`` that are single numbers, as floats."""
    out = {}
    for name, value in (logs or {}).items():
        if isinstance(value, dict):
            out.update(_scalars(value))
            continue
        try:
            arr = np.asarray(value.numpy() if hasattr(value, "assign") else _to_numpy(value))
        except (TypeError, ValueError):
            continue
        if arr.ndim == 0 and (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
            out[name] = float(arr)
    return out


def _to_numpy(value):
    from lamina import ops

    return ops.convert_to_numpy(value) if ops.is_tensor(value) else value
