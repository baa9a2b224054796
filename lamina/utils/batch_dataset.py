"""BatchDataset: the iterable dataset returned by the ``*_dataset_from_directory`` and timeseries utilities.

Keras returns a ``tf.data.Dataset`` from these utilities; lamina returns a
:class:`BatchDataset`, a :class:`~lamina.utils.PyDataset` that ``fit``,
``evaluate`` and ``predict`` accept directly. Samples are read lazily (one
batch at a time) by a ``fetch(indices)`` function; the sample order is
reshuffled at the end of every epoch when the dataset was built with
``shuffle=True`` (seeded, so two datasets with the same seed agree).

The small ``tf.data`` conveniences that tutorials call on these datasets are
provided where they make sense for an in-process dataset:

- ``map(fn)``: ``fn`` is applied to every batch (to every sample when
  ``batch_size`` is None), with the batch's parts as arguments
  (``fn(x, y)`` for ``(x, y)`` batches), as ``tf.data`` does.
- ``batch(n)`` / ``unbatch()``: regroup the samples.
- ``shuffle(buffer_size, seed=None)``: reshuffle the sample order every epoch
  (the whole dataset is shuffled; ``buffer_size`` is accepted and ignored).
- ``take(n)`` / ``skip(n)``: the first ``n`` batches / all but the first ``n``.
- ``cache()``: keep decoded samples in memory after their first read.
- ``prefetch(n)``: a no-op returning the dataset (``fit`` prefetches with
  the ``workers`` setting of the dataset instead).
- ``class_names``, ``file_paths`` and ``cardinality()``.

Example:
    >>> ds = lamina.utils.image_dataset_from_directory("photos", image_size=(64, 64), batch_size=8)
    >>> ds.class_names
    ['cats', 'dogs']
    >>> model.fit(ds.map(lambda x, y: (x / 255.0, y)), epochs=2)
"""

from __future__ import annotations

import copy
import math
from typing import Callable

import numpy as np

from lamina.utils.py_dataset import PyDataset


def _stack(parts):
    """Stack a list of per-sample structures (tuples/dicts/arrays) into one batch structure."""
    first = parts[0]
    if isinstance(first, tuple):
        return tuple(_stack([p[i] for p in parts]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack([p[k] for p in parts]) for k in first}
    if isinstance(first, np.ndarray) and first.dtype == object:
        out = np.empty((len(parts),) + first.shape, dtype=object)
        for i, p in enumerate(parts):
            out[i] = p
        return out
    if isinstance(first, (str, bytes)):
        out = np.empty((len(parts),), dtype=object)
        out[:] = parts
        return out
    return np.stack([np.asarray(p) for p in parts])


def _select(batch, i):
    """Sample ``i`` of a batch structure."""
    if isinstance(batch, tuple):
        return tuple(_select(b, i) for b in batch)
    if isinstance(batch, dict):
        return {k: _select(v, i) for k, v in batch.items()}
    return batch[i]


def _apply(fn, value):
    """Call a map function the way tf.data does: a tuple is spread over the arguments."""
    if isinstance(value, tuple):
        return fn(*value)
    return fn(value)


class BatchDataset(PyDataset):
    """A lazily read, optionally shuffled, batched dataset that ``fit`` accepts directly.

    Args:
        fetch: ``fetch(indices)`` returns the batch of the samples at
            ``indices`` (a NumPy int array): an array, or a tuple/dict of arrays
            whose first dimension is ``len(indices)``.
        num_samples: how many samples the dataset holds.
        batch_size: samples per batch; None yields single samples.
        shuffle: reshuffle the sample order at the end of every epoch.
        seed: seed of the reshuffling.
        class_names: names of the label classes (or None).
        file_paths: the files the samples come from, in the dataset's order (or None).
    """

    def __init__(self, fetch: Callable, num_samples: int, batch_size: int | None = 32, shuffle: bool = False,
                 seed: int | None = None, class_names=None, file_paths=None, **kwargs):
        super().__init__(**kwargs)
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
            raise ValueError(f"BatchDataset: `batch_size` must be a positive integer or None; received {batch_size!r}.")
        self._fetch = fetch
        self._num_samples = int(num_samples)
        self.batch_size = None if batch_size is None else int(batch_size)
        self._shuffle = bool(shuffle)
        self._seed = np.random.randint(1_000_000) if seed is None else int(seed)
        self._epoch = 0
        self._order = np.arange(self._num_samples)
        self._element_maps: list = []
        self._batch_maps: list = []
        self._start = 0          # first batch (skip)
        self._limit = None       # number of batches (take)
        self._cache = None
        self.class_names = class_names
        self.file_paths = file_paths

    # ------------------------------------------------------------------ PyDataset protocol
    def _total_batches(self) -> int:
        if self.batch_size is None:
            return self._num_samples
        return math.ceil(self._num_samples / self.batch_size)

    def __len__(self) -> int:
        count = max(0, self._total_batches() - self._start)
        return count if self._limit is None else min(count, self._limit)

    def _read(self, indices):
        if self._cache is None:
            return self._fetch(indices)
        missing = [int(i) for i in indices if int(i) not in self._cache]
        if missing:
            batch = self._fetch(np.asarray(missing))
            for j, i in enumerate(missing):
                self._cache[i] = _select(batch, j)
        return _stack([self._cache[int(i)] for i in indices])

    def __getitem__(self, index: int):
        """Batch ``index`` (a single sample when ``batch_size`` is None)."""
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"BatchDataset: batch index {index} out of range for a dataset of {n} batches.")
        index += self._start
        if self.batch_size is None:
            positions = self._order[index:index + 1]
        else:
            positions = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        batch = self._read(positions)
        if self._element_maps:
            samples = []
            for j in range(len(positions)):
                sample = _select(batch, j)
                for fn in self._element_maps:
                    sample = _apply(fn, sample)
                samples.append(sample)
            batch = _stack(samples)
        if self.batch_size is None:
            batch = _select(batch, 0)
        for fn in self._batch_maps:
            batch = _apply(fn, batch)
        return batch

    def on_epoch_end(self) -> None:
        """Reshuffle the sample order for the next epoch (when built with shuffle=True)."""
        self._epoch += 1
        if self._shuffle:
            rng = np.random.RandomState((self._seed + self._epoch) % (2**32))
            self._order = rng.permutation(self._num_samples)

    # ------------------------------------------------------------------ tf.data-like conveniences
    def _copy(self) -> "BatchDataset":
        new = copy.copy(self)
        new._element_maps = list(self._element_maps)
        new._batch_maps = list(self._batch_maps)
        return new

    def map(self, map_func: Callable, num_parallel_calls=None, deterministic=None, name=None) -> "BatchDataset":
        """A dataset whose batches (samples when unbatched) are ``map_func(*batch)``."""
        if not callable(map_func):
            raise TypeError(f"BatchDataset.map: expected a callable; received {map_func!r}.")
        new = self._copy()
        if self.batch_size is None and not self._batch_maps:
            new._element_maps.append(map_func)
        else:
            new._batch_maps.append(map_func)
        return new

    def batch(self, batch_size: int, drop_remainder: bool = False, **kwargs) -> "BatchDataset":
        """The same samples grouped in batches of ``batch_size`` (the dataset must be unbatched)."""
        if self.batch_size is not None:
            raise ValueError(f"BatchDataset.batch: the dataset is already batched (batch_size={self.batch_size}); "
                             "call .unbatch() first.")
        if self._start or self._limit is not None:
            raise ValueError("BatchDataset.batch: cannot re-batch after take()/skip(); batch first.")
        if drop_remainder:
            raise NotImplementedError("BatchDataset.batch: drop_remainder=True is not supported.")
        new = self._copy()
        new.batch_size = int(batch_size)
        return new

    def unbatch(self, name=None) -> "BatchDataset":
        """The same samples, one at a time."""
        if self._batch_maps:
            raise NotImplementedError("BatchDataset.unbatch: cannot unbatch after map() on batches; "
                                      "call unbatch() before map().")
        if self._start or self._limit is not None:
            raise ValueError("BatchDataset.unbatch: cannot unbatch after take()/skip().")
        new = self._copy()
        new.batch_size = None
        return new

    def shuffle(self, buffer_size: int | None = None, seed: int | None = None,
                reshuffle_each_iteration: bool = True, name=None) -> "BatchDataset":
        """A dataset whose sample order is reshuffled every epoch (whole-dataset shuffle)."""
        new = self._copy()
        new._shuffle = True
        if seed is not None:
            new._seed = int(seed)
        rng = np.random.RandomState(new._seed % (2**32))
        new._order = rng.permutation(self._num_samples)
        return new

    def take(self, count: int, name=None) -> "BatchDataset":
        """The first ``count`` batches (all of them when ``count`` is -1)."""
        new = self._copy()
        if count is not None and count >= 0:
            new._limit = count if self._limit is None else min(count, self._limit)
        return new

    def skip(self, count: int, name=None) -> "BatchDataset":
        """All batches but the first ``count``."""
        new = self._copy()
        new._start = self._start + max(0, int(count))
        if new._limit is not None:
            new._limit = max(0, new._limit - int(count))
        return new

    def cache(self, filename: str = "", name=None) -> "BatchDataset":
        """A dataset that keeps every decoded sample in memory after its first read."""
        new = self._copy()
        new._cache = {} if self._cache is None else self._cache
        return new

    def prefetch(self, buffer_size=None, name=None) -> "BatchDataset":
        """No-op kept for tf.data compatibility (``fit`` prefetches per the dataset's ``workers``)."""
        return self

    def repeat(self, count=None, name=None) -> "BatchDataset":
        """No-op kept for tf.data compatibility (``fit`` iterates the dataset once per epoch)."""
        return self

    def cardinality(self) -> int:
        """Number of batches, as ``tf.data.Dataset.cardinality()``."""
        return len(self)

    def as_numpy_iterator(self):
        """Iterate the batches (already NumPy unless a map function returns tensors)."""
        return iter(self)

    def __repr__(self) -> str:
        return (f"<BatchDataset batches={len(self)} batch_size={self.batch_size} samples={self._num_samples} "
                f"shuffle={self._shuffle}>")
