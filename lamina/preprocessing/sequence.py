"""Legacy sequence helpers (``keras.preprocessing.sequence``): pad_sequences, TimeseriesGenerator, skipgrams.

New code should prefer ``lamina.utils.pad_sequences`` and
``lamina.utils.timeseries_dataset_from_array``.

Example:
    >>> gen = TimeseriesGenerator(np.arange(10), np.arange(10), length=3, batch_size=2)
    >>> gen[0]
    (array([[0, 1, 2], [1, 2, 3]]), array([3, 4]))
"""

from __future__ import annotations

import json
import random

import numpy as np

from lamina.utils.py_dataset import PyDataset
from lamina.utils.sequence_utils import pad_sequences

__all__ = ["pad_sequences", "TimeseriesGenerator", "make_sampling_table", "skipgrams"]


class TimeseriesGenerator(PyDataset):
    """Batches of ``(windows, targets)`` over a time series; a PyDataset that ``fit`` accepts.

    Sample ``j`` ends just before step ``row = start_index + length + j * stride``:
    it is ``data[row - length:row:sampling_rate]`` with target ``targets[row]``.

    Args:
        data: indexable series (list or array), time on axis 0.
        targets: one target per step of ``data`` (same length).
        length: window length in steps (before subsampling by ``sampling_rate``).
        sampling_rate: keep every ``sampling_rate``-th step of a window.
        stride: steps between consecutive windows.
        start_index, end_index: only steps in ``[start_index, end_index]`` are used.
        shuffle: draw the windows of each batch at random (with replacement), as Keras 2.
        reverse: windows in reverse time order.
        batch_size: windows per batch.
        **kwargs: PyDataset settings (``workers``, ``use_multiprocessing``, ``max_queue_size``).
    """

    def __init__(self, data, targets, length: int, sampling_rate: int = 1, stride: int = 1, start_index: int = 0,
                 end_index: int | None = None, shuffle: bool = False, reverse: bool = False, batch_size: int = 128,
                 **kwargs):
        super().__init__(**kwargs)
        if len(data) != len(targets):
            raise ValueError(f"TimeseriesGenerator: `data` and `targets` must have the same length; received "
                             f"{len(data)} data steps and {len(targets)} targets.")
        for name, value in (("length", length), ("sampling_rate", sampling_rate), ("stride", stride),
                            ("batch_size", batch_size)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"TimeseriesGenerator: `{name}` must be a positive integer; received {value!r}.")
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError(f"TimeseriesGenerator: start_index + length = {self.start_index} is beyond end_index = "
                             f"{self.end_index}; no step would be left to predict.")

    def __len__(self) -> int:
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index: int):
        """Batch ``index``: ``(windows, targets)`` as NumPy arrays."""
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            if not 0 <= index < len(self):
                raise IndexError(f"TimeseriesGenerator: batch index {index} out of range for {len(self)} batches.")
            first = self.start_index + index * self.batch_size * self.stride
            rows = np.arange(first, min(first + self.batch_size * self.stride, self.end_index + 1), self.stride)
        windows = np.array([self.data[row - self.length:row:self.sampling_rate] for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            windows = windows[:, ::-1, ...]
        return windows, targets

    def get_config(self) -> dict:
        """The generator's settings, with ``data`` and ``targets`` as JSON strings (as Keras)."""
        def as_json(value, name):
            if isinstance(value, np.ndarray):
                value = value.tolist()
            try:
                return json.dumps(value)
            except TypeError:
                raise TypeError(f"TimeseriesGenerator.get_config: `{name}` is not JSON serializable.") from None

        return {"data": as_json(self.data, "data"), "targets": as_json(self.targets, "targets"),
                "length": self.length, "sampling_rate": self.sampling_rate, "stride": self.stride,
                "start_index": self.start_index, "end_index": self.end_index, "shuffle": self.shuffle,
                "reverse": self.reverse, "batch_size": self.batch_size}

    def to_json(self, **kwargs) -> str:
        """``{"class_name": "TimeseriesGenerator", "config": get_config()}`` as a JSON string."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def make_sampling_table(size: int, sampling_factor: float = 1e-5) -> np.ndarray:
    """word2vec sampling probabilities by word rank, assuming Zipf-distributed frequencies (for ``skipgrams``)."""
    gamma = 0.577  # the approximation Keras uses for the Euler-Mascheroni constant
    rank = np.arange(size)
    rank[0] = 1
    inverse_freq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inverse_freq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size: int, window_size: int = 4, negative_samples: float = 1.0,
              shuffle: bool = True, categorical: bool = False, sampling_table=None, seed=None):
    """``(couples, labels)``: (word, context word) pairs labelled 1 and (word, random word) pairs labelled 0.

    Index 0 is treated as padding and skipped. With ``shuffle``, the pairs are
    shuffled with ``random.Random(seed)``.
    """
    couples, labels = [], []
    for i, word in enumerate(sequence):
        if not word:
            continue
        if sampling_table is not None:
            if sampling_table[word] < random.random():
                continue
        lo, hi = max(0, i - window_size), min(len(sequence), i + window_size + 1)
        for j in range(lo, hi):
            if j != i and sequence[j]:
                couples.append([word, sequence[j]])
                labels.append([0, 1] if categorical else 1)
    if negative_samples > 0:
        count = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[k % len(words)], random.randint(1, vocabulary_size - 1)] for k in range(count)]
        labels += [[1, 0] if categorical else 0] * count
    if shuffle:
        if seed is None:
            seed = random.randint(0, 10_000_000)
        random.Random(seed).shuffle(couples)
        random.Random(seed).shuffle(labels)
    return couples, labels
