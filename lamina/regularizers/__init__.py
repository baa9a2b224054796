"""lamina.regularizers: Keras 3's ``keras.regularizers`` (classes, snake_case aliases, ``get``, ``serialize``).

Example:
    >>> from lamina import regularizers
    >>> regularizers.get("l2")(lamina.ops.ones((5, 5)))   # 0.01 * 25
"""

import inspect as _inspect

from lamina.regularizers.regularizers import L1, L1L2, L2, OrthogonalRegularizer, Regularizer
from lamina.saving import serialization as _serialization

l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

ALL_OBJECTS = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "regularizer": Regularizer,
    "l1": L1,
    "l2": L2,
    "l1l2": L1L2,  # Keras's own snake_case of "L1L2"
    "l1_l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
})


def serialize(regularizer) -> dict:
    """The Keras 3 config dict of a regularizer."""
    return _serialization.serialize_keras_object(regularizer)


def deserialize(config, custom_objects: dict | None = None):
    """The regularizer described by ``config`` (a dict from :func:`serialize`, or Keras's)."""
    return _serialization.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def get(identifier):
    """Resolve a regularizer from ``None``, a name (``"l2"``, ``"L1L2"``), a config dict, a class or a callable.

    Example:
        >>> get({"class_name": "L1", "config": {"l1": 0.1}})
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier) or _serialization.get_registered_object(identifier)
    elif isinstance(identifier, dict):
        try:
            obj = deserialize(identifier)
        except _serialization.DeserializationError as e:
            raise ValueError(f"lamina.regularizers.get: cannot interpret config {identifier!r}: {e}") from e
    else:
        obj = identifier
    if _inspect.isclass(obj):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret regularizer identifier: {identifier!r}. lamina.regularizers.get expects None, "
        f"one of the names {sorted(ALL_OBJECTS_DICT)}, a config dict or a callable."
    )

