"""lamina.initializers: Keras 3's ``keras.initializers`` (classes, snake_case aliases, ``get``, ``serialize``).

Example:
    >>> from lamina import initializers
    >>> init = initializers.get("glorot_uniform")
    >>> w = init((64, 32))
    >>> initializers.serialize(initializers.GlorotUniform(seed=3))["config"]
    {'seed': 3, 'input_axes': None, 'output_axes': None}
"""

import inspect as _inspect
import re as _re

import numpy as _np

from lamina import ops as _ops
from lamina.backend.common.dtypes import standardize_dtype as _standardize_dtype
from lamina.initializers.constant_initializers import Constant, Identity, Ones, Zeros
from lamina.initializers.initializer import Initializer
from lamina.initializers.orthogonal_initializer import Orthogonal
from lamina.initializers.random_initializers import RandomNormal, RandomUniform, TruncatedNormal
from lamina.initializers.stft_initializer import STFT
from lamina.initializers.variance_scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    VarianceScaling,
)
from lamina.saving import serialization as _serialization

# Keras's public aliases.
constant = Constant
zeros = Zeros
ones = Ones
identity = IdentityInitializer = Identity
stft = STFTInitializer = STFT
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = OrthogonalInitializer = Orthogonal

ALL_OBJECTS = (
    Initializer, Constant, Identity, Ones, STFT, Zeros, GlorotNormal, GlorotUniform, HeNormal, HeUniform,
    LecunNormal, LecunUniform, Orthogonal, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
)


def _snake_case(name: str) -> str:
    name = _re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return _re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "IdentityInitializer": Identity,
    "OrthogonalInitializer": Orthogonal,
    "STFTInitializer": STFT,
    "normal": RandomNormal,
    "uniform": RandomUniform,
    "one": Ones,
    "zero": Zeros,
})


def serialize(initializer) -> dict:
    """The Keras 3 config dict of an initializer."""
    return _serialization.serialize_keras_object(initializer)


def deserialize(config, custom_objects: dict | None = None):
    """The initializer described by ``config`` (a dict from :func:`serialize`, or Keras's)."""
    return _serialization.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def _from_values(values):
    """An initializer returning fixed ``values`` (the shape asked for must be theirs)."""
    expected = tuple(int(d) for d in values.shape)

    def initialize_fn(shape, dtype=None):
        if tuple(int(d) for d in shape) != expected:
            raise ValueError(
                f"Initializer from a tensor: expected `shape` to be {expected} (the tensor's shape); "
                f"received shape={tuple(shape)}."
            )
        return _ops.cast(values, _standardize_dtype(dtype))

    return initialize_fn


def get(identifier):
    """Resolve an initializer from ``None``, a name (``"he_normal"``, ``"Zeros"``), a config dict,
    a class, a callable ``(shape, dtype=None)``, or a tensor/array holding the values.

    Example:
        >>> get("ones")((2,))   # [1., 1.]
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier) or _serialization.get_registered_object(identifier)
        if obj is None:
            raise ValueError(
                f"Could not interpret initializer identifier: {identifier!r}. lamina.initializers.get "
                f"expects one of the names {sorted(ALL_OBJECTS_DICT)}, a config dict, a callable or a tensor."
            )
    elif isinstance(identifier, dict):
        try:
            obj = deserialize(identifier)
        except _serialization.DeserializationError as e:
            raise ValueError(f"lamina.initializers.get: cannot interpret config {identifier!r}: {e}") from e
    elif _ops.is_tensor(identifier) or isinstance(identifier, (_np.ndarray, _np.generic)):
        obj = _from_values(identifier)
    else:
        obj = identifier
    if _inspect.isclass(obj):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret initializer identifier: {identifier!r}. lamina.initializers.get expects "
        f"None, one of the names {sorted(ALL_OBJECTS_DICT)}, a config dict, a callable or a tensor."
    )
