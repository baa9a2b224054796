"""Reuters newswires (``keras.datasets.reuters``): 46 topics, texts as lists of word indices.

Reads Keras's ``reuters.npz`` (ragged object arrays x, y; restricted
unpickler) and ``reuters_word_index.json``; index conventions as imdb.

Example:
    >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.reuters.load_data(num_words=10000)
"""

from __future__ import annotations

import numpy as np

from lamina.datasets import _files, _sequences

_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"
_LABELS = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
           "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
           "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
           "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
           "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path: str = "reuters.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, test_split: float = 0.2, seed: int = 113, start_char: int | None = 1,
              oov_char: int | None = 2, index_from: int = 3):
    """``(x_train, y_train), (x_test, y_test)``; the last ``test_split`` of the shuffled newswires are the test set."""
    where = "reuters.load_data"
    file = _files.locate(path, "reuters.npz", _files.KERAS_ORIGIN + "reuters.npz", _HASH, where)
    arrays = _files.load_npz(file, where)
    _files.require_keys(arrays, ("x", "y"), file, where)
    [(xs, labels)] = _sequences.shuffled([(arrays["x"], arrays["y"])], seed)
    xs = _sequences.reindex(xs, start_char, index_from)
    if maxlen:
        xs, labels = _sequences.drop_long(xs, labels, maxlen)
    xs = _sequences.limit_vocabulary(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((_sequences.as_object_array(xs[:cut]), np.array(labels[:cut])),
            (_sequences.as_object_array(xs[cut:]), np.array(labels[cut:])))


def get_word_index(path: str = "reuters_word_index.json") -> dict:
    """``{word: index}`` of the Reuters data (add ``index_from`` to match ``load_data``'s sequences)."""
    return _sequences.word_index(path, "reuters_word_index.json", _files.KERAS_ORIGIN + "reuters_word_index.json",
                                 _INDEX_HASH, "reuters.get_word_index")


def get_label_names() -> tuple:
    """The 46 topic names, in label order."""
    return _LABELS
