"""IMDB movie reviews (``keras.datasets.imdb``): reviews as lists of word indices, labels 0/1.

Reads Keras's ``imdb.npz`` (ragged object arrays x_train, y_train, x_test,
y_test; read with a restricted unpickler) and ``imdb_word_index.json``.
Index conventions as Keras: 0 padding, ``start_char`` (1) starts a review,
``oov_char`` (2) replaces words outside the vocabulary, real words start at
``index_from`` (3).

Example:
    >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.imdb.load_data(num_words=10000)
"""

from __future__ import annotations

import numpy as np

from lamina.datasets import _files, _sequences

_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0, maxlen: int | None = None,
              seed: int = 113, start_char: int | None = 1, oov_char: int | None = 2, index_from: int = 3,
              **kwargs):
    """``(x_train, y_train), (x_test, y_test)``: object arrays of int lists and int labels."""
    where = "imdb.load_data"
    if kwargs:
        raise TypeError(f"{where}: unrecognized keyword arguments {sorted(kwargs)}.")
    file = _files.locate(path, "imdb.npz", _files.KERAS_ORIGIN + "imdb.npz", _HASH, where)
    arrays = _files.load_npz(file, where)
    _files.require_keys(arrays, ("x_train", "y_train", "x_test", "y_test"), file, where)
    (x_train, y_train), (x_test, y_test) = _sequences.shuffled(
        [(arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])], seed)
    x_train = _sequences.reindex(x_train, start_char, index_from)
    x_test = _sequences.reindex(x_test, start_char, index_from)
    if maxlen:
        x_train, y_train = _sequences.drop_long(x_train, y_train, maxlen)
        x_test, y_test = _sequences.drop_long(x_test, y_test, maxlen)
        if not x_train or not x_test:
            raise ValueError(f"{where}: no sequence is shorter than maxlen={maxlen}; increase maxlen.")
    xs = _sequences.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([np.asarray(y_train), np.asarray(y_test)])
    n = len(x_train)
    return ((_sequences.as_object_array(xs[:n]), labels[:n]), (_sequences.as_object_array(xs[n:]), labels[n:]))


def get_word_index(path: str = "imdb_word_index.json") -> dict:
    """``{word: index}`` of the IMDB data (add ``index_from`` to match ``load_data``'s sequences)."""
    return _sequences.word_index(path, "imdb_word_index.json", _files.KERAS_ORIGIN + "imdb_word_index.json",
                                 _INDEX_HASH, "imdb.get_word_index")
