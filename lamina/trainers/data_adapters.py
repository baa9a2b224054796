"""Turning what users pass to fit/evaluate/predict into batches.

Supported: NumPy arrays and backend tensors (and lists/dicts of them),
Python generators and iterators, ``lamina.utils.PyDataset``, torch
``DataLoader`` and ``tf.data.Dataset`` (duck-typed: never imported here).
Every adapter yields tuples ``(x, y, sample_weight)`` per batch, with y and
sample_weight None when absent.
"""

from __future__ import annotations

import math
import types

import numpy as np

from lamina.utils import tree


def _is_array_like(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, type)


def _to_numpy_tree(x):
    def conv(v):
        if v is None:
            return None
        if isinstance(v, np.ndarray):
            return v
        if hasattr(v, "numpy") and hasattr(v, "shape") and not isinstance(v, np.ndarray):
            try:
                from lamina import ops

                return ops.convert_to_numpy(v)
            except Exception:  # noqa: BLE001 - fall back to NumPy's own conversion
                return np.asarray(v)
        if isinstance(v, (list, tuple)) and v and not isinstance(v[0], (np.ndarray, list, tuple, dict)) \
                and not _is_array_like(v[0]):
            return np.asarray(v)
        return np.asarray(v)

    if isinstance(x, dict):
        return {k: _to_numpy_tree(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and all(_is_array_like(v) or isinstance(v, (list, dict)) for v in x) \
            and any(_is_array_like(v) for v in x):
        return [_to_numpy_tree(v) for v in x]
    return conv(x)


def _num_samples(x) -> int:
    leaves = [v for v in tree.flatten(x) if v is not None]
    if not leaves:
        raise ValueError("No input data was given (x is empty).")
    sizes = {int(v.shape[0]) for v in leaves}
    if len(sizes) != 1:
        raise ValueError(
            f"All input arrays must have the same number of samples; received sizes {sorted(sizes)}."
        )
    return sizes.pop()


def _take(x, idx):
    return tree.map_structure(lambda v: None if v is None else v[idx], x)


class ArrayDataAdapter:
    """Batches sliced from in-memory arrays, reshuffled each epoch when ``shuffle`` is true."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 class_weight=None):
        x = _to_numpy_tree(x)
        y = None if y is None else _to_numpy_tree(y)
        sample_weight = None if sample_weight is None else _to_numpy_tree(sample_weight)
        n = _num_samples(x)
        for name, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None:
                m = _num_samples(value)
                if m != n:
                    raise ValueError(
                        f"Data cardinality is ambiguous: x has {n} samples but {name} has {m}. "
                        "Make sure all arrays contain the same number of samples."
                    )
        if class_weight is not None:
            if y is None:
                raise ValueError("class_weight requires targets y.")
            sample_weight = _class_weights_to_sample_weights(y, class_weight, sample_weight)
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.num_samples = n
        self.batch_size = batch_size or 32
        self.shuffle = shuffle
        full = math.ceil(n / self.batch_size)
        self.num_batches = min(full, steps) if steps else full
        self._rng = np.random.default_rng()

    def __iter__(self):
        n = self.num_samples
        order = self._rng.permutation(n) if self.shuffle else None
        for b in range(self.num_batches):
            start = b * self.batch_size
            stop = min(start + self.batch_size, n)
            if start >= n:
                return
            idx = order[start:stop] if order is not None else slice(start, stop)
            yield (_take(self.x, idx), None if self.y is None else _take(self.y, idx),
                   None if self.sample_weight is None else _take(self.sample_weight, idx))


def _class_weights_to_sample_weights(y, class_weight, sample_weight):
    if isinstance(y, (list, dict)):
        raise ValueError("class_weight is only supported for models with a single output.")
    labels = y.reshape(len(y), -1)
    labels = labels[:, 0] if labels.shape[1] == 1 else np.argmax(labels, axis=1)
    weights = np.array([class_weight.get(int(c), 1.0) for c in labels], dtype="float32")
    return weights if sample_weight is None else weights * sample_weight


def unpack_batch(batch):
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> a 3-tuple."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(f"A batch must be (x,), (x, y) or (x, y, sample_weight); received a tuple of {len(batch)}.")
    return batch, None, None


class IterableDataAdapter:
    """Batches from a generator, PyDataset, torch DataLoader or tf.data.Dataset."""

    def __init__(self, data, steps=None, kind="generator"):
        self.data = data
        self.kind = kind
        self.num_batches = steps
        if steps is None and hasattr(data, "__len__") and kind != "generator":
            try:
                self.num_batches = len(data)
            except TypeError:
                self.num_batches = None
        self._iterator = None

    def __iter__(self):
        if self.kind == "generator":
            # A generator is consumed across epochs, as in Keras.
            if self._iterator is None:
                self._iterator = iter(self.data)
            source = self._iterator
        elif self.kind == "tf":
            source = iter(self.data.as_numpy_iterator())
        else:
            source = iter(self.data)
        count = 0
        for batch in source:
            if isinstance(batch, list) and len(batch) in (2, 3) and self.kind == "torch":
                batch = tuple(batch)
            x, y, sw = unpack_batch(batch)
            yield x, y, sw
            count += 1
            if self.num_batches is not None and count >= self.num_batches:
                return


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                     class_weight=None):
    """The adapter for ``x`` (arrays, generator, PyDataset, DataLoader, tf.data)."""
    if hasattr(x, "as_numpy_iterator") and hasattr(x, "element_spec"):
        _no_y(y, sample_weight, "a tf.data.Dataset")
        return IterableDataAdapter(x, steps, kind="tf")
    if type(x).__name__ == "DataLoader" and hasattr(x, "dataset"):
        _no_y(y, sample_weight, "a torch DataLoader")
        return IterableDataAdapter(x, steps, kind="torch")
    if hasattr(x, "__getitem__") and hasattr(x, "__len__") and hasattr(x, "on_epoch_end"):
        _no_y(y, sample_weight, "a PyDataset")
        from lamina.trainers.py_dataset_adapter import PyDatasetAdapter

        return PyDatasetAdapter(x, steps, shuffle=shuffle)
    if isinstance(x, types.GeneratorType) or (hasattr(x, "__next__") and hasattr(x, "__iter__")):
        _no_y(y, sample_weight, "a generator")
        return IterableDataAdapter(x, steps, kind="generator")
    return ArrayDataAdapter(x, y, sample_weight, batch_size=batch_size, steps=steps, shuffle=shuffle,
                            class_weight=class_weight)


def _no_y(y, sample_weight, what):
    if y is not None or sample_weight is not None:
        raise ValueError(f"When x is {what}, pass targets and sample weights inside it, not as y=/sample_weight=.")


def train_validation_split(x, y, sample_weight, validation_split: float):
    """Split off the last ``validation_split`` fraction of in-memory arrays (before shuffling), as Keras does."""
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be in (0, 1), received {validation_split}.")
    x = _to_numpy_tree(x)
    n = _num_samples(x)
    cut = int(math.floor(n * (1.0 - validation_split)))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={validation_split} leaves no training or no validation samples from {n}.")

    def split(v):
        if v is None:
            return None, None
        v = _to_numpy_tree(v)
        return tree.map_structure(lambda a: a[:cut], v), tree.map_structure(lambda a: a[cut:], v)

    (xt, xv), (yt, yv), (st, sv) = split(x), split(y), split(sample_weight)
    return (xt, yt, st), (xv, yv, sv)
