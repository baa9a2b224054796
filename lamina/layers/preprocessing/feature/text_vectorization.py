"""TextVectorization: raw strings to token indices or bag-of-words vectors, in NumPy (no TensorFlow).

Standardization, splitting and n-grams follow Keras 3 (TensorFlow's string ops): ``lower`` lowers
ASCII letters only, punctuation is ASCII's 32 punctuation characters, ``whitespace`` splits on ASCII
whitespace dropping empty tokens, ``character`` splits into Unicode code points, and n-grams of
each width are listed width by width, joined by a single space.
"""

from __future__ import annotations

import string

import numpy as np

from lamina.core.keras_tensor import KerasTensor
from lamina.layers.layer import Layer
from lamina.layers.preprocessing.feature import _utils as U
from lamina.layers.preprocessing.feature.index_lookup import StringLookup
from lamina.saving.serialization import builtin, deserialize_keras_object, serialize_keras_object

_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_NO_PUNCT = str.maketrans("", "", string.punctuation)
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_PAD = -2  # index that encodes to nothing (padding of ragged rows)


def _ngrams(tokens: list, widths) -> list:
    out = []
    for w in widths:
        out.extend(" ".join(tokens[i:i + w]) for i in range(len(tokens) - w + 1))
    return out


@builtin("keras.layers")
class TextVectorization(Layer):
    """Turn raw strings into token-index sequences or multi-hot / count / tf-idf vectors.

    Example:
        >>> layer = TextVectorization(output_mode="int", output_sequence_length=4)
        >>> layer.adapt(["the cat sat", "the dog"])
        >>> layer(np.array(["the cat", "a dog"]))   # [[2, 4, 0, 0], [1, 5, 0, 0]]
    """

    def __init__(self, max_tokens: int | None = None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode: str = "int", output_sequence_length: int | None = None,
                 pad_to_max_tokens: bool = False, vocabulary=None, idf_weights=None, sparse: bool = False,
                 ragged: bool = False, encoding: str = "utf-8", name: str | None = None, **kwargs):
        if sparse:
            raise ValueError("TextVectorization: `sparse=True` is not supported (lamina has no sparse tensors).")
        if ragged:
            raise ValueError("TextVectorization: `ragged=True` is not supported (lamina has no ragged tensors); "
                             "int outputs are padded with 0.")
        if not (standardize is None or callable(standardize) or standardize in _STANDARDIZE):
            raise ValueError(f"TextVectorization: `standardize` must be None, a callable or one of {_STANDARDIZE}. "
                             f"Received: standardize={standardize!r}")
        if not (split is None or callable(split) or split in _SPLIT):
            raise ValueError(f"TextVectorization: `split` must be None, a callable or one of {_SPLIT}. "
                             f"Received: split={split!r}")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        U.check_output_mode("TextVectorization", output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"))
        if not (ngrams is None or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
                or (isinstance(ngrams, tuple) and all(isinstance(i, int) for i in ngrams))):
            raise ValueError(f"TextVectorization: `ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or isinstance(output_sequence_length, int)):
            raise ValueError("TextVectorization: `output_sequence_length` must be None or an integer when "
                             f"output_mode is 'int'. Received: output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("TextVectorization: `output_sequence_length` must not be set if output_mode is not "
                             f"'int'. Received: output_sequence_length={output_sequence_length}.")
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        self._has_input_vocabulary = has_input_vocabulary
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.setdefault("autocast", False)
        super().__init__(name=name, **kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode, sparse=sparse,
            has_input_vocabulary=has_input_vocabulary, encoding=encoding, vocabulary_size=vocabulary_size)
        self.supports_jit = False

    # ---------------------------------------------------------------- preprocessing
    def _standardize_array(self, a: np.ndarray) -> np.ndarray:
        std = self._standardize
        if std is None:
            return a
        if callable(std):
            result = std(a.astype(str))
            return U.as_text(U.to_numpy(result), self._encoding)
        flat = a.reshape(-1).tolist()
        if std in ("lower", "lower_and_strip_punctuation"):
            flat = [s.translate(_LOWER) for s in flat]
        if std in ("strip_punctuation", "lower_and_strip_punctuation"):
            flat = [s.translate(_NO_PUNCT) for s in flat]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(a.shape)

    def _preprocess(self, inputs) -> tuple:
        """Raw strings -> (list of token lists, one per row; whether the input was one string)."""
        a = U.to_numpy(inputs)
        if not U.is_text(a):
            raise ValueError(f"TextVectorization ({self.name}) expects string inputs, received an array of dtype "
                             f"{a.dtype} and shape {a.shape}.")
        a = self._standardize_array(U.as_text(a, self._encoding))
        scalar = a.ndim == 0
        if scalar:
            a = a.reshape(1)
        if self._split is None:
            rows = [r.reshape(-1).tolist() for r in (a[:, None] if a.ndim == 1 else a)]
        else:
            if a.ndim > 1:
                if a.shape[-1] != 1:
                    raise ValueError("TextVectorization: to tokenize strings the input rank must be 1 or the last "
                                     f"dimension must be 1. Received: inputs.shape={a.shape} with rank={a.ndim}")
                a = a[..., 0]
            if a.ndim > 1:
                raise ValueError(f"TextVectorization: expected a batch of strings of rank 1 or (batch, 1); "
                                 f"received shape {a.shape}.")
            texts = a.tolist()
            if self._split == "whitespace":
                rows = [[t.decode(self._encoding) for t in s.encode(self._encoding).split()] for s in texts]
            elif self._split == "character":
                rows = [list(s) for s in texts]
            else:
                result = self._split(np.array(texts, dtype=str))
                rows = [[str(t) if not isinstance(t, bytes) else t.decode(self._encoding) for t in
                         (U.to_numpy(r).reshape(-1).tolist() if not isinstance(r, list) else r)] for r in result]
        if self._ngrams is not None:
            rows = [_ngrams(r, self._ngrams) for r in rows]
        return rows, scalar

    # ---------------------------------------------------------------- adapt / vocabulary
    def adapt(self, data, batch_size=None, steps: int | None = None) -> None:
        """Build the vocabulary (and tf-idf weights) from ``data``: strings, or an iterable of batches."""
        U.run_adapt(self, data, steps, U.to_numpy)

    def update_state(self, data) -> None:
        rows, _ = self._preprocess(data)
        self._lookup_layer._update_rows(rows)

    def finalize_state(self) -> None:
        self._lookup_layer.finalize_state()

    def reset_state(self) -> None:
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary: ``""`` (padding) and ``"[UNK]"`` first in int mode, then terms by frequency."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (list, array or text file path) and, in tf-idf mode, the idf weights."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ---------------------------------------------------------------- calling
    def call(self, inputs):
        lookup = self._lookup_layer
        lookup._check_known_size()
        rows, scalar = self._preprocess(inputs)
        lengths = [len(r) for r in rows]
        flat = np.empty(sum(lengths), dtype=object)
        flat[:] = [t for r in rows for t in r]
        indices = lookup._lookup_flat(flat)
        width = max(lengths, default=0)
        if self._output_mode == "int" and self._output_sequence_length is not None:
            width = self._output_sequence_length
        pad = 0 if self._output_mode == "int" else _PAD
        dense = np.full((len(rows), width), pad, dtype=np.int64)
        offset = 0
        for i, n in enumerate(lengths):
            k = min(n, width)
            dense[i, :k] = indices[offset:offset + k]
            offset += n
        if self._output_mode == "int":
            if self._split is None and self._output_sequence_length is None and np.ndim(inputs) == 1:
                dense = dense[:, 0]
            if scalar:
                dense = dense[0]
            return U.to_backend(dense)
        if scalar:
            dense = dense[0]
        return lookup._encode(dense)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = input_shape + (1,)
        else:
            if len(input_shape) > 1 and input_shape[-1] == 1:
                input_shape = input_shape[:-1]  # (batch, 1) strings are split like (batch,) ones
            input_shape = input_shape + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, **kwargs):
        dtype = "int64" if self._output_mode == "int" else U.floatx()
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=dtype)

    # ---------------------------------------------------------------- config / state
    def get_config(self) -> dict:
        config = super().get_config()
        lookup = self._lookup_layer
        config.update({
            "max_tokens": lookup.max_tokens,
            "standardize": (serialize_keras_object(self._standardize) if callable(self._standardize)
                            else self._standardize),
            "split": serialize_keras_object(self._split) if callable(self._split) else self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": lookup.sparse,
            "ragged": self._ragged,
            "vocabulary": _plain(lookup.input_vocabulary),
            "idf_weights": _plain(lookup.input_idf_weights),
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                config[key] = deserialize_keras_object(config[key], custom_objects=custom_objects)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return super().from_config(config)

    def save_own_variables(self, store) -> None:
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store) -> None:
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path: str) -> None:
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path) -> None:
        self._lookup_layer.load_assets(dir_path)


def _plain(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, tuple):
        return list(x)
    return x
