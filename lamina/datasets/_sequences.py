"""Shared word-index processing of the imdb and reuters loaders (Keras's documented rules)."""

from __future__ import annotations

import json

import numpy as np

from lamina.datasets import _files


def shuffled(arrays, seed):
    """Apply one ``RandomState(seed)`` permutation to each array in turn (the generator keeps its state)."""
    rng = np.random.RandomState(seed)
    out = []
    for group in arrays:
        order = np.arange(len(group[0]))
        rng.shuffle(order)
        out.append(tuple(a[order] for a in group))
    return out


def reindex(xs, start_char, index_from):
    """Shift word indices by ``index_from`` and prepend ``start_char`` (when not None)."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    return [[w + index_from for w in x] for x in xs]


def drop_long(xs, labels, maxlen):
    """Keep only sequences shorter than ``maxlen``."""
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(xs, num_words, skip_top, oov_char):
    """Words outside ``[skip_top, num_words)`` become ``oov_char`` (or are dropped when it is None)."""
    if not num_words:
        num_words = max(max(x) for x in xs if len(x)) if any(len(x) for x in xs) else 0
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def as_object_array(xs):
    out = np.empty(len(xs), dtype=object)
    for i, x in enumerate(xs):
        out[i] = list(x)
    return out


def word_index(path, default_name, origin, file_hash, where):
    """Load a ``{word: index}`` JSON file (``path`` or the Keras cache)."""
    file = _files.locate(path, default_name, origin, file_hash, where)
    try:
        with open(file, encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"{where}: cannot read the word index {file!r} as JSON ({e}).") from None
    if not isinstance(index, dict):
        raise ValueError(f"{where}: {file!r} must hold a JSON object {{word: index}}; found {type(index).__name__}.")
    return index
