"""lamina.optimizers: Keras 3's ``keras.optimizers``."""

import inspect as _inspect

from lamina.optimizers import schedules  # noqa: F401
from lamina.optimizers.adam import Adam  # noqa: F401
from lamina.optimizers.base_optimizer import Optimizer  # noqa: F401
from lamina.optimizers.rmsprop import RMSprop  # noqa: F401
from lamina.optimizers.sgd import SGD  # noqa: F401
from lamina.saving import serialization as _serialization


def _module_objects() -> dict:
    return {k: v for k, v in globals().items() if _inspect.isclass(v) and issubclass(v, Optimizer)}


def serialize(optimizer):
    return _serialization.serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    return _serialization.deserialize_keras_object(config, custom_objects=custom_objects,
                                                   module_objects=_module_objects())


def get(identifier):
    """An optimizer from a name (``"adam"``), a config dict, a class or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        table = {k.lower(): v for k, v in _module_objects().items()}
        if identifier.lower() not in table:
            raise ValueError(f"Unknown optimizer {identifier!r}. Valid names: {sorted(table)}.")
        return table[identifier.lower()]()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if _inspect.isclass(identifier) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}.")
