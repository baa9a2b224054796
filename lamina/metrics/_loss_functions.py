"""Per-sample loss functions that Keras also exports from ``keras.metrics``.

Keras's ``keras.metrics.mean_squared_error`` is the very function
``keras.losses.mean_squared_error``. :func:`pick` therefore returns lamina.losses'
function when lamina.losses defines it, and the implementation below otherwise,
so both namespaces share one object as soon as the losses package has it.
"""

from __future__ import annotations

import warnings

from lamina import config, ops
from lamina.metrics.metrics_utils import squeeze_or_expand_to_same_rank
from lamina.saving.serialization import builtin


def _pair(y_true, y_pred, match_rank=True):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    if match_rank:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return y_true, y_pred


def _hinge_labels(y_true):
    """Labels in {0, 1} become {-1, 1}; any other labels are kept."""
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0), ops.equal(y_true, 1)))
    return ops.where(is_binary, 2.0 * y_true - 1.0, y_true)


@builtin("keras.metrics")
def hinge(y_true, y_pred):
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``; 0/1 labels are mapped to -1/1."""
    y_true, y_pred = _pair(y_true, y_pred, match_rank=False)
    return ops.mean(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


@builtin("keras.metrics")
def squared_hinge(y_true, y_pred):
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``; 0/1 labels become -1/1."""
    y_true, y_pred = _pair(y_true, y_pred, match_rank=False)
    return ops.mean(ops.square(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)), axis=-1)


@builtin("keras.metrics")
def categorical_hinge(y_true, y_pred):
    """``maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred, match_rank=False)
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(neg - pos + 1.0, ops.zeros((), dtype=y_pred.dtype))


@builtin("keras.metrics")
def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


@builtin("keras.metrics")
def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


@builtin("keras.metrics")
def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), epsilon)), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = ops.convert_to_tensor(config.epsilon(), dtype=y_pred.dtype)
    return 100.0 * ops.mean(ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), eps)), axis=-1)


@builtin("keras.metrics")
def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log(y_pred + 1) - log(y_true + 1)), axis=-1)`` (inputs floored at epsilon)."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = config.epsilon()
    first = ops.log(ops.maximum(y_pred, eps) + 1.0)
    second = ops.log(ops.maximum(y_true, eps) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


@builtin("keras.metrics")
def huber(y_true, y_pred, delta=1.0):
    """Quadratic for ``|error| <= delta``, linear beyond; averaged over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    delta = ops.convert_to_tensor(delta, dtype=y_pred.dtype)
    error = y_pred - y_true
    abs_error = ops.abs(error)
    quadratic = 0.5 * ops.square(error)
    linear = delta * abs_error - 0.5 * ops.square(delta)
    return ops.mean(ops.where(abs_error <= delta, quadratic, linear), axis=-1)


@builtin("keras.metrics")
def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed stably."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    log2 = ops.convert_to_tensor(0.6931471805599453, dtype=y_pred.dtype)
    return ops.mean(x + ops.softplus(x * -2.0) - log2, axis=-1)


@builtin("keras.metrics")
def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)`` with both clipped to [epsilon, 1]."""
    y_true, y_pred = _pair(y_true, y_pred, match_rank=False)
    y_true = ops.clip(y_true, config.epsilon(), 1)
    y_pred = ops.clip(y_pred, config.epsilon(), 1)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


@builtin("keras.metrics")
def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred, match_rank=False)
    eps = ops.convert_to_tensor(config.epsilon(), dtype=y_pred.dtype)
    return ops.mean(y_pred - y_true * ops.log(y_pred + eps), axis=-1)


def _check_axis(fn_name, axis):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"{fn_name}: `axis` must be an int; received axis={axis!r}.")


def _smooth_categorical(fn_name, y_true, y_pred, label_smoothing):
    if y_pred.shape[-1] == 1:
        warnings.warn(
            f"{fn_name}: expected y_pred of shape (batch_size, num_classes) with num_classes > 1; "
            f"received {tuple(y_pred.shape)}. Consider binary_crossentropy for 2 classes.",
            SyntaxWarning, stacklevel=3,
        )
    if label_smoothing:
        num_classes = ops.cast(ops.shape(y_true)[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    return y_true


@builtin("keras.metrics")
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Crossentropy between one-hot (or soft) labels and predicted probabilities (or logits)."""
    _check_axis("categorical_crossentropy", axis)
    y_true, y_pred = _pair(y_true, y_pred, match_rank=False)
    y_true = _smooth_categorical("categorical_crossentropy", y_true, y_pred, label_smoothing)
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


@builtin("keras.metrics")
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical crossentropy scaled by ``alpha * (1 - p) ** gamma`` per class."""
    _check_axis("categorical_focal_crossentropy", axis)
    y_true, y_pred = _pair(y_true, y_pred, match_rank=False)
    y_true = _smooth_categorical("categorical_focal_crossentropy", y_true, y_pred, label_smoothing)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    eps = config.epsilon()
    output = ops.clip(y_pred / ops.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
    cce = -y_true * ops.log(output)
    focal = ops.multiply(ops.multiply(ops.power(1.0 - output, gamma), alpha), cce)
    return ops.sum(focal, axis=axis)


@builtin("keras.metrics")
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Crossentropy between integer labels and predicted class probabilities (or logits).

    Entries whose label equals ``ignore_class`` get a loss of 0.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[axis] == 1:
        y_true = ops.squeeze(y_true, axis=axis)
    valid = None
    if ignore_class is not None:
        class_axis = axis % len(y_pred.shape)
        res_shape = tuple(d for i, d in enumerate(y_pred.shape) if i != class_axis)
        valid = ops.not_equal(ops.cast(y_true, y_pred.dtype), ops.cast(ignore_class, y_pred.dtype))
        y_true = ops.where(valid, y_true, ops.zeros((), dtype=y_true.dtype))
        y_pred = ops.where(ops.expand_dims(valid, axis), y_pred, ops.zeros((), dtype=y_pred.dtype))
    res = ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
    if valid is not None:
        res = ops.where(ops.reshape(valid, res_shape), res, ops.zeros((), dtype=res.dtype))
    return res


@builtin("keras.metrics")
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy averaged over ``axis``; labels smoothed towards 0.5 if asked."""
    y_true, y_pred = _pair(y_true, y_pred, match_rank=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


@builtin("keras.metrics")
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy scaled by ``(1 - p_t) ** gamma`` (and alpha balancing if asked)."""
    y_true, y_pred = _pair(y_true, y_pred, match_rank=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal = ops.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return ops.mean(focal, axis=axis)


NAMES = ("binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
         "categorical_focal_crossentropy", "categorical_hinge", "hinge", "huber", "kl_divergence",
         "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
         "mean_squared_logarithmic_error", "poisson", "sparse_categorical_crossentropy", "squared_hinge")


def pick(name: str):
    """lamina.losses' function of this name when it has one, else the implementation here."""
    from lamina import losses

    shared = getattr(losses, name, None)
    if callable(shared) and not isinstance(shared, type):
        return shared
    return globals()[name]
