"""Loss: the base class of losses, with Keras 3's reductions, masks and sample weighting.

A loss computes per-sample values in ``call(y_true, y_pred)``; ``__call__``
then weights them (``sample_weight`` and any Keras mask) and reduces them with
``reduction``:

- ``"sum_over_batch_size"`` / ``"mean"``: sum of weighted values / number of values
  (when a mask is present: / number of unmasked values);
- ``"sum"``: sum of weighted values;
- ``"mean_with_sample_weight"``: sum of weighted values / sum of the weights;
- ``"none"`` / ``None``: the weighted values, unreduced.

Example:
    >>> mse = lamina.losses.MeanSquaredError(reduction="sum")
    >>> mse([[0.0, 1.0]], [[1.0, 1.0]], sample_weight=[2.0])   # 1.0
"""

from __future__ import annotations

import weakref

from lamina import config, ops
from lamina.saving.serialization import builtin, serialize_keras_object
from lamina.utils import tree

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# --------------------------------------------------------------------------- masks
# A loss function may mark which of its values count (``ignore_class``, Circle) by attaching a
# mask to the values it returns, as Keras does. Tensors that take attributes (torch) carry it
# as ``_keras_mask``; the others (numpy, jax arrays and tracers) are looked up by id here,
# and the entry is dropped when the tensor dies.
_MASKS: dict[int, object] = {}


def _set_mask(x, mask) -> None:
    try:
        x._keras_mask = mask
        return
    except (AttributeError, TypeError):
        pass
    key = id(x)
    if mask is None:
        _MASKS.pop(key, None)
        return
    _MASKS[key] = mask
    weakref.finalize(x, _MASKS.pop, key, None)


def _get_mask(x):
    mask = getattr(x, "_keras_mask", None)
    if mask is None and _MASKS:
        mask = _MASKS.get(id(x))
    return mask


# --------------------------------------------------------------------------- helpers
def standardize_reduction(reduction):
    """Return ``reduction`` if it is one Keras accepts, else raise a ValueError listing them."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Loss: invalid value for argument `reduction`. Expected one of {list(REDUCTIONS)}. "
            f"Received: reduction={reduction!r}."
        )
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Align ranks that differ by one through a trailing size-1 dimension (Keras's rule).

    The tensor with the extra trailing 1 is squeezed; when the other one is rank 1 (and
    ``expand_rank_1``), that one is expanded instead. Other rank differences are left alone.
    """
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, axis=-1)
        else:
            x1 = ops.squeeze(x1, axis=-1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, axis=-1)
        else:
            x2 = ops.squeeze(x2, axis=-1)
    return x1, x2


def _broadcastable(s1, s2) -> bool:
    for a, b in zip(reversed(s1), reversed(s2)):
        if a is not None and b is not None and a != b and a != 1 and b != 1:
            return False
    return True


def _check_weight_shape(values, sample_weight, where: str) -> None:
    vs, ws = tuple(values.shape), tuple(sample_weight.shape)
    if not _broadcastable(vs, ws):
        raise ValueError(
            f"{where}: `sample_weight` must broadcast to the per-sample loss values. "
            f"Received: sample_weight.shape={ws}, loss values shape={vs}."
        )


def _num_elements(values, dtype):
    shape = tuple(values.shape)
    if all(isinstance(d, int) for d in shape):
        count = 1
        for d in shape:
            count *= d
        return ops.cast(count, dtype)
    return ops.cast(ops.size(values), dtype)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduce (already weighted) loss values as Keras does.

    Scalars, empty vectors and ``reduction`` ``"none"``/``None`` are returned as they are.
    ``"mean_with_sample_weight"`` divides by ``sum(sample_weight)`` when weights are given.

    Example:
        >>> reduce_values(ops.array([1.0, 3.0]), reduction="sum")   # 4.0
    """
    shape = tuple(values.shape)
    if reduction is None or reduction == "none" or shape == () or shape == (0,):
        return values
    loss = ops.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = ops.cast(ops.sum(sample_weight), ops.dtype(loss))
        else:
            count = _static_size(shape)
            if count:  # known and non-zero: a plain division by a Python number (weak type: dtype kept)
                return ops.divide(loss, count)
            divisor = _num_elements(values, ops.dtype(loss))
        loss = ops.divide_no_nan(loss, divisor)
    return loss


def _static_size(shape):
    """The number of elements of ``shape`` when every dimension is known, else None."""
    count = 1
    for d in shape:
        if not isinstance(d, int):
            return None
        count *= d
    return count


def apply_mask(sample_weight, mask, dtype, reduction, where: str = "apply_mask"):
    """Merge a Keras mask into ``sample_weight``.

    For ``"sum_over_batch_size"``/``"mean"`` the kept entries get weight ``total / valid``
    so that the mean is taken over the kept entries only.
    """
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        total = _num_elements(mask, dtype)
        valid = ops.sum(ops.cast(mask, dtype))
        float_mask = ops.where(ops.cast(mask, "bool"), ops.divide_no_nan(total, valid), 0)
        float_mask = ops.cast(float_mask, dtype)
    else:
        float_mask = ops.cast(mask, dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = ops.cast(sample_weight, dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    _check_weight_shape(float_mask, sample_weight, where)
    return ops.multiply(sample_weight, float_mask)


def _reduce_weighted(values, sample_weight, mask, reduction, dtype, where):
    values = ops.convert_to_tensor(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=dtype)
    if mask is not None:
        mask = ops.convert_to_tensor(mask, dtype=dtype)
    sample_weight = apply_mask(sample_weight, mask, ops.dtype(values), reduction, where)
    if sample_weight is not None:
        sample_weight = ops.cast(sample_weight, ops.dtype(values))
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        _check_weight_shape(values, sample_weight, where)
        values = ops.multiply(values, sample_weight)
    return reduce_values(values, sample_weight, reduction)


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size", dtype=None):
    """Apply ``mask`` and ``sample_weight`` to per-sample ``values``, then reduce them.

    ``sample_weight`` is aligned with ``values`` by :func:`squeeze_or_expand_to_same_rank`
    and must then broadcast against them.

    Example:
        >>> reduce_weighted_values(ops.array([1.0, 3.0]), sample_weight=[1.0, 0.0])   # 0.5
    """
    reduction = standardize_reduction(reduction)
    return _reduce_weighted(values, sample_weight, mask, reduction, dtype, "reduce_weighted_values")


def _convert(x, dtype):
    return ops.convert_to_tensor(x, dtype=dtype)


# --------------------------------------------------------------------------- Loss
@builtin("keras.losses")
class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` returning per-sample losses.

    Args:
        name: the loss's name (default: the snake_case class name, made unique).
        reduction: one of ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or ``None``.
        dtype: the dtype (or dtype policy) the loss computes in; default ``floatx()``.

    Example:
        >>> class Abs(lamina.losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return lamina.ops.mean(lamina.ops.abs(y_true - y_pred), axis=-1)
        >>> Abs()([[0.0, 2.0]], [[1.0, 1.0]])   # 1.0
    """

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size", dtype=None):
        from lamina.core import dtype_policy
        from lamina.utils.naming import auto_name

        self.name = name or auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype_policy = dtype_policy.get(dtype or config.floatx())
        self._dtype = self._dtype_policy.compute_dtype

    @property
    def dtype(self) -> str:
        """The dtype the loss computes in (inputs are converted to it)."""
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = None if tree.is_nested(y_pred) else _get_mask(y_pred)
        dtype = self._dtype
        if tree.is_nested(y_pred):
            y_pred = tree.map_structure(lambda x: _convert(x, dtype), y_pred)
        else:
            y_pred = ops.convert_to_tensor(y_pred, dtype=dtype)
        if tree.is_nested(y_true):
            y_true = tree.map_structure(lambda x: _convert(x, dtype), y_true)
        else:
            y_true = ops.convert_to_tensor(y_true, dtype=dtype)
        values = self.call(y_true, y_pred)
        out_mask = _get_mask(values)
        if in_mask is not None and out_mask is not None:
            mask = ops.logical_and(ops.cast(in_mask, "bool"), ops.cast(out_mask, "bool"))
        else:
            mask = in_mask if in_mask is not None else out_mask
        return _reduce_weighted(values, sample_weight, mask, self.reduction, dtype, self.name)

    def call(self, y_true, y_pred):
        """Per-sample loss values (no reduction); subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


def _align(y_true, y_pred):
    if not tree.is_nested(y_true) and not tree.is_nested(y_pred):
        return squeeze_or_expand_to_same_rank(y_true, y_pred)
    pairs = [squeeze_or_expand_to_same_rank(t, p) for t, p in zip(tree.flatten(y_true), tree.flatten(y_pred))]
    return (tree.pack_sequence_as(y_true, [t for t, _ in pairs]),
            tree.pack_sequence_as(y_pred, [p for _, p in pairs]))


@builtin("keras.losses")
class LossFunctionWrapper(Loss):
    """A Loss around a function ``fn(y_true, y_pred, **kwargs)`` returning per-sample values.

    Before calling ``fn``, ``y_true`` and ``y_pred`` ranks are aligned through a trailing
    size-1 dimension (``(batch,)`` against ``(batch, 1)``).

    Example:
        >>> loss = LossFunctionWrapper(lamina.losses.huber, delta=2.0, reduction="sum")
    """

    # Built-in subclasses list the attributes their config holds (Keras leaves "fn" out of them).
    _config_keys: tuple | None = None

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper: `fn` must be callable. Received: fn={fn!r}.")
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = _align(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        if self._config_keys is not None:
            config.update({k: getattr(self, k) for k in self._config_keys})
            return config
        config["fn"] = serialize_keras_object(self.fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if "fn" in config:
            from lamina import losses
            from lamina.saving.serialization import deserialize_keras_object

            config["fn"] = deserialize_keras_object(config["fn"], module_objects=losses._module_objects())
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__}({getattr(self.fn, '__name__', self.fn)}, kwargs={self._fn_kwargs})>"


def _wrapper_init(self, fn, name, reduction, dtype, **kwargs):
    """Shared body of the built-in wrapper classes: store each kwarg as an attribute."""
    LossFunctionWrapper.__init__(self, fn, name=name, reduction=reduction, dtype=dtype, **kwargs)
    for k, v in kwargs.items():
        setattr(self, k, v)


# --------------------------------------------------------------------------- input checks
def _float_pair(y_true, y_pred):
    """``y_pred`` as a tensor and ``y_true`` converted to its dtype (Keras's convention)."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=ops.dtype(y_pred))
    return y_true, y_pred


def _cast_pair(y_true, y_pred):
    """``y_pred`` as a tensor and ``y_true`` cast to its dtype."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, ops.dtype(y_pred))
    return y_true, y_pred


def _check_broadcast(name, y_true, y_pred) -> None:
    ts, ps = tuple(y_true.shape), tuple(y_pred.shape)
    if not _broadcastable(ts, ps):
        raise ValueError(
            f"{name}: `y_true` and `y_pred` must have the same (or broadcast-compatible) shapes. "
            f"Received: y_true.shape={ts}, y_pred.shape={ps}."
        )


def _check_same_shape(name, y_true, y_pred) -> None:
    ts, ps = tuple(y_true.shape), tuple(y_pred.shape)
    if len(ts) != len(ps) or any(a is not None and b is not None and a != b for a, b in zip(ts, ps)):
        raise ValueError(
            f"{name}: `y_true` and `y_pred` must have the same shape. "
            f"Received: y_true.shape={ts}, y_pred.shape={ps}."
        )
