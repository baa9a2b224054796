"""Turning what users pass to fit/evaluate/predict into batches.

``get_data_adapter(x, y, sample_weight, batch_size, steps, shuffle, class_weight)``
picks the adapter for ``x``:

- NumPy arrays, backend tensors, lists/dicts of them: :class:`ArrayDataAdapter`
  (batch slicing, per-epoch shuffling, a smaller last batch);
- ``lamina.utils.PyDataset``: ``PyDatasetAdapter`` (prefetching threads or processes);
- Python generators and iterators (read once, across epochs), torch ``DataLoader``,
  ``tf.data.Dataset`` and other re-iterable datasets (read afresh each epoch):
  :class:`IterableDataAdapter`. Frameworks are duck-typed, never imported here.

Iterating an adapter runs ONE epoch and yields ``(x, y, sample_weight)`` tuples
(``y``/``sample_weight`` None when absent), leaves as NumPy arrays or tensors of
the selected backend. With ``steps`` the epoch stops after that many batches
and the next epoch continues where it stopped, as in Keras.

Example:
    >>> adapter = get_data_adapter(np.zeros((10, 3)), np.ones(10), batch_size=4)
    >>> [bx.shape[0] for bx, by, sw in adapter]
    [4, 4, 2]
"""

from __future__ import annotations

import math
import types
import warnings

import numpy as np

from lamina.backend import impl as B
from lamina.utils import tree

# --------------------------------------------------------------------------- leaves


def _is_framework_tensor(v, module_prefix: str) -> bool:
    for klass in type(v).__mro__:
        if klass.__name__ == "Tensor" and klass.__module__.split(".")[0] == module_prefix:
            return True
    return False


def _leaf_to_numpy(v, where: str):
    """One array-like leaf of user data -> a NumPy array with a batch dimension."""
    if isinstance(v, np.ndarray):
        arr = v
    elif B.core.is_tensor(v):
        arr = B.core.convert_to_numpy(v)
    elif _is_framework_tensor(v, "torch"):
        arr = v.detach().cpu().numpy()
    else:
        if hasattr(v, "to_numpy") and callable(v.to_numpy):  # pandas
            v = v.to_numpy()
        arr = np.asarray(v)
    if arr.ndim == 0 or (arr.dtype == object and not _all_strings(arr)):
        raise ValueError(
            f"{where}: expected arrays (NumPy arrays, tensors or nested lists of numbers) with a batch "
            f"dimension; received {_describe(v)}."
        )
    return arr


def _all_strings(arr) -> bool:
    return all(isinstance(e, (str, bytes)) for e in arr.reshape(-1)[:64])


def _describe(v) -> str:
    text = repr(v)
    if len(text) > 80:
        text = text[:77] + "..."
    shape = getattr(v, "shape", None)
    return f"{type(v).__name__}{' of shape ' + str(tuple(shape)) if shape is not None else ''} ({text})"


def _is_array_like(v) -> bool:
    return (hasattr(v, "shape") and hasattr(v, "dtype") and not isinstance(v, type)
            and len(getattr(v, "shape", ())) > 0)


def _to_numpy_tree(x, where: str = "x"):
    """Arrays / tensors / nested lists of numbers, in lists, tuples or dicts -> the same structure of NumPy arrays.

    A list whose items are arrays (or dicts/lists of arrays) is a structure (several model
    inputs); a list of numbers or of lists of numbers is one array.
    """
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: _to_numpy_tree(v, f"{where}[{k!r}]") for k, v in x.items()}
    if isinstance(x, (list, tuple)) and any(_is_array_like(v) or isinstance(v, dict) for v in x):
        return [_to_numpy_tree(v, f"{where}[{i}]") for i, v in enumerate(x)]
    return _leaf_to_numpy(x, where)


def _num_samples(x, where: str = "x") -> int:
    leaves = [v for v in tree.flatten(x) if v is not None]
    if not leaves:
        raise ValueError(f"No data was given: {where} is empty.")
    sizes = sorted({int(v.shape[0]) for v in leaves})
    if len(sizes) != 1:
        raise ValueError(f"All arrays in {where} must have the same number of samples; received sizes {sizes}.")
    return sizes[0]


def _take(x, idx):
    return tree.map_structure(lambda v: None if v is None else v[idx], x)


# --------------------------------------------------------------------------- class_weight


def class_weight_to_sample_weights(y, class_weight: dict, where: str = "fit") -> np.ndarray:
    """Per-sample weights ``class_weight[class of y[i]]`` (1.0 for classes not in the dict), as Keras does.

    The class of a sample is ``y[i]`` for sparse labels (shape ``(n,)`` or ``(n, 1)``, rounded to int)
    and ``argmax(y[i])`` for one-hot labels.

    Example:
        >>> class_weight_to_sample_weights(np.array([0, 1, 1]), {1: 3.0})
        array([1., 3., 3.], dtype=float32)
    """
    if not isinstance(class_weight, dict):
        raise ValueError(f"{where}: `class_weight` must be a dict mapping class indices to weights; "
                         f"received {type(class_weight).__name__}.")
    if tree.is_nested(y):
        raise ValueError(f"{where}: `class_weight` is only supported for models with a single output; "
                         f"received targets y with {len(tree.flatten(y))} arrays. Pass per-output "
                         "`sample_weight` instead.")
    if y is None:
        raise ValueError(f"{where}: `class_weight` needs targets y, but the data has none.")
    labels = _leaf_to_numpy(y, f"{where}: y") if not isinstance(y, np.ndarray) else y
    if labels.ndim > 1:
        labels = labels[..., 0] if labels.shape[-1] == 1 else np.argmax(labels, axis=-1)
    labels = np.round(labels).astype("int64").reshape(len(labels), -1)[:, 0]
    keys = np.array(sorted(class_weight), dtype="int64")
    values = np.array([class_weight[k] for k in sorted(class_weight)], dtype="float32")
    weights = np.ones(len(labels), dtype="float32")
    if len(keys):
        pos = np.clip(np.searchsorted(keys, labels), 0, len(keys) - 1)
        hit = keys[pos] == labels
        weights[hit] = values[pos[hit]]
    return weights


# --------------------------------------------------------------------------- batches


def unpack_batch(batch):
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> a 3-tuple; anything else is ``x`` alone."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(f"A batch must be (x,), (x, y) or (x, y, sample_weight); received a tuple of {len(batch)}.")
    return batch, None, None


def _native_leaf(v, where: str):
    """A batch leaf from a generator/dataset -> backend tensor (kept as is) or NumPy array."""
    if v is None or isinstance(v, np.ndarray) or B.core.is_tensor(v):
        return v
    return _leaf_to_numpy(v, where)


def _native_tree(x, where: str):
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: _native_tree(v, f"{where}[{k!r}]") for k, v in x.items()}
    if isinstance(x, (list, tuple)) and any(_is_array_like(v) or isinstance(v, (dict, list, tuple)) for v in x):
        return [_native_tree(v, f"{where}[{i}]") for i, v in enumerate(x)]
    return _native_leaf(x, where)


def standardize_batch(batch, where: str, class_weight=None):
    """A batch as a source produced it -> ``(x, y, sample_weight)`` with array leaves, checked.

    Accepted: a tuple (or list) ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``, a dict (all
    inputs) or a single array/tensor (inputs only). ``x``/``y`` may be lists or dicts of arrays.
    """
    if isinstance(batch, list) and 1 <= len(batch) <= 3:
        batch = tuple(batch)
    if isinstance(batch, tuple):
        if not 1 <= len(batch) <= 3:
            raise ValueError(f"{where} produced a tuple of {len(batch)} items; a batch must be (x,), (x, y) "
                             "or (x, y, sample_weight).")
        x, y, sw = (tuple(batch) + (None, None))[:3]
    elif isinstance(batch, dict) or _is_array_like(batch):
        x, y, sw = batch, None, None
    else:
        raise ValueError(f"{where} produced {_describe(batch)}; a batch must be a tuple (x,), (x, y) or "
                         "(x, y, sample_weight) of arrays.")
    if x is None:
        raise ValueError(f"{where} produced a batch whose inputs x are None.")
    x = _native_tree(x, f"{where}: x")
    y = _native_tree(y, f"{where}: y")
    sw = _native_tree(sw, f"{where}: sample_weight")
    if class_weight is not None:
        if sw is not None:
            raise ValueError(f"{where}: `class_weight` and sample weights cannot be used together; the "
                             "batch already has a sample_weight.")
        sw = class_weight_to_sample_weights(y, class_weight, where)
    sizes = {int(v.shape[0]) for v in tree.flatten((x, y, sw)) if v is not None}
    if len(sizes) > 1:
        raise ValueError(f"{where} produced a batch whose arrays have different numbers of samples "
                         f"{sorted(sizes)}; x, y and sample_weight must agree in their first dimension.")
    return x, y, sw


# --------------------------------------------------------------------------- adapters


class DataAdapter:
    """Base of all adapters: ``iter(adapter)`` is one epoch of ``(x, y, sample_weight)`` batches.

    Subclasses implement ``_open_pass()`` (an iterator over one full pass of the data, already
    standardized) and may set ``_pass_length`` (batches per pass, None when unknown) and
    ``_one_shot`` (a pass that cannot be restarted, such as a Python generator).
    """

    _one_shot = False

    def __init__(self, steps=None):
        if steps is not None and (not isinstance(steps, (int, np.integer)) or steps < 1):
            raise ValueError(f"`steps` must be a positive integer or None; received {steps!r}.")
        self._steps = None if steps is None else int(steps)
        self._pass = None          # the pass in progress (kept across epochs when steps is set)
        self._pass_pos = 0         # batches taken from it
        self._pushback = []        # batches to hand out again before reading the pass
        self._pass_length = None
        self._handed_out = False   # any batch ever handed out and kept by the consumer
        self._exhausted = False    # a one-shot source that has ended

    # -- what subclasses provide
    def _open_pass(self):
        raise NotImplementedError

    def _epoch_begin(self):
        pass

    def _epoch_end(self):
        pass

    # -- public
    @property
    def num_batches(self):
        """Batches per epoch as the progress bar shows them: ``steps`` if given, else the data's count or None."""
        return self._steps if self._steps is not None else self._pass_length

    def peek(self):
        """A first batch (to build the model and metrics) without consuming it from the next epoch."""
        if self._pushback:
            return self._pushback[0]
        if self._one_shot:
            batch = self._next_from_pass()
            if batch is None:
                raise ValueError("The data produced no batches.")
            self._pushback.append(batch)
            return batch
        source = self._open_pass()
        try:
            for batch in source:
                return batch
        finally:
            _close(source)
        raise ValueError("The data produced no batches.")

    def close(self) -> None:
        """Stop any worker threads/processes of the pass in progress."""
        if self._pass is not None and not self._one_shot:
            _close(self._pass)
            self._pass = None
            self._pass_pos = 0

    def __iter__(self):
        return self._epoch()

    # -- internals
    def _next_from_pass(self):
        """The next batch of the current pass, or None (and the pass closed) when it ends."""
        if self._pushback:
            return self._pushback.pop(0)
        if self._exhausted:
            return None
        if self._pass is None:
            self._pass = self._open_pass()
            self._pass_pos = 0
        try:
            batch = next(self._pass)
        except StopIteration:
            if self._one_shot:
                self._exhausted = True
            else:
                self._pass = None
            return None
        self._pass_pos += 1
        return batch

    def _epoch(self):
        self._epoch_begin()
        count = 0
        last = None
        finished = False
        try:
            while self._steps is None or count < self._steps:
                batch = self._next_from_pass()
                if batch is None:
                    if count == 0 and self._one_shot:
                        _warn_ran_out()
                    elif self._steps is not None and count < self._steps:
                        _warn_ran_out()
                    break
                count += 1
                last = batch
                yield batch
                self._handed_out = True
            if (self._steps is not None and not self._one_shot and self._pass_length is not None
                    and self._pass_pos >= self._pass_length):
                _close(self._pass)  # the pass ended exactly at the epoch's end: start afresh next time
                self._pass = None
            finished = True
        finally:
            if finished:
                self._epoch_end()
            elif self._one_shot:
                # Abandoned by the consumer. A source read once cannot be re-read: if the only
                # batch ever handed out was a peek to build the model, hand it out again.
                # (_handed_out turns true only when the consumer comes back for more.)
                if count == 1 and not self._handed_out:
                    self._pushback.insert(0, last)
            else:
                self.close()


def _warn_ran_out():
    warnings.warn(
        "Your input ran out of data; interrupting training. Make sure that your dataset or generator can "
        "generate at least `steps_per_epoch * epochs` batches.",
        stacklevel=3,
    )


def _close(it):
    close = getattr(it, "close", None)
    if close is not None:
        close()


class ArrayDataAdapter(DataAdapter):
    """Batches sliced from in-memory arrays; reshuffled each epoch when ``shuffle`` is true.

    ``shuffle="batch"`` shuffles only inside batch-sized chunks, as in Keras. Without
    ``batch_size``, batches hold 32 samples, or ``ceil(n / steps)`` when ``steps`` is given.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 class_weight=None):
        super().__init__(steps)
        x = _to_numpy_tree(x, "x")
        y = _to_numpy_tree(y, "y")
        sample_weight = _to_numpy_tree(sample_weight, "sample_weight")
        n = _num_samples(x, "x")
        for name, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None:
                m = _num_samples(value, name)
                if m != n:
                    raise ValueError(
                        f"Data cardinality is ambiguous: x has {n} samples but {name} has {m}. "
                        "Make sure all arrays contain the same number of samples."
                    )
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot use `class_weight` and `sample_weight` at the same time.")
            sample_weight = class_weight_to_sample_weights(y, class_weight)
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
            raise ValueError(f"`batch_size` must be a positive integer; received {batch_size!r}.")
        if not batch_size:
            batch_size = int(math.ceil(n / self._steps)) if self._steps else 32
        if shuffle not in (True, False, "batch"):
            raise ValueError(f'`shuffle` must be True, False or "batch"; received {shuffle!r}.')
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.num_samples = n
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self._pass_length = int(math.ceil(n / self.batch_size))

    def peek(self):
        """The first ``batch_size`` samples (no shuffling, so the random state is left alone)."""
        if self.num_samples == 0:
            raise ValueError("The data produced no batches: x has 0 samples.")
        idx = slice(0, self.batch_size)
        return (_take(self.x, idx), None if self.y is None else _take(self.y, idx),
                None if self.sample_weight is None else _take(self.sample_weight, idx))

    def _open_pass(self):
        return _array_pass(self.x, self.y, self.sample_weight, self.num_samples, self.batch_size, self.shuffle)


def _array_pass(x, y, sw, n, batch_size, shuffle):
    order = np.random.permutation(n) if shuffle is True else None
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        if order is not None:
            idx = order[start:stop]
        elif shuffle == "batch":
            idx = np.random.permutation(stop - start) + start
        else:
            idx = slice(start, stop)
        yield (_take(x, idx), None if y is None else _take(y, idx), None if sw is None else _take(sw, idx))


class IterableDataAdapter(DataAdapter):
    """Batches from a Python generator/iterator (read once, across epochs), a torch DataLoader,
    a tf.data.Dataset or any other re-iterable dataset (read afresh each epoch)."""

    _KINDS = {"generator": "the generator", "torch": "the torch DataLoader", "tf": "the tf.data.Dataset",
              "iterable": "the dataset"}

    def __init__(self, data, steps=None, kind="generator", class_weight=None):
        super().__init__(steps)
        self.data = data
        self.kind = kind
        self.class_weight = class_weight
        self._one_shot = kind == "generator"
        self._where = self._KINDS.get(kind, "the dataset")
        self.x = self.y = None
        if kind == "tf":
            self._pass_length = _tf_cardinality(data)
        elif kind != "generator":
            try:
                self._pass_length = len(data)
            except TypeError:
                self._pass_length = None
        if self._one_shot:
            self._source = iter(data)

    def _open_pass(self):
        if self._one_shot:
            source = self._source
        elif self.kind == "tf":
            source = iter(self.data.as_numpy_iterator())
        else:
            source = iter(self.data)
        return _standardized(source, self._where, self.class_weight)


def _standardized(source, where, class_weight):
    for i, batch in enumerate(source):
        yield standardize_batch(batch, f"{where} (batch {i})", class_weight)


def _tf_cardinality(data):
    try:
        n = int(data.cardinality())
    except Exception:  # noqa: BLE001 - duck-typed: any dataset without a usable cardinality
        return None
    return n if n >= 0 else None


# --------------------------------------------------------------------------- selection


def _is_torch_dataloader(x) -> bool:
    return any(k.__name__ == "DataLoader" and k.__module__.startswith("torch.utils.data")
               for k in type(x).__mro__)


def _is_tf_dataset(x) -> bool:
    return hasattr(x, "as_numpy_iterator") and hasattr(x, "element_spec")


def _is_py_dataset(x) -> bool:
    from lamina.utils.py_dataset import PyDataset

    if isinstance(x, PyDataset):
        return True
    return (hasattr(x, "__getitem__") and hasattr(x, "on_epoch_end") and
            (hasattr(x, "__len__") or hasattr(x, "num_batches")) and not _is_array_like(x)
            and not isinstance(x, (list, tuple, dict, str, bytes)))


def _is_iterator(x) -> bool:
    return isinstance(x, types.GeneratorType) or (hasattr(x, "__next__") and hasattr(x, "__iter__"))


def _is_reiterable_dataset(x) -> bool:
    return (hasattr(x, "__iter__") and not isinstance(x, (list, tuple, dict, str, bytes, np.ndarray))
            and not hasattr(x, "shape") and not hasattr(x, "__array__") and not B.core.is_tensor(x))


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                     class_weight=None) -> DataAdapter:
    """The adapter for ``x``: arrays, PyDataset, generator/iterator, torch DataLoader, tf.data or an adapter.

    Example:
        >>> adapter = get_data_adapter(gen(), steps=10)      # a generator, 10 batches per epoch
        >>> for x, y, sample_weight in adapter: ...          # one epoch
    """
    if isinstance(x, DataAdapter):
        return x
    if x is None:
        raise ValueError("No data was given: x is None.")
    if _is_tf_dataset(x):
        _no_y(y, sample_weight, "a tf.data.Dataset")
        return IterableDataAdapter(x, steps, kind="tf", class_weight=class_weight)
    if _is_torch_dataloader(x):
        _no_y(y, sample_weight, "a torch DataLoader")
        return IterableDataAdapter(x, steps, kind="torch", class_weight=class_weight)
    if _is_py_dataset(x):
        _no_y(y, sample_weight, "a PyDataset")
        from lamina.trainers.py_dataset_adapter import PyDatasetAdapter

        return PyDatasetAdapter(x, steps, shuffle=bool(shuffle), class_weight=class_weight)
    if _is_iterator(x):
        _no_y(y, sample_weight, "a generator")
        return IterableDataAdapter(x, steps, kind="generator", class_weight=class_weight)
    if _is_reiterable_dataset(x):
        _no_y(y, sample_weight, "an iterable dataset")
        return IterableDataAdapter(x, steps, kind="iterable", class_weight=class_weight)
    return ArrayDataAdapter(x, y, sample_weight, batch_size=batch_size, steps=steps, shuffle=shuffle,
                            class_weight=class_weight)


def _no_y(y, sample_weight, what):
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(f"When x is {what}, `{name}` must not be passed: the {name} values should be "
                             f"part of each batch that {what} yields, e.g. (x, y, sample_weight).")


def train_validation_split(x, y, sample_weight, validation_split: float):
    """Split off the last ``validation_split`` fraction of in-memory arrays (before shuffling), as Keras does."""
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be in (0, 1), received {validation_split}.")
    x = _to_numpy_tree(x, "x")
    n = _num_samples(x)
    cut = int(math.floor(n * (1.0 - validation_split)))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={validation_split} leaves no training or no validation samples from {n}.")

    def split(v, name):
        if v is None:
            return None, None
        v = _to_numpy_tree(v, name)
        return tree.map_structure(lambda a: a[:cut], v), tree.map_structure(lambda a: a[cut:], v)

    (xt, xv), (yt, yv), (st, sv) = split(x, "x"), split(y, "y"), split(sample_weight, "sample_weight")
    return (xt, yt, st), (xv, yv, sv)
