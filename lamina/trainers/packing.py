"""How a batch is handed to ``train_step``/``test_step``/``predict_step``, as Keras 3 does.

A batch is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``; custom steps unpack it with
:func:`unpack_x_y_sample_weight` (or ``x, y = data`` when they know there are no weights).
"""

from __future__ import annotations


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The shortest tuple holding the given parts (``x`` alone when it is not a tuple or list).

    Example:
        >>> pack_x_y_sample_weight(x, y)        # (x, y)
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a batch, with None for the parts that are absent.

    Example:
        >>> x, y, sample_weight = unpack_x_y_sample_weight((x, y))   # sample_weight is None
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        "A batch must be x, (x,), (x, y) or (x, y, sample_weight); "
        f"received a tuple of {len(data)} elements."
    )


def pack_batch(batch):
    """An adapter's ``(x, y, sample_weight)`` triple packed the way steps receive it."""
    x, y, sample_weight = batch
    if y is None:
        return (x,) if sample_weight is None else (x, None, sample_weight)
    return pack_x_y_sample_weight(x, y, sample_weight)
