"""lamina.constraints: Keras 3's ``keras.constraints`` (classes, snake_case aliases, ``get``, ``serialize``).

Example:
    >>> from lamina import constraints
    >>> constraints.get("max_norm").get_config()
    {'max_value': 2, 'axis': 0}
"""

import inspect as _inspect

from lamina.constraints.constraints import Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm
from lamina.saving import serialization as _serialization

max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

ALL_OBJECTS = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "constraint": Constraint,
    "max_norm": MaxNorm,
    "min_max_norm": MinMaxNorm,
    "non_neg": NonNeg,
    "unit_norm": UnitNorm,
})


def serialize(constraint) -> dict:
    """The Keras 3 config dict of a constraint."""
    return _serialization.serialize_keras_object(constraint)


def deserialize(config, custom_objects: dict | None = None):
    """The constraint described by ``config`` (a dict from :func:`serialize`, or Keras's)."""
    return _serialization.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def get(identifier):
    """Resolve a constraint from ``None``, a name (``"non_neg"``, ``"MaxNorm"``), a config dict, a class
    or a callable.

    Example:
        >>> get("non_neg")(np.array([-1.0, 2.0]))   # [0., 2.]
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier) or _serialization.get_registered_object(identifier)
    elif isinstance(identifier, dict):
        try:
            obj = deserialize(identifier)
        except _serialization.DeserializationError as e:
            raise ValueError(f"lamina.constraints.get: cannot interpret config {identifier!r}: {e}") from e
    else:
        obj = identifier
    if _inspect.isclass(obj):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret constraint identifier: {identifier!r}. lamina.constraints.get expects None, "
        f"one of the names {sorted(ALL_OBJECTS_DICT)}, a config dict or a callable."
    )
