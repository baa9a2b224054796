"""Legacy text helpers (``keras.preprocessing.text`` of Keras 1/2): Tokenizer and friends.

Kept for the many tutorials that use them; new code should prefer the
``TextVectorization`` layer. Behaviour follows Keras's legacy module: words are
lower-cased, the ``filters`` characters become separators, and ``word_index``
numbers words from 1 by decreasing frequency (ties in order of first
appearance), with ``oov_token`` (when given) at index 1.

Example:
    >>> tok = Tokenizer(num_words=100, oov_token="<unk>")
    >>> tok.fit_on_texts(["the cat sat", "the dog"])
    >>> tok.texts_to_sequences(["the bird sat"])
    [[2, 1, 4]]
    >>> tok2 = tokenizer_from_json(tok.to_json())
"""

from __future__ import annotations

import collections
import hashlib
import json
import warnings

import numpy as np

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(input_text: str, filters: str = DEFAULT_FILTERS, lower: bool = True,
                          split: str = " ") -> list:
    """Split a text into words: lower-case, turn every ``filters`` character into ``split``, drop empties.

    Example:
        >>> text_to_word_sequence("Hello, World!")
        ['hello', 'world']
    """
    if not isinstance(input_text, str):
        raise TypeError(f"text_to_word_sequence: expected a str; received {type(input_text).__name__}.")
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({ch: split for ch in filters}))
    return [word for word in input_text.split(split) if word]


def hashing_trick(text: str, n: int, hash_function=None, filters: str = DEFAULT_FILTERS, lower: bool = True,
                  split: str = " ", analyzer=None) -> list:
    """Words of ``text`` -> integers in ``[1, n)`` by hashing (``hash_function``: None (Python hash), 'md5' or a callable).

    Python's built-in ``hash`` of strings changes between processes; use 'md5' for stable results.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(word):
            return int(hashlib.md5(word.encode()).hexdigest(), 16)
    words = analyzer(text) if analyzer is not None else text_to_word_sequence(text, filters, lower, split)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(input_text: str, n: int, filters: str = DEFAULT_FILTERS, lower: bool = True, split: str = " ",
            analyzer=None) -> list:
    """``hashing_trick`` with Python's ``hash`` (word indices in ``[1, n)``; not stable across processes)."""
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower, split=split,
                         analyzer=analyzer)


class Tokenizer:
    """Map words (or characters) to integer indices, and texts to sequences or bag-of-words matrices.

    Args:
        num_words: keep only words with index below ``num_words`` when
            converting (the ``num_words - 1`` most frequent words).
        filters: characters removed from the texts (replaced by ``split``).
        lower: lower-case the texts.
        split: the word separator.
        char_level: every character is a token.
        oov_token: a token (index 1) that stands for out-of-vocabulary words
            in ``texts_to_sequences``; without it, unknown words are dropped.
        analyzer: a callable ``text -> list of tokens`` used instead of the
            built-in splitting.
    """

    def __init__(self, num_words: int | None = None, filters: str = DEFAULT_FILTERS, lower: bool = True,
                 split: str = " ", char_level: bool = False, oov_token: str | None = None, analyzer=None, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("Tokenizer: the `nb_words` argument is now called `num_words`.", stacklevel=2)
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Tokenizer: unrecognized keyword arguments {sorted(kwargs)}.")
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = collections.defaultdict(int)
        self.word_index: dict = {}
        self.index_word: dict = {}
        self.analyzer = analyzer

    def _tokens(self, text) -> list:
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer: expected texts as str (or lists of tokens); received "
                            f"{type(text).__name__}: {text!r}.")
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower, split=self.split)

    def fit_on_texts(self, texts) -> None:
        """Count the words of ``texts`` (a list of strings, or of token lists) and rebuild ``word_index``."""
        if isinstance(texts, str):
            raise TypeError("Tokenizer.fit_on_texts: expected a list of texts; received a single str "
                            "(wrap it in a list).")
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for token in tokens:
                self.word_counts[token] = self.word_counts.get(token, 0) + 1
            for token in set(tokens):
                self.word_docs[token] += 1
        # sorted() is stable: equally frequent words keep their order of first appearance.
        by_count = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token]) + [word for word, _ in by_count]
        self.word_index = {word: i for i, word in enumerate(vocabulary, start=1)}
        self.index_word = {i: word for word, i in self.word_index.items()}
        for word, docs in self.word_docs.items():
            self.index_docs[self.word_index[word]] = docs

    def fit_on_sequences(self, sequences) -> None:
        """Count document frequencies from already-encoded sequences (needed for 'tfidf' without texts)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for index in set(seq):
                self.index_docs[index] += 1

    def texts_to_sequences_generator(self, texts):
        """Yield the list of word indices of each text (see ``texts_to_sequences``)."""
        oov = self.word_index.get(self.oov_token)
        limit = self.num_words
        for text in texts:
            out = []
            for token in self._tokens(text):
                index = self.word_index.get(token)
                if index is not None and not (limit and index >= limit):
                    out.append(index)
                elif oov is not None:
                    out.append(oov)
            yield out

    def texts_to_sequences(self, texts) -> list:
        """Each text -> its list of word indices (unknown / rare words -> ``oov_token`` index or dropped)."""
        if isinstance(texts, str):
            raise TypeError("Tokenizer.texts_to_sequences: expected a list of texts; received a single str "
                            "(wrap it in a list).")
        return list(self.texts_to_sequences_generator(texts))

    def sequences_to_texts_generator(self, sequences):
        """Yield the text of each sequence of indices (see ``sequences_to_texts``)."""
        oov = self.word_index.get(self.oov_token)
        limit = self.num_words
        for seq in sequences:
            words = []
            for index in seq:
                word = self.index_word.get(index)
                if word is not None and not (limit and index >= limit):
                    words.append(word)
                elif oov is not None:
                    words.append(self.index_word[oov])
            yield " ".join(words)

    def sequences_to_texts(self, sequences) -> list:
        """Sequences of word indices -> space-joined texts."""
        return list(self.sequences_to_texts_generator(sequences))

    def texts_to_matrix(self, texts, mode: str = "binary") -> np.ndarray:
        """Texts -> a ``(len(texts), num_words)`` float64 matrix; ``mode`` 'binary', 'count', 'tfidf' or 'freq'."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode: str = "binary") -> np.ndarray:
        """Sequences of word indices -> a bag-of-words matrix (see ``texts_to_matrix``)."""
        if mode not in _MODES:
            raise ValueError(f"Tokenizer.sequences_to_matrix: `mode` must be one of {_MODES}; received {mode!r}.")
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("Tokenizer.sequences_to_matrix: pass `num_words` to the Tokenizer or fit it on texts "
                             "first; the matrix width is unknown.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Tokenizer: fit the Tokenizer on some texts (or sequences) before using mode='tfidf'.")
        out = np.zeros((len(sequences), width))
        for row, seq in enumerate(sequences):
            if not seq:
                continue
            counts = collections.Counter(j for j in seq if j < width)
            for j, c in counts.items():
                if mode == "binary":
                    out[row, j] = 1
                elif mode == "count":
                    out[row, j] = c
                elif mode == "freq":
                    out[row, j] = c / len(seq)
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    out[row, j] = (1 + np.log(c)) * idf
        return out

    def get_config(self) -> dict:
        """The tokenizer's settings and vocabulary (vocabularies as JSON strings, as Keras writes them)."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs) -> str:
        """A JSON string (``{"class_name": "Tokenizer", "config": ...}``) that ``tokenizer_from_json`` reads back.

        The format is Keras's, so tokenizers saved by either library load in the other.
        """
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string: str) -> Tokenizer:
    """Rebuild a Tokenizer from ``Tokenizer.to_json()`` output (also Keras's)."""
    try:
        payload = json.loads(json_string)
        config = dict(payload["config"])
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(f"tokenizer_from_json: expected the JSON written by Tokenizer.to_json(); could not read it "
                         f"({type(e).__name__}: {e}).") from None
    tables = {key: json.loads(config.pop(key)) for key in
              ("word_counts", "word_docs", "index_docs", "index_word", "word_index")}
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = collections.OrderedDict(tables["word_counts"])
    tokenizer.word_docs = collections.defaultdict(int, tables["word_docs"])
    tokenizer.index_docs = collections.defaultdict(int, {int(k): v for k, v in tables["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in tables["index_word"].items()}
    tokenizer.word_index = tables["word_index"]
    return tokenizer
