"""``split_dataset``: split arrays or a dataset into a left and a right part (``keras.utils.split_dataset``).

Accepted inputs: a NumPy array, a tuple/list/dict of arrays with the same first
dimension, a :class:`~lamina.utils.batch_dataset.BatchDataset` or any
PyDataset/iterable (read sample by sample). Both parts are
:class:`~lamina.utils.batch_dataset.BatchDataset` objects of single samples
(batched again with the source's batch size when the source was a batched
BatchDataset), like Keras's ``tf.data`` result. With ``shuffle=True`` the
samples are shuffled with ``random.Random(seed)`` first, as Keras does.

Example:
    >>> left, right = lamina.utils.split_dataset(np.arange(10), left_size=0.8)
    >>> len(left), len(right)
    (8, 2)
"""

from __future__ import annotations

import random

import numpy as np

from lamina.utils.batch_dataset import BatchDataset, _select, _stack
from lamina.utils.py_dataset import PyDataset

_WHERE = "split_dataset"


def _sizes(left_size, right_size, total):
    for name, value in (("left_size", left_size), ("right_size", right_size)):
        if value is not None and type(value) not in (int, float):
            raise TypeError(f"{_WHERE}: `{name}` must be an int, a float or None; received {type(value).__name__}.")
    if left_size is None and right_size is None:
        raise ValueError(f"{_WHERE}: pass at least one of `left_size` and `right_size`.")
    if left_size == 0 and right_size == 0:
        raise ValueError(f"{_WHERE}: `left_size` and `right_size` are both zero.")
    for name, value in (("left_size", left_size), ("right_size", right_size)):
        if (type(value) is int and not 0 < value < total) or (type(value) is float and not 0 < value < 1):
            raise ValueError(f"{_WHERE}: `{name}` must be a positive int smaller than the dataset length ({total}) "
                             f"or a float in (0, 1); received {value}.")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError(f"{_WHERE}: left_size + right_size is greater than 1 ({left_size} + {right_size}).")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(f"{_WHERE}: left_size + right_size ({left} + {right}) is larger than the dataset length "
                         f"({total}).")
    if left == 0 or right == 0:
        raise ValueError(f"{_WHERE}: with a dataset of {total} samples, left_size={left} and right_size={right} "
                         "leave one side empty.")
    return int(left), int(right)


def _samples_of(dataset):
    """Return ``(fetch(indices), length, batch_size)`` for the accepted dataset kinds."""
    if isinstance(dataset, np.ndarray) or (isinstance(dataset, (tuple, list, dict)) and dataset):
        leaves = list(dataset.values()) if isinstance(dataset, dict) else (
            [dataset] if isinstance(dataset, np.ndarray) else list(dataset))
        arrays = [np.asarray(v) for v in leaves]
        lengths = {len(a) for a in arrays}
        if len(lengths) != 1:
            raise ValueError(f"{_WHERE}: the arrays have different lengths {sorted(lengths)}; they must share their "
                             "first dimension.")
        if isinstance(dataset, np.ndarray):
            return (lambda idx: arrays[0][idx]), len(arrays[0]), None
        if isinstance(dataset, dict):
            keys = list(dataset)
            return (lambda idx: {k: a[idx] for k, a in zip(keys, arrays)}), len(arrays[0]), None
        return (lambda idx: tuple(a[idx] for a in arrays)), len(arrays[0]), None
    if isinstance(dataset, BatchDataset):
        batch_size = dataset.batch_size
        source = dataset.unbatch() if batch_size is not None else dataset
    elif isinstance(dataset, PyDataset) or hasattr(dataset, "__iter__"):
        batch_size, source = None, dataset
    else:
        raise TypeError(f"{_WHERE}: `dataset` must be an array, a tuple/list/dict of arrays or a dataset; "
                        f"received {type(dataset).__name__}.")
    if isinstance(dataset, PyDataset) and not isinstance(dataset, BatchDataset):
        count = dataset.num_batches
        if count is None:
            raise ValueError(f"{_WHERE}: cannot split a PyDataset without end (num_batches is None).")
        # Index the batches: some PyDatasets (legacy image iterators) cycle forever when iterated.
        batches = [dataset[i] for i in range(count)]
        samples = [_select(b, i) for b in batches for i in range(len(b[0] if isinstance(b, tuple) else b))]
    else:
        samples = list(source)
    if not samples:
        raise ValueError(f"{_WHERE}: the dataset is empty.")
    return (lambda idx: _stack([samples[i] for i in idx])), len(samples), batch_size


def split_dataset(dataset, left_size=None, right_size=None, shuffle: bool = False, seed: int | None = None,
                  preferred_backend=None):
    """Split ``dataset`` into ``(left, right)``; sizes are sample counts (int) or fractions (float)."""
    fetch, total, batch_size = _samples_of(dataset)
    left, right = _sizes(left_size, right_size, total)
    order = list(range(total))
    if shuffle:
        if seed is None:
            seed = random.randint(0, 1_000_000)
        random.Random(seed).shuffle(order)
    order = np.asarray(order, dtype="int64")

    def part(indices):
        return BatchDataset(lambda idx: fetch(indices[np.asarray(idx, dtype="int64")]), len(indices),
                            batch_size=batch_size, shuffle=False)

    return part(order[:left]), part(order[total - right:])
