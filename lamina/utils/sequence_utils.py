"""``pad_sequences``: pad (and truncate) a list of sequences to one length (``keras.utils.pad_sequences``).

Example:
    >>> lamina.utils.pad_sequences([[1, 2], [3]], maxlen=3)
    array([[0, 1, 2], [0, 0, 3]], dtype=int32)
"""

from __future__ import annotations

import numpy as np


def pad_sequences(sequences, maxlen: int | None = None, dtype="int32", padding: str = "pre",
                  truncating: str = "pre", value=0.0) -> np.ndarray:
    """Pad/truncate ``sequences`` to ``maxlen`` (the longest one by default) at the start ('pre') or end ('post')."""
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: `sequences` must be a list of sequences; received {type(sequences).__name__}.")
    if padding not in ("pre", "post"):
        raise ValueError(f"pad_sequences: `padding` must be 'pre' or 'post'; received {padding!r}.")
    if truncating not in ("pre", "post"):
        raise ValueError(f"pad_sequences: `truncating` must be 'pre' or 'post'; received {truncating!r}.")
    lengths, sample_shape = [], ()
    found = False
    for s in sequences:
        try:
            lengths.append(len(s))
        except TypeError:
            raise ValueError(f"pad_sequences: `sequences` must be a list of sequences; found the non-sequence "
                             f"{s!r}.") from None
        if not found and len(s):
            sample_shape = np.asarray(s).shape[1:]
            found = True
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    is_text = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_text:
        raise ValueError(f"pad_sequences: dtype {dtype} cannot hold the string padding value {value!r}; "
                         "use dtype=object for strings.")
    out = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or maxlen == 0:
            continue
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != tuple(sample_shape):
            raise ValueError(f"pad_sequences: sequence {i} has items of shape {kept.shape[1:]}, expected "
                             f"{tuple(sample_shape)} like the first non-empty sequence.")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out
