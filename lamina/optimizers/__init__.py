"""lamina.optimizers: Keras 3's ``keras.optimizers`` (and ``keras.optimizers.schedules``).

Example:
    >>> opt = lamina.optimizers.get("adam")
    >>> opt = lamina.optimizers.AdamW(learning_rate=schedules.CosineDecay(1e-3, 1000), weight_decay=0.01)
"""

from __future__ import annotations

import inspect as _inspect

from lamina.optimizers import schedules  # noqa: F401
from lamina.optimizers.adadelta import Adadelta  # noqa: F401
from lamina.optimizers.adafactor import Adafactor  # noqa: F401
from lamina.optimizers.adagrad import Adagrad  # noqa: F401
from lamina.optimizers.adam import Adam  # noqa: F401
from lamina.optimizers.adamax import Adamax  # noqa: F401
from lamina.optimizers.adamw import AdamW  # noqa: F401
from lamina.optimizers.base_optimizer import Optimizer  # noqa: F401
from lamina.optimizers.ftrl import Ftrl  # noqa: F401
from lamina.optimizers.lamb import Lamb  # noqa: F401
from lamina.optimizers.lion import Lion  # noqa: F401
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer  # noqa: F401
from lamina.optimizers.muon import Muon  # noqa: F401
from lamina.optimizers.nadam import Nadam  # noqa: F401
from lamina.optimizers.rmsprop import RMSprop  # noqa: F401
from lamina.optimizers.schedule_free_adamw import ScheduleFreeAdamW  # noqa: F401
from lamina.optimizers.sgd import SGD  # noqa: F401
from lamina.saving import serialization as _serialization


def _module_objects() -> dict:
    """Every optimizer class by its class name and by its lower-cased name (Keras's lookup table)."""
    table = {}
    for k, v in globals().items():
        if _inspect.isclass(v) and issubclass(v, Optimizer):
            table[k] = v
            table[k.lower()] = v
    return table


def serialize(optimizer) -> dict:
    """The Keras config dict of an optimizer.

    Example:
        >>> serialize(SGD())["class_name"]
        'SGD'
    """
    return _serialization.serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from its config dict (class names match case-insensitively, as in Keras)."""
    return _serialization.deserialize_keras_object(config, custom_objects=custom_objects,
                                                   module_objects=_module_objects())


def get(identifier):
    """An optimizer from a name (``"adam"``), a config dict, a class or an instance (None gives None).

    Example:
        >>> get("rmsprop").get_config()["rho"]
        0.9
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        table = _module_objects()
        cls = table.get(identifier.lower())
        if cls is None or cls in (Optimizer, LossScaleOptimizer):
            names = sorted({k for k, v in table.items() if k == k.lower() and v not in (Optimizer, LossScaleOptimizer)})
            raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Known names: {names}.")
        return cls()
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
        if isinstance(obj, Optimizer):
            return obj
    elif _inspect.isclass(identifier) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
