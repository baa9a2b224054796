"""StringLookup and IntegerLookup: map tokens to vocabulary indices (and back), in NumPy.

The vocabulary is a Python dict; indices follow Keras 3 exactly: ``[mask] + [OOV] * num_oov_indices
+ tokens`` (the mask slot only in ``output_mode="int"``), adapt() ranks tokens by count with ties
broken by token order, high to low, and tf-idf weights are ``log(1 + docs / (1 + doc_count))``.
"""

from __future__ import annotations

import collections
import math
import os

import numpy as np

from lamina.core.keras_tensor import KerasTensor
from lamina.layers.layer import Layer
from lamina.layers.preprocessing.feature import _utils as U
from lamina.layers.preprocessing.feature import hash_functions as H
from lamina.saving.serialization import builtin

_LOOKUP_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
VOCABULARY_FILENAME = "vocabulary.txt"


def _listify(x):
    if x is None or isinstance(x, list):
        return x
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, tuple):
        return list(x)
    if hasattr(x, "shape"):
        return U.to_numpy(x).tolist()
    return x


def _in_safe_mode() -> bool:
    from lamina.saving import serialization

    return bool(getattr(serialization, "_safe_mode", None))


class IndexLookup(Layer):
    """Shared machinery of StringLookup and IntegerLookup (not registered on its own, as in Keras)."""

    _is_string = True

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", name=None, salt=None, **kwargs):
        cls = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{cls}: if set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{cls}: pad_to_max_tokens=True needs `max_tokens`. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"{cls}: `num_oov_indices` must be >= 0. Received: num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{cls}: `oov_method` must be 'floormod' or 'farmhash'. Received: {oov_method!r}")
        if salt is not None:
            if not self._is_string and oov_method != "farmhash":
                raise ValueError(f"{cls}: `salt` can only be used when oov_method='farmhash'. "
                                 f"Received: oov_method={oov_method!r}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(f"{cls}: `salt` must be a tuple of 2 integers or a single integer. "
                                 f"Received: salt={salt}.")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        U.check_output_mode(cls, output_mode, _LOOKUP_MODES)
        if invert and output_mode != "int":
            raise ValueError(f"{cls}: `output_mode` must be 'int' when `invert` is true. "
                             f"Received: output_mode={output_mode!r}")
        if sparse:
            raise ValueError(f"{cls}: `sparse=True` is not supported (lamina has no sparse tensors).")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{cls}: `idf_weights` should only be set if output_mode is 'tf_idf'. "
                             f"Received: output_mode={output_mode!r}")
        frozen = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"{cls}: unrecognized keyword argument(s): {kwargs}")
        super().__init__(name=name, autocast=False)
        self.supports_jit = False
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self._frozen_vocab_size = frozen
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input_vocabulary
        self._tokens: list = []
        self._table: dict = {}
        self.idf_weights = None
        if output_mode == "tf_idf":
            if has_input_vocabulary and idf_weights is None:
                raise ValueError(f"{cls}: with a `vocabulary` in output_mode='tf_idf', `idf_weights` must also "
                                 "be provided.")
            if idf_weights is not None:
                self.idf_weights = np.asarray(U.to_numpy(idf_weights), dtype=U.floatx())
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self._reset_counts()

    # ---------------------------------------------------------------- token handling
    def _norm(self, token):
        """A token as the vocabulary keys hold it (``str`` / ``int``)."""
        if self._is_string:
            return token.decode(self.encoding) if isinstance(token, bytes) else str(token)
        return int(token)

    def _as_tokens(self, data) -> np.ndarray:
        """Input data as an array of vocabulary-typed tokens (object array of str, or int64)."""
        a = U.to_numpy(data)
        cls = type(self).__name__
        if self._is_string:
            if not U.is_text(a):
                raise ValueError(f"{cls} expects string inputs, received an array of dtype {a.dtype} "
                                 f"(shape {a.shape}). Use IntegerLookup for integer tokens.")
            return U.as_text(a, self.encoding)
        if a.dtype.kind not in "iub":
            raise ValueError(f"{cls} expects integer inputs (vocabulary_dtype={self.vocabulary_dtype}), received "
                             f"an array of dtype {a.dtype} (shape {a.shape}).")
        return a.astype(np.int64)

    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    # ---------------------------------------------------------------- vocabulary
    def vocabulary_size(self) -> int:
        """The vocabulary's size, including the mask and OOV slots."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary as a list: a term's position is the index the layer maps it to."""
        vocab = [self.oov_token] * self._token_start_index() + list(self._tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        return vocab

    def _record_vocabulary_size(self) -> None:
        size = self.vocabulary_size()
        if (self.output_mode != "int" and not self.pad_to_max_tokens and self._frozen_vocab_size is not None
                and self.built and size != self._frozen_vocab_size):
            raise RuntimeError(f"{type(self).__name__}: with output_mode={self.output_mode!r} and "
                               "pad_to_max_tokens=False the vocabulary size cannot change after the layer is "
                               f"called. Old size {self._frozen_vocab_size}, new size {size}.")
        self._frozen_vocab_size = size

    def _read_vocabulary_file(self, path: str) -> list:
        cls = type(self).__name__
        if _in_safe_mode():
            raise ValueError(f"{cls}: refusing to read the vocabulary file {path!r} outside the model archive "
                             "while loading in safe mode. If you trust the source, load with safe_mode=False.")
        if not os.path.exists(path):
            raise ValueError(f"{cls}: vocabulary file {path} does not exist.")
        if self.output_mode == "tf_idf":
            raise ValueError(f"{cls}: output_mode='tf_idf' does not support loading a vocabulary from file.")
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        repeated = self._repeated(lines)
        if repeated:
            raise ValueError(f"{cls}: the vocabulary file {path} has repeated terms (each line must be unique): "
                             f"{repeated}")
        return lines if self._is_string else [int(line) for line in lines]

    @staticmethod
    def _repeated(tokens) -> list:
        return [t for t, c in collections.Counter(tokens).items() if c > 1]

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (a list/array of terms or a text file path, one term a line) and tf-idf weights."""
        cls = type(self).__name__
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{cls}: `idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"{cls}: `idf_weights` should only be set if output_mode is 'tf_idf'. "
                             f"Received: output_mode={self.output_mode!r}")
        if isinstance(vocabulary, str):
            vocabulary = self._read_vocabulary_file(vocabulary)
        tokens = [self._norm(t) for t in U.to_numpy(vocabulary).reshape(-1).tolist()] \
            if not isinstance(vocabulary, (list, tuple)) else [self._norm(t) for t in vocabulary]
        if not tokens:
            raise ValueError(f"{cls}: cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        oov_start, token_start = self._oov_start_index(), self._token_start_index()
        special = [self.mask_token] * oov_start + [self.oov_token] * self.num_oov_indices
        special = [self._norm(t) if t is not None else None for t in special]
        found_special = tokens[:token_start] == special
        body = tokens[token_start:] if found_special else tokens
        repeated = self._repeated(body)
        if repeated:
            raise ValueError(f"{cls}: the passed vocabulary has at least one repeated term. Please uniquify "
                             f"your dataset. The repeated terms are: {repeated}")
        if self.mask_token is not None and self._norm(self.mask_token) in body:
            raise ValueError(f"{cls}: found the reserved mask token {self.mask_token!r} at an unexpected location "
                             "in `vocabulary`. Either remove mask and OOV tokens, or include them only at the "
                             f"start in precisely this order: {special}.")
        if self.oov_token is not None and self.invert and self._norm(self.oov_token) in body:
            raise ValueError(f"{cls}: found the reserved OOV token {self.oov_token!r} at an unexpected location "
                             f"in `vocabulary`. Include special tokens only at the start, in this order: {special}.")
        size = token_start + len(body)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"{cls}: attempted to set a vocabulary larger than the maximum vocab size. Received "
                             f"vocabulary size is {size}; `max_tokens` is {self.max_tokens}.")
        self._set_tokens(body)
        if self.output_mode == "tf_idf" and idf_weights is not None:
            weights = np.asarray(U.to_numpy(idf_weights), dtype=np.float64)
            if len(tokens) != len(weights):
                raise ValueError(f"{cls}: `idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                                 f"{len(weights)}; len(vocabulary) is {len(tokens)}")
            if weights.ndim != 1:
                raise ValueError(f"{cls}: TF-IDF data must be a 1-index array. Received shape {weights.shape}")
            front, front_value = (0, 0) if found_special else (token_start, np.average(weights))
            back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens and self.max_tokens else 0
            self.idf_weights = np.pad(weights, (front, back), "constant",
                                      constant_values=(front_value, 0)).astype(U.floatx())

    def _set_tokens(self, tokens: list) -> None:
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._table = {t: i + start for i, t in enumerate(self._tokens)}
        self._inverse = {i + start: t for i, t in enumerate(self._tokens)}
        self._record_vocabulary_size()

    # ---------------------------------------------------------------- adapt
    def _reset_counts(self) -> None:
        self._token_counts: collections.Counter = collections.Counter()
        self._doc_counts: collections.Counter = collections.Counter()
        self._num_documents = 0

    def adapt(self, data, steps: int | None = None) -> None:
        """Build the vocabulary from the tokens in ``data`` (array, list, or an iterable of batches)."""
        U.run_adapt(self, data, steps, self._as_tokens)

    def update_state(self, data) -> None:
        rows = self._as_tokens(data)
        if rows.ndim == 0:
            rows = rows[None]
        if rows.ndim == 1:
            rows = rows[None]
        self._update_rows([r.reshape(-1).tolist() for r in rows])

    def _update_rows(self, rows: list) -> None:
        """Count the tokens of ``rows`` (one list of tokens per document)."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary via the "
                             "`vocabulary` argument or `set_vocabulary()`.")
        for row in rows:
            self._token_counts.update(row)
        if self.output_mode == "tf_idf":
            for row in rows:
                self._doc_counts.update(set(row))
            self._num_documents += len(rows)

    def finalize_state(self) -> None:
        if self._has_input_vocabulary or not self._token_counts:
            self._record_vocabulary_size()
            return
        counts = self._token_counts
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._norm(special), None)
        # Count descending, ties broken by token descending (Keras's lexsort(...)[::-1]).
        ranked = sorted(counts.items(), key=lambda kv: (kv[1], kv[0].encode("utf-8") if self._is_string
                                                         else kv[0]), reverse=True)
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - self._token_start_index()]
        tokens = [t for t, _ in ranked]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            n = self._num_documents
            idf = np.array([math.log(1 + n / (1 + self._doc_counts[t])) for t in tokens]).astype(U.floatx())
            mean = idf.mean() if idf.size else 0.0
            weights = np.concatenate([np.full(self._token_start_index(), mean, dtype=idf.dtype), idf])
            if self.pad_to_max_tokens and self.max_tokens is not None:
                weights = np.pad(weights, (0, self.max_tokens - weights.size))
            self.idf_weights = weights.astype(U.floatx())
        self.reset_state()

    def reset_state(self) -> None:
        if self._has_input_vocabulary:
            return
        self._reset_counts()

    # ---------------------------------------------------------------- lookup
    def _lookup_flat(self, flat: np.ndarray) -> np.ndarray:
        """Indices (int64) of a 1-D array of tokens, with mask and OOV handling."""
        n = flat.shape[0]
        if n == 0:
            return np.zeros((0,), dtype=np.int64)
        uniq, inverse = np.unique(flat, return_inverse=True)
        table = self._table
        found = np.array([table.get(t, -1) for t in uniq.tolist()], dtype=np.int64)
        out = found[inverse.reshape(-1)]
        oov = out == -1
        if self.mask_token is not None:
            is_mask = (uniq == self._norm(self.mask_token))[inverse.reshape(-1)]
            out = np.where(is_mask, 0 if self.output_mode == "int" else -2, out)
            oov &= ~is_mask
        if oov.any():
            if self.num_oov_indices == 0:
                raise ValueError(f"{type(self).__name__} ({self.name}): when num_oov_indices=0 all inputs should be "
                                 f"in the vocabulary; found OOV values {np.unique(flat[oov]).tolist()[:20]}. "
                                 "Consider setting num_oov_indices=1.")
            start = self._oov_start_index()
            if self.num_oov_indices == 1:
                out = np.where(oov, start, out)
            else:
                values = flat[oov]
                if not self._is_string and self.oov_method != "farmhash":
                    buckets = np.mod(values.astype(np.int64), self.num_oov_indices)
                else:
                    buckets = H.hash_to_buckets(values, self.num_oov_indices, salt=self.salt)
                out = out.copy()
                out[oov] = buckets + start
        return out

    def _invert_flat(self, flat: np.ndarray) -> list:
        inverse = self._inverse
        mask = self.mask_token if self.mask_token is not None else None
        out = []
        for i in flat.tolist():
            if i == 0 and mask is not None:
                out.append(mask)
            else:
                out.append(inverse.get(i, self.oov_token))
        return out

    def _depth(self) -> int:
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def _check_known_size(self) -> None:
        if self.output_mode != "int" and not self.pad_to_max_tokens and self._frozen_vocab_size is None:
            raise RuntimeError(f"{type(self).__name__} ({self.name}): with output_mode={self.output_mode!r} and "
                               "pad_to_max_tokens=False, set the vocabulary before calling the layer: pass "
                               "`vocabulary` or call `adapt` with some sample data.")

    def _encode(self, indices: np.ndarray):
        """Indices -> the layer's output (a backend tensor)."""
        if self.output_mode == "int":
            return U.to_backend(indices.astype(np.int64))
        if self.output_mode == "tf_idf" and self.idf_weights is None:
            raise ValueError(f"{type(self).__name__} ({self.name}): output_mode='tf_idf' needs idf weights: pass "
                             "`idf_weights` with the vocabulary or call `adapt`.")
        out = U.encode_numpy(indices, self.output_mode, self._depth(), U.floatx(), self.idf_weights)
        return U.to_backend(out)

    def call(self, inputs):
        self._check_known_size()
        if self.invert:
            a = U.to_numpy(inputs)
            if a.dtype.kind not in "iu":
                raise ValueError(f"{type(self).__name__} ({self.name}) with invert=True expects integer indices, "
                                 f"received dtype {a.dtype}.")
            values = self._invert_flat(a.reshape(-1).astype(np.int64))
            if self._is_string:
                return np.array(values, dtype=object).reshape(a.shape).astype(str)
            return U.to_backend(np.array(values, dtype=np.int64).reshape(a.shape))
        tokens = self._as_tokens(inputs)
        indices = self._lookup_flat(tokens.reshape(-1)).reshape(tokens.shape)
        return self._encode(indices)

    # ---------------------------------------------------------------- symbolic / config / state
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self._depth()
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def compute_output_spec(self, inputs, **kwargs):
        if self.output_mode == "int":
            dtype = "string" if (self.invert and self._is_string) else "int64"
        else:
            dtype = U.floatx()
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=dtype)

    def get_build_config(self):
        return {}

    def build_from_config(self, config) -> None:
        self.built = True

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        })
        return config

    def save_own_variables(self, store) -> None:
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = np.asarray(self.idf_weights)

    def load_own_variables(self, store) -> None:
        if self.output_mode == "tf_idf":
            self.idf_weights = np.asarray(store["idf_weights"], dtype=U.floatx())

    def save_assets(self, dir_path: str) -> None:
        """Write ``vocabulary.txt`` (one term a line, special tokens included) unless it is in the config."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, VOCABULARY_FILENAME), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path: str | None) -> None:
        """Read back what :meth:`save_assets` wrote."""
        if self.input_vocabulary is not None or dir_path is None:
            return
        path = os.path.join(dir_path, VOCABULARY_FILENAME)
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = lines if self._is_string else [int(line) for line in lines]
        if not values:
            return
        has_input = self._has_input_vocabulary
        if self.output_mode == "tf_idf":
            self.set_vocabulary(values, idf_weights=self.idf_weights)
        else:
            self.set_vocabulary(values)
        self._has_input_vocabulary = has_input


@builtin("keras.layers")
class StringLookup(IndexLookup):
    """Map strings to integer indices from a vocabulary (Keras's ``StringLookup``), without TensorFlow.

    Example:
        >>> layer = StringLookup(vocabulary=["a", "b", "c", "d"])
        >>> layer(np.array([["a", "c", "d"], ["d", "z", "b"]]))   # [[1, 3, 4], [4, 0, 2]]
    """

    _is_string = True

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1, mask_token=None,
                 oov_token: str = "[UNK]", vocabulary=None, idf_weights=None, invert: bool = False,
                 output_mode: str = "int", pad_to_max_tokens: bool = False, sparse: bool = False,
                 encoding: str = "utf-8", name: str | None = None, salt=None, **kwargs):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, vocabulary_dtype="string", **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config


@builtin("keras.layers")
class IntegerLookup(IndexLookup):
    """Map integers to contiguous indices from a vocabulary (Keras's ``IntegerLookup``).

    Example:
        >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer(np.array([[12, 1138, 42], [42, 1000, 36]]))   # [[1, 3, 4], [4, 0, 2]]
    """

    _is_string = False

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1, mask_token=None,
                 oov_token: int = -1, vocabulary=None, vocabulary_dtype: str = "int64", idf_weights=None,
                 invert: bool = False, output_mode: str = "int", sparse: bool = False,
                 pad_to_max_tokens: bool = False, oov_method: str = "floormod", salt=None, name: str | None = None,
                 **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"IntegerLookup: if `max_tokens` is set it must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"IntegerLookup: `num_oov_indices` must be >= 0. Received: num_oov_indices="
                             f"{num_oov_indices}")
        if vocabulary_dtype != "int64":
            raise ValueError(f"IntegerLookup: only vocabulary_dtype='int64' is supported. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype=vocabulary_dtype,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method, salt=salt, name=name, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        if config["oov_token"] is not None:
            config["oov_token"] = int(config["oov_token"])
        if config["mask_token"] is not None:
            config["mask_token"] = int(config["mask_token"])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
