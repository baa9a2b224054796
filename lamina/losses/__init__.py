"""lamina.losses: Keras 3's ``keras.losses`` (classes, functions, get/serialize/deserialize).

Example:
    >>> lamina.losses.get("mse")                      # the mean_squared_error function
    >>> lamina.losses.get("CategoricalCrossentropy")  # a CategoricalCrossentropy() instance
"""

from __future__ import annotations

import inspect as _inspect

from lamina.losses.crossentropy import (  # noqa: F401
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    sparse_categorical_crossentropy,
)
from lamina.losses.ctc import CTC, ctc  # noqa: F401
from lamina.losses.hinge import CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge  # noqa: F401
from lamina.losses.loss import (  # noqa: F401
    Loss,
    LossFunctionWrapper,
    reduce_values,
    reduce_weighted_values,
    squeeze_or_expand_to_same_rank,
)
from lamina.losses.probabilistic import KLDivergence, Poisson, kl_divergence, poisson  # noqa: F401
from lamina.losses.regression import (  # noqa: F401
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from lamina.losses.segmentation import Dice, Tversky, dice, tversky  # noqa: F401
from lamina.losses.similarity import Circle, circle  # noqa: F401
from lamina.saving import serialization as _serialization

_OBJECTS = (
    Loss, LossFunctionWrapper,
    KLDivergence, Poisson, BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
    CategoricalFocalCrossentropy, SparseCategoricalCrossentropy, CategoricalGeneralizedCrossEntropy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    CosineSimilarity, LogCosh, Huber, Hinge, SquaredHinge, CategoricalHinge, Dice, Tversky, Circle, CTC,
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_focal_crossentropy, sparse_categorical_crossentropy, categorical_generalized_cross_entropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    cosine_similarity, log_cosh, huber, hinge, squared_hinge, categorical_hinge, dice, tversky, circle, ctc,
)

# Keras 3's short names, plus the Keras 2 names it kept as legacy aliases.
ALIASES = {
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence, "kullback_leibler_divergence": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "logcosh": log_cosh, "huber_loss": huber,
}

ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _OBJECTS}
ALL_OBJECTS_DICT.update(ALIASES)


def _module_objects() -> dict:
    return dict(ALL_OBJECTS_DICT)


def serialize(loss) -> dict | str:
    """A JSON-ready config for a Loss instance or a loss function.

    Example:
        >>> lamina.losses.serialize(lamina.losses.Huber(delta=2.0))["class_name"]   # "Huber"
    """
    return _serialization.serialize_keras_object(loss)


def deserialize(name, custom_objects: dict | None = None):
    """A Loss instance or loss function from a config (or a name), as made by :func:`serialize`.

    A class name (``"MeanSquaredError"``) gives an instance with default arguments.
    """
    obj = _serialization.deserialize_keras_object(name, custom_objects=custom_objects,
                                                  module_objects=ALL_OBJECTS_DICT)
    return obj() if _inspect.isclass(obj) else obj


def get(identifier):
    """A loss from a name, a config dict, a Loss class or instance, or a function.

    Function names (``"mean_squared_error"``, ``"mse"``) give the function; class names
    (``"MeanSquaredError"``) and classes give an instance with default arguments.

    Example:
        >>> lamina.losses.get("sparse_categorical_crossentropy")
        >>> lamina.losses.get({"class_name": "Huber", "config": {"delta": 2.0}})
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            found = _serialization.get_registered_object(identifier)
            if found is None:
                names = sorted(ALL_OBJECTS_DICT, key=lambda n: (n[0].isupper(), n.lower()))
                raise ValueError(f"Could not interpret loss identifier: unknown loss {identifier!r}. "
                                 f"Valid names are: {names}.")
            obj = found
    else:
        obj = identifier
    if callable(obj):
        return obj() if _inspect.isclass(obj) else obj
    raise ValueError(
        f"Could not interpret loss identifier: {identifier!r}. Expected a loss name, a config dict, "
        "a Loss class or instance, or a function."
    )
