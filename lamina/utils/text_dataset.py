"""``text_dataset_from_directory``: batches of ``.txt`` file contents (and labels from folder names).

Returns a :class:`~lamina.utils.batch_dataset.BatchDataset` whose inputs are
NumPy object arrays of Python ``str`` (Keras yields ``tf.string`` tensors).
Feed them to a ``TextVectorization`` layer, or ``map`` them to numbers first.

Example:
    >>> ds = lamina.utils.text_dataset_from_directory("reviews", batch_size=16, max_length=500)
    >>> texts, labels = ds[0]
"""

from __future__ import annotations

import numpy as np

from lamina.utils import directory_index

ALLOWLIST_FORMATS = (".txt",)
_WHERE = "text_dataset_from_directory"


def _read_text(path, max_length):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ValueError(f"{_WHERE}: cannot read the text file {path!r}: {e}") from None
    text = data.decode("utf-8", errors="replace")
    if max_length is not None:
        text = text[:max_length]
    return text


def text_dataset_from_directory(directory, labels="inferred", label_mode: str | None = "int", class_names=None,
                                batch_size: int | None = 32, max_length: int | None = None, shuffle: bool = True,
                                seed: int | None = None, validation_split: float | None = None,
                                subset: str | None = None, follow_links: bool = False, format: str = "tf",
                                verbose: bool = True):
    """``.txt`` files in class subfolders of ``directory`` -> a dataset of ``(texts, labels)`` batches.

    ``max_length`` truncates every text to that many characters. Labels as in
    ``image_dataset_from_directory``; ``subset='both'`` returns ``[train, validation]``.
    """
    if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
        raise ValueError(f"{_WHERE}: `max_length` must be a positive integer or None; received {max_length!r}.")
    if format not in ("tf", "grain"):
        raise ValueError(f"{_WHERE}: `format` must be 'tf' or 'grain'; received {format!r}.")

    def load(paths):
        out = np.empty((len(paths),), dtype=object)
        out[:] = [_read_text(p, max_length) for p in paths]
        return out

    return directory_index.build_datasets(
        directory, load, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
        follow_links, verbose, ALLOWLIST_FORMATS, _WHERE, what="text files")
