"""lamina.losses: Keras 3's ``keras.losses`` (classes, functions, get/serialize/deserialize)."""

from lamina.losses.crossentropy import SparseCategoricalCrossentropy, sparse_categorical_crossentropy  # noqa: F401
from lamina.losses.loss import Loss, LossFunctionWrapper, reduce_values  # noqa: F401
from lamina.saving import serialization as _serialization


def serialize(loss):
    return _serialization.serialize_keras_object(loss)


def deserialize(config, custom_objects=None):
    return _serialization.deserialize_keras_object(config, custom_objects=custom_objects,
                                                   module_objects=_module_objects())


def _module_objects() -> dict:
    return {k: v for k, v in globals().items() if not k.startswith("_") and callable(v)}


def get(identifier):
    """A loss from a name (``"mse"``, ``"sparse_categorical_crossentropy"``), config, Loss or function."""
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        table = _module_objects()
        table.update(_ALIASES_RESOLVED())
        if identifier not in table:
            names = sorted(k for k in table if k[0].islower())
            raise ValueError(f"Unknown loss {identifier!r}. Valid names include: {names}.")
        return table[identifier]
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}.")


def _ALIASES_RESOLVED():
    g = globals()
    aliases = {"mse": "mean_squared_error", "MSE": "mean_squared_error", "mae": "mean_absolute_error",
               "MAE": "mean_absolute_error", "mape": "mean_absolute_percentage_error",
               "MAPE": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
               "MSLE": "mean_squared_logarithmic_error", "kld": "kl_divergence", "KLD": "kl_divergence",
               "kullback_leibler_divergence": "kl_divergence", "logcosh": "log_cosh", "huber_loss": "huber"}
    return {k: g[v] for k, v in aliases.items() if v in g}
