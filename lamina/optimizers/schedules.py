"""Learning-rate schedules (``lamina.optimizers.schedules``, Keras 3's ``keras.optimizers.schedules``).

A schedule is called with the optimizer's iteration count (a scalar tensor or
variable) and returns the learning rate as a scalar tensor. Every schedule is
written with lamina.ops and no branching on tensor values, so it runs inside a
jitted step.

Example:
    >>> lr = lamina.optimizers.schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.9)
    >>> opt = lamina.optimizers.SGD(learning_rate=lr)
"""

from __future__ import annotations

import math

from lamina import ops
from lamina.saving import serialization as _serialization
from lamina.saving.serialization import builtin


@builtin("keras.optimizers.schedules")
class LearningRateSchedule:
    """Base class: ``__call__(step)`` returns the learning rate for that step (a tensor op).

    Example::

        class Halving(LearningRateSchedule):
            def __init__(self, lr):
                self.lr = lr
            def __call__(self, step):
                return self.lr * ops.power(0.5, ops.cast(step, "float32") // 100)
            def get_config(self):
                return {"lr": self.lr}
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`__call__(self, step)`.")

    def get_config(self) -> dict:
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        """Instantiate the schedule from ``get_config()`` output."""
        return cls(**config)


def _check_positive(schedule: str, arg: str, value) -> None:
    if value <= 0:
        raise ValueError(f"{schedule}: argument `{arg}` must be > 0. Received: {arg}={value}")


def _dtype_name(x) -> str:
    from lamina.backend.common.dtypes import standardize_dtype

    return standardize_dtype(x.dtype)


class _RateDecay(LearningRateSchedule):
    """The shared state of ExponentialDecay and InverseTimeDecay: a rate applied per ``decay_steps``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_positive(type(self).__name__, "decay_steps", decay_steps)

    def _progress(self, step):
        """``(initial rate, its dtype, step / decay_steps)``, the ratio floored when ``staircase``."""
        lr = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = _dtype_name(lr)
        p = ops.divide(ops.cast(step, dtype), ops.cast(self.decay_steps, dtype))
        return lr, dtype, ops.floor(p) if self.staircase else p

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


@builtin("keras.optimizers.schedules")
class ExponentialDecay(_RateDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored exponent if ``staircase``).

    Example:
        >>> s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
        >>> float(s(10))
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase: bool = False,
                 name: str = "ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        lr, dtype, p = self._progress(step)
        return ops.multiply(lr, ops.power(ops.cast(self.decay_rate, dtype), p))


@builtin("keras.optimizers.schedules")
class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to ``boundaries[0]`` (inclusive), ``values[1]`` up to ``boundaries[1]``, ...

    Example:
        >>> s = PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])
        >>> float(s(150))
        0.5
    """

    def __init__(self, boundaries, values, name: str = "PiecewiseConstant"):
        super().__init__()
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and values={values} "
                f"of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = ops.convert_to_tensor(step)
        step_dtype = _dtype_name(step)
        boundaries = [ops.convert_to_tensor(b) for b in self.boundaries]
        boundaries = [b if _dtype_name(b) == step_dtype else ops.cast(b, step_dtype) for b in boundaries]
        values = [ops.convert_to_tensor(v) for v in self.values]
        dtype = _dtype_name(values[0])
        result = ops.multiply(ops.cast(ops.less_equal(step, boundaries[0]), dtype), values[0])
        result = ops.add(result, ops.multiply(ops.cast(ops.greater(step, boundaries[-1]), dtype), values[-1]))
        for low, high, value in zip(boundaries[:-1], boundaries[1:], values[1:-1]):
            inside = ops.logical_and(ops.greater(step, low), ops.less_equal(step, high))
            result = ops.add(result, ops.multiply(ops.cast(inside, dtype), value))
        return ops.cast(result, dtype)

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@builtin("keras.optimizers.schedules")
class PolynomialDecay(LearningRateSchedule):
    """Decay from ``initial_learning_rate`` to ``end_learning_rate`` as ``(1 - step/decay_steps) ** power``.

    With ``cycle=True`` the horizon grows to the next multiple of ``decay_steps``.

    Example:
        >>> s = PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0)
        >>> float(s(5))
        0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle: bool = False, name: str = "PolynomialDecay"):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_positive("PolynomialDecay", "decay_steps", decay_steps)

    def __call__(self, step):
        lr = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = _dtype_name(lr)
        end = ops.cast(self.end_learning_rate, dtype)
        power = ops.cast(self.power, dtype)
        step = ops.cast(step, dtype)
        decay_steps = ops.cast(self.decay_steps, dtype)
        if self.cycle:
            multiplier = ops.where(ops.equal(step, 0), 1.0, ops.ceil(ops.divide(step, self.decay_steps)))
            decay_steps = ops.multiply(decay_steps, ops.cast(multiplier, dtype))
        else:
            step = ops.minimum(step, decay_steps)
        p = ops.divide(step, decay_steps)
        return ops.add(ops.multiply(ops.subtract(lr, end), ops.power(ops.subtract(1, p), power)), end)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


@builtin("keras.optimizers.schedules")
class InverseTimeDecay(_RateDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (floored if ``staircase``).

    Example:
        >>> s = InverseTimeDecay(1.0, decay_steps=1, decay_rate=1.0)
        >>> float(s(1))
        0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase: bool = False,
                 name: str = "InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        lr, dtype, p = self._progress(step)
        return ops.divide(lr, ops.add(ops.cast(1, dtype), ops.multiply(ops.cast(self.decay_rate, dtype), p)))


@builtin("keras.optimizers.schedules")
class CosineDecay(LearningRateSchedule):
    """Cosine decay to ``alpha * initial`` over ``decay_steps``, after an optional linear warmup.

    With ``warmup_target`` set, the rate first rises linearly from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps``, then
    decays from ``warmup_target``.

    Example:
        >>> s = CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)
        >>> float(s(5))
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name: str = "CosineDecay",
                 warmup_target=None, warmup_steps=0):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_positive("CosineDecay", "decay_steps", decay_steps)

    def _decay_function(self, step, decay_steps, decay_from_lr, dtype):
        fraction = ops.divide(step, decay_steps)
        pi = ops.convert_to_tensor(math.pi, dtype=dtype)
        cosine = ops.multiply(0.5, ops.add(1.0, ops.cos(ops.multiply(pi, fraction))))
        decayed = ops.add(ops.multiply(1 - self.alpha, cosine), self.alpha)
        return ops.multiply(decay_from_lr, decayed)

    def _warmup_function(self, step, warmup_steps, warmup_target, initial_learning_rate):
        fraction = ops.divide(step, warmup_steps)
        return ops.add(ops.multiply(ops.subtract(warmup_target, initial_learning_rate), fraction),
                       initial_learning_rate)

    def __call__(self, step):
        lr = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = _dtype_name(lr)
        decay_steps = ops.cast(self.decay_steps, dtype)
        step = ops.cast(step, dtype)
        if self.warmup_target is None:
            step = ops.minimum(step, decay_steps)
            return self._decay_function(step, decay_steps, lr, dtype)
        warmup_target = ops.cast(self.warmup_target, dtype)
        warmup_steps = ops.cast(self.warmup_steps, dtype)
        step = ops.minimum(step, ops.add(decay_steps, warmup_steps))
        warm = self._warmup_function(step, warmup_steps, warmup_target, lr)
        decay = self._decay_function(ops.subtract(step, warmup_steps), decay_steps, warmup_target, dtype)
        return ops.where(ops.less(step, warmup_steps), warm, decay)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


@builtin("keras.optimizers.schedules")
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods grow by ``t_mul``, peaks scale by ``m_mul``.

    Example:
        >>> s = CosineDecayRestarts(1.0, first_decay_steps=10)
        >>> float(s(10))  # the first restart
        1.0
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name: str = "SGDRDecay"):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)

    def __call__(self, step):
        lr = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = _dtype_name(lr)
        first_decay_steps = ops.cast(self.first_decay_steps, dtype)
        alpha = ops.cast(self.alpha, dtype)
        t_mul = ops.cast(self._t_mul, dtype)
        m_mul = ops.cast(self._m_mul, dtype)
        fraction = ops.divide(ops.cast(step, dtype), first_decay_steps)
        if float(self._t_mul) == 1.0:
            i_restart = ops.floor(fraction)
            fraction = ops.subtract(fraction, i_restart)
        else:
            i_restart = ops.floor(ops.divide(
                ops.log(ops.subtract(1.0, ops.multiply(fraction, ops.subtract(1.0, t_mul)))), ops.log(t_mul)))
            sum_r = ops.divide(ops.subtract(1.0, ops.power(t_mul, i_restart)), ops.subtract(1.0, t_mul))
            fraction = ops.divide(ops.subtract(fraction, sum_r), ops.power(t_mul, i_restart))
        m_fac = ops.power(m_mul, i_restart)
        pi = ops.convert_to_tensor(math.pi, dtype=dtype)
        cosine = ops.multiply(ops.multiply(0.5, m_fac), ops.add(1.0, ops.cos(ops.multiply(pi, fraction))))
        decayed = ops.add(ops.multiply(ops.subtract(1, alpha), cosine), alpha)
        return ops.multiply(lr, decayed)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self._t_mul, "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


def _module_objects() -> dict:
    return {k: v for k, v in globals().items()
            if isinstance(v, type) and issubclass(v, LearningRateSchedule)}


def serialize(learning_rate_schedule) -> dict:
    """The Keras config dict of a schedule.

    Example:
        >>> serialize(ExponentialDecay(0.1, 10, 0.9))["class_name"]
        'ExponentialDecay'
    """
    return _serialization.serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """A schedule from its config dict (as written by ``serialize`` or Keras 3)."""
    return _serialization.deserialize_keras_object(config, custom_objects=custom_objects,
                                                   module_objects=_module_objects())
