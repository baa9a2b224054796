"""Learning-rate schedules (``lamina.optimizers.schedules``)."""

from __future__ import annotations

from lamina.saving.serialization import builtin


@builtin("keras.optimizers.schedules")
class LearningRateSchedule:
    """Base class: ``__call__(step)`` returns the learning rate for that step (a tensor op)."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(step).")

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must implement get_config().")

    @classmethod
    def from_config(cls, config):
        return cls(**config)
