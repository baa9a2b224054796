"""``timeseries_dataset_from_array``: batches of sliding windows over an array (``keras.utils``).

Window ``i`` starts at ``start_index + i * sequence_stride`` and takes
``sequence_length`` steps spaced ``sampling_rate`` apart; its target is
``targets[start_index + i * sequence_stride]``. Returns a
:class:`~lamina.utils.batch_dataset.BatchDataset` that ``fit`` accepts.

Example:
    >>> data = np.arange(10)
    >>> ds = lamina.utils.timeseries_dataset_from_array(data[:-3], data[3:], sequence_length=3, batch_size=2)
    >>> ds[0]
    (array([[0, 1, 2], [1, 2, 3]]), array([3, 4]))
"""

from __future__ import annotations

import numpy as np

from lamina.utils.batch_dataset import BatchDataset

_WHERE = "timeseries_dataset_from_array"


def timeseries_dataset_from_array(data, targets, sequence_length: int, sequence_stride: int = 1,
                                  sampling_rate: int = 1, batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None, format: str = "tf") -> BatchDataset:
    """Sliding windows over ``data`` (with matching ``targets``, or None) as a batched dataset."""
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"{_WHERE}: `start_index` must be 0 or greater; received {start_index}.")
        if start_index >= n:
            raise ValueError(f"{_WHERE}: `start_index` must be lower than the length of the data ({n}); "
                             f"received {start_index}.")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"{_WHERE}: `end_index` must be higher than `start_index`; received "
                             f"start_index={start_index}, end_index={end_index}.")
        if end_index >= n:
            raise ValueError(f"{_WHERE}: `end_index` must be lower than the length of the data ({n}); "
                             f"received {end_index}.")
        if end_index <= 0:
            raise ValueError(f"{_WHERE}: `end_index` must be higher than 0; received {end_index}.")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"{_WHERE}: `{name}` must be higher than 0; received {value}.")
        if value >= n:
            raise ValueError(f"{_WHERE}: `{name}` must be lower than the length of the data ({n}); "
                             f"received {value}.")
    if format not in ("tf", "grain"):
        raise ValueError(f"{_WHERE}: `format` must be 'tf' or 'grain'; received {format!r}.")
    start = 0 if start_index is None else int(start_index)
    end = n if end_index is None else int(end_index)
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype="int64")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1_000_000)
        np.random.RandomState(seed).shuffle(positions)
    data_part = np.asarray(data)[start:end]
    target_part = None if targets is None else np.asarray(targets)[start:end]
    offsets = np.arange(sequence_length, dtype="int64") * sampling_rate

    def fetch(indices):
        starts = positions[np.asarray(indices, dtype="int64")]
        windows = data_part[starts[:, None] + offsets[None, :]]
        if target_part is None:
            return windows
        return windows, target_part[starts]

    return BatchDataset(fetch, len(positions), batch_size=batch_size, shuffle=shuffle, seed=seed)
