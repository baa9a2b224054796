"""PyDatasetAdapter: batches from a ``lamina.utils.PyDataset``, prefetched in order by threads or processes.

With ``workers > 1`` (or ``use_multiprocessing=True`` and ``workers >= 1``) a pool
fetches ``dataset[i]`` ahead of the training step: at most ``max_queue_size``
batches are requested ahead, and they are handed out in index order whatever
order the workers finish in. One pool serves one pass over the data; it is
created when the pass starts (so state that ``on_epoch_end`` changed reaches
process workers) and shut down when the pass ends, when the consumer stops
early, or when a batch raises.

Process pools work with every start method: the worker function lives in this
module and the dataset reaches each worker through the pool's initializer
(inherited with ``fork``, pickled once per worker with ``spawn``/``forkserver``).
The start method is multiprocessing's default (``multiprocessing.set_start_method``).

Example:
    >>> adapter = PyDatasetAdapter(MyDataset(workers=4, use_multiprocessing=True))
    >>> for x, y, sample_weight in adapter:   # one epoch, batches in order
    ...     ...
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import multiprocessing
import pickle

import numpy as np

from lamina.trainers.data_adapters import DataAdapter, standardize_batch

# Start method for process workers; None = multiprocessing's default. (Tests set "spawn".)
_START_METHOD = None

# The dataset of this worker process (set by the pool initializer).
_WORKER_DATASET = None


def _init_worker(dataset) -> None:
    global _WORKER_DATASET
    _WORKER_DATASET = dataset


def _worker_getitem(index):
    return _WORKER_DATASET[index]


def _positive_int(value, name, dataset, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{type(dataset).__name__}: `{name}` must be an integer >= {minimum}; "
                         f"received {value!r}.")
    return int(value)


class PyDatasetAdapter(DataAdapter):
    """Adapter for ``PyDataset``: batch order shuffled per epoch when ``shuffle`` (finite datasets only, as Keras),
    ``on_epoch_begin``/``on_epoch_end`` called around each epoch, parallel prefetching per the dataset's settings."""

    def __init__(self, dataset, steps=None, shuffle: bool = False, class_weight=None):
        super().__init__(steps)
        self.py_dataset = dataset
        self.class_weight = class_weight
        name = type(dataset).__name__
        try:
            try:
                count = dataset.num_batches
            except AttributeError:
                count = len(dataset)
        except (NotImplementedError, TypeError) as e:
            raise ValueError(f"{name} must define __len__ or `num_batches`: {e}") from None
        if count is not None:
            count = _positive_int(count, "num_batches (len)", dataset, 0)
        if count is None and self._steps is None:
            raise ValueError(f"{name} has no end (num_batches is None): pass `steps_per_epoch` "
                             "(or `steps`/`validation_steps`) to say how many batches make an epoch.")
        self._pass_length = count
        self.shuffle = bool(shuffle) and count is not None
        self.workers = _positive_int(getattr(dataset, "workers", 1), "workers", dataset, 0)
        self.use_multiprocessing = bool(getattr(dataset, "use_multiprocessing", False))
        self.max_queue_size = int(getattr(dataset, "max_queue_size", 10))
        self.parallel = self.workers > 1 or (self.workers > 0 and self.use_multiprocessing)

    @property
    def batch_size(self):
        return None

    def _epoch_begin(self):
        hook = getattr(self.py_dataset, "on_epoch_begin", None)
        if hook is not None:
            hook()

    def _epoch_end(self):
        hook = getattr(self.py_dataset, "on_epoch_end", None)
        if hook is not None:
            hook()

    def peek(self):
        """The first batch, read directly (no workers, no epoch hooks)."""
        return standardize_batch(self.py_dataset[0], _where(self.py_dataset, 0), self.class_weight)

    def _indices(self):
        if self._pass_length is None:
            return itertools.count()
        if self.shuffle:
            return iter(np.random.permutation(self._pass_length).tolist())
        return iter(range(self._pass_length))

    def _open_pass(self):
        if not self.parallel:
            return _sequential_pass(self.py_dataset, self._indices(), self.class_weight)
        depth = self.max_queue_size if self.max_queue_size > 0 else 2 * self.workers
        return _prefetch_pass(self.py_dataset, self._indices(), self.workers, self.use_multiprocessing,
                              depth, self.class_weight)


def _where(dataset, index) -> str:
    return f"{type(dataset).__name__}.__getitem__({index})"


def _sequential_pass(dataset, indices, class_weight):
    for i in indices:
        yield standardize_batch(dataset[i], _where(dataset, i), class_weight)


def _make_executor(dataset, workers, use_multiprocessing):
    if not use_multiprocessing:
        return concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lamina_pydataset")
    context = multiprocessing.get_context(_START_METHOD)
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                                  initializer=_init_worker, initargs=(dataset,))


def _prefetch_pass(dataset, indices, workers, use_multiprocessing, depth, class_weight):
    """One pass: keep ``depth`` requests in flight, hand results out in index order, always shut the pool down."""
    executor = _make_executor(dataset, workers, use_multiprocessing)
    fetch = _worker_getitem if use_multiprocessing else dataset.__getitem__
    pending = collections.deque()
    finished = False

    def submit(i):
        try:
            pending.append((i, executor.submit(fetch, i)))
        except (pickle.PicklingError, TypeError, AttributeError) as e:
            if use_multiprocessing and not pending:
                method = multiprocessing.get_context(_START_METHOD).get_start_method()
                raise TypeError(
                    f"{type(dataset).__name__} uses use_multiprocessing=True, so it must be picklable to reach "
                    f"the worker processes (start method {method!r}); pickling failed: {e}"
                ) from e
            raise

    try:
        for i in itertools.islice(indices, depth):
            submit(i)
        while pending:
            i, future = pending.popleft()
            batch = future.result()
            for j in itertools.islice(indices, 1):
                submit(j)
            yield standardize_batch(batch, _where(dataset, i), class_weight)
        finished = True
    finally:
        # Normal end: nothing is pending, so waiting is instant. Early stop or error: drop what is
        # queued and return at once; workers finish the item in hand and exit on their own.
        executor.shutdown(wait=finished, cancel_futures=not finished)
