"""PyDataset: a dataset written in Python that ``fit`` can read in parallel (``keras.utils.PyDataset``).

A subclass returns one whole batch from ``__getitem__(index)`` and says how
many batches there are with ``__len__`` (or the ``num_batches`` property;
``None`` there means the dataset never ends). ``workers``,
``use_multiprocessing`` and ``max_queue_size`` tell ``fit``/``evaluate``/
``predict`` how to prefetch batches; iterating the dataset by hand is
always sequential.

Example:
    >>> class Squares(lamina.utils.PyDataset):
    ...     def __init__(self, n, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x = np.arange(n, dtype="float32")[:, None]
    ...         self.batch_size = batch_size
    ...     def __len__(self):
    ...         return math.ceil(len(self.x) / self.batch_size)
    ...     def __getitem__(self, index):
    ...         part = self.x[index * self.batch_size:(index + 1) * self.batch_size]
    ...         return part, part ** 2
    >>> model.fit(Squares(100, 16, workers=2), epochs=3)
"""

from __future__ import annotations

import itertools
import warnings

_DEFAULTS = {"_workers": 1, "_use_multiprocessing": False, "_max_queue_size": 10}


class PyDataset:
    """Base class for batch-producing datasets written in Python, optionally read by parallel workers.

    Args:
        workers: how many threads (or processes) fetch batches ahead of the
            training step. 1 fetches batches in the training loop itself.
        use_multiprocessing: fetch with processes instead of threads (the
            dataset must then be picklable when processes are spawned).
        max_queue_size: how many batches may be fetched ahead at most.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _setting(self, attr):
        if attr not in self.__dict__:
            warnings.warn(
                f"{type(self).__name__} should call `super().__init__(**kwargs)` in its constructor "
                "(kwargs may include `workers`, `use_multiprocessing` and `max_queue_size`); "
                "using the defaults workers=1, use_multiprocessing=False, max_queue_size=10.",
                stacklevel=3,
            )
            for name, value in _DEFAULTS.items():
                self.__dict__.setdefault(name, value)
        return self.__dict__[attr]

    @property
    def workers(self) -> int:
        """Number of threads or processes that fetch batches during fit/evaluate/predict."""
        return self._setting("_workers")

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        """Whether the workers are processes (True) or threads (False)."""
        return self._setting("_use_multiprocessing")

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        """The most batches fetched ahead of the one being consumed."""
        return self._setting("_max_queue_size")

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int):
        """The batch at position ``index``: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index) returning a batch.")

    @property
    def num_batches(self):
        """Batches per epoch (``len(self)`` by default); ``None`` for a dataset without end."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must define __len__ or the `num_batches` property "
            "(return None from num_batches for an endless dataset)."
        )

    def __iter__(self):
        """Yield the batches in order (sequentially; parallel reading happens only inside fit/evaluate/predict)."""
        try:
            count = self.num_batches
        except NotImplementedError:
            count = None
        indices = itertools.count() if count is None else range(count)
        for index in indices:
            yield self[index]

    def on_epoch_begin(self) -> None:
        """Called at the start of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch (e.g. to reshuffle the samples)."""
