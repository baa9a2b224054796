"""lamina.activations: Keras 3's ``keras.activations`` (functions, ``get``, ``serialize``, ``deserialize``).

Example:
    >>> from lamina import activations
    >>> activations.get("swish") is activations.silu
    True
    >>> activations.serialize(activations.relu)
    'relu'
"""

import types as _types

from lamina.activations.activations import (  # noqa: F401
    celu,
    elu,
    exponential,
    gelu,
    glu,
    hard_shrink,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    leaky_relu,
    linear,
    log_sigmoid,
    log_softmax,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_shrink,
    softmax,
    softplus,
    softsign,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    swish,
    tanh,
    tanh_shrink,
    threshold,
)
from lamina.saving import serialization as _serialization

ALL_OBJECTS = (
    celu, elu, exponential, gelu, glu, hard_shrink, hard_sigmoid, hard_silu, hard_tanh, leaky_relu,
    linear, log_sigmoid, log_softmax, mish, relu, relu6, selu, sigmoid, silu, soft_shrink, softmax,
    softplus, softsign, sparse_plus, sparse_sigmoid, sparsemax, squareplus, tanh, tanh_shrink, threshold,
)
ALL_OBJECTS_DICT = {fn.__name__: fn for fn in ALL_OBJECTS}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu


def _unknown(identifier) -> ValueError:
    return ValueError(
        f"Could not interpret activation function identifier: {identifier!r}. "
        f"lamina.activations.get expects None, a callable, a config dict or one of the names "
        f"{sorted(ALL_OBJECTS_DICT)}."
    )


def serialize(activation):
    """The config of an activation: a built-in's name (``"relu"``), or a dict for custom ones.

    Example:
        >>> serialize(lamina.activations.gelu)
        'gelu'
    """
    config = _serialization.serialize_keras_object(activation)
    if isinstance(config, str):
        return config
    if not isinstance(config, dict) or "config" not in config:
        raise ValueError(
            f"lamina.activations.serialize: cannot serialize {activation!r}; use a built-in activation "
            "or register yours with @lamina.saving.register_keras_serializable()."
        )
    if isinstance(activation, _types.FunctionType):
        # As Keras does: a custom function is named by its registered name ("package>name").
        config = dict(config, config=_serialization.get_registered_name(activation))
    return config


def deserialize(config, custom_objects: dict | None = None):
    """The activation function named or described by ``config`` (the output of :func:`serialize`)."""
    if isinstance(config, str) and config in ALL_OBJECTS_DICT and not custom_objects:
        return ALL_OBJECTS_DICT[config]
    return _serialization.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def get(identifier):
    """Resolve an activation from ``None`` (linear), a name, a config dict or a callable.

    Example:
        >>> get("relu")(np.array([-1.0, 2.0]))   # [0., 2.]
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        found = ALL_OBJECTS_DICT.get(identifier)
        if found is None:
            found = _serialization.get_registered_object(identifier)
        if found is None:
            raise _unknown(identifier)
        obj = found
    elif isinstance(identifier, dict):
        try:
            obj = deserialize(identifier)
        except _serialization.DeserializationError as e:
            raise ValueError(f"lamina.activations.get: cannot interpret config {identifier!r}: {e}") from e
    else:
        obj = identifier
    if callable(obj):
        return obj
    raise _unknown(identifier)
