"""Public saving API: ``save_model``/``load_model``, ``save_weights``/``load_weights``, JSON configs.

The format follows the file name, as in Keras 3: ``.keras`` archives,
``.weights.h5`` weight files, and legacy ``.h5``/``.hdf5`` files.

Example:
    >>> lamina.saving.save_model(model, "m.keras")
    >>> model = lamina.saving.load_model("m.keras")
"""

from __future__ import annotations

import json
import os

from lamina.saving import file_safety as fs
from lamina.saving import keras_archive, weights_h5
from lamina.saving.file_safety import LaminaFileError


def _path(filepath) -> str:
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"Expected a file path (str or os.PathLike), received {type(filepath).__name__}.")
    return os.fspath(filepath)


def _is_legacy_h5(filepath: str) -> bool:
    return filepath.endswith((".h5", ".hdf5")) and not filepath.endswith(".weights.h5")


def save_model(model, filepath, overwrite: bool = True, **kwargs) -> None:
    """Save a model to a ``.keras`` archive, or to a legacy ``.h5`` file (with a warning), atomically.

    A failed save leaves any previous file intact. ``include_optimizer=False``
    leaves the compile arguments and optimizer state out of an ``.h5`` file.

    Example:
        >>> lamina.saving.save_model(model, "model.keras")
    """
    filepath = _path(filepath)
    unknown = set(kwargs) - {"zipped", "include_optimizer"}
    if unknown:
        raise ValueError(f"save_model: unrecognized arguments {sorted(unknown)}.")
    if kwargs.get("zipped") is False:
        raise ValueError("save_model: zipped=False (saving to a directory) is not supported; save a .keras file.")
    if _is_legacy_h5(filepath):
        from lamina.saving import legacy_h5

        return legacy_h5.save_model(model, filepath, overwrite=overwrite,
                                    include_optimizer=kwargs.get("include_optimizer", True))
    if not filepath.endswith(".keras"):
        raise ValueError(f"save_model: the filename must end in `.keras` (or `.h5` for the legacy HDF5 format), "
                         f"received {filepath!r}.")
    keras_archive.save_model(model, filepath, overwrite=overwrite)


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True, safe_mode=True):
    """Load a model from a ``.keras`` archive or a legacy ``.h5`` file, written by lamina or Keras.

    Only lamina's own registered objects, objects registered with
    ``register_keras_serializable`` and those passed in ``custom_objects`` are
    created; nothing a file names is imported. Lambda layers (stored as
    bytecode) are refused unless ``safe_mode=False``. A corrupt, truncated or
    hostile file raises a ``ValueError`` naming the file and the problem.

    Example:
        >>> model = lamina.models.load_model("model.keras")
    """
    filepath = _path(filepath)
    if filepath.endswith(".keras"):
        return keras_archive.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                        safe_mode=safe_mode)
    if _is_legacy_h5(filepath):
        from lamina.saving import legacy_h5

        return legacy_h5.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    if filepath.endswith(".weights.h5"):
        raise ValueError(f"load_model: {filepath!r} is a weights file; build the model and call "
                         "model.load_weights() instead.")
    if os.path.isdir(filepath):
        raise ValueError(f"load_model: {filepath!r} is a directory; lamina loads .keras files "
                         "(TensorFlow SavedModel directories are not supported).")
    raise ValueError(f"load_model: unsupported file {filepath!r}; expected a `.keras` or legacy `.h5` file.")


def save_weights(model, filepath, overwrite: bool = True, max_shard_size=None) -> None:
    """Save a model's weights (and optimizer state) to a ``.weights.h5`` file, atomically.

    With ``max_shard_size`` (GB), write a ``.weights.json`` index plus
    ``<name>_00000.weights.h5``... shards of at most that size, as Keras 3 does.
    """
    filepath = _path(filepath)
    if max_shard_size is not None:
        from lamina.saving import sharded_weights

        return sharded_weights.save_weights(model, filepath, max_shard_size, overwrite=overwrite)
    weights_h5.save_weights(model, filepath, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    """Load weights from a ``.weights.h5``, a sharded ``.weights.json``, a ``.keras`` or a legacy ``.h5`` file.

    ``skip_mismatch=True`` skips (with a warning) objects whose variable count
    or shapes differ from the file. Legacy ``.h5`` files also accept ``by_name``.
    """
    filepath = _path(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"load_weights: no such file: {filepath!r}.")
    if filepath.endswith(".keras"):
        if kwargs:
            raise ValueError(f"load_weights: unrecognized arguments {sorted(kwargs)} for a .keras file.")
        return keras_archive.load_weights_from_archive(model, filepath, skip_mismatch=skip_mismatch)
    if filepath.endswith(".weights.h5"):
        if kwargs:
            raise ValueError(f"load_weights: unrecognized arguments {sorted(kwargs)} for a .weights.h5 file.")
        return weights_h5.load_weights(model, filepath, skip_mismatch=skip_mismatch)
    if filepath.endswith(".weights.json"):
        if kwargs:
            raise ValueError(f"load_weights: unrecognized arguments {sorted(kwargs)} for a .weights.json file.")
        from lamina.saving import sharded_weights

        return sharded_weights.load_weights(model, filepath, skip_mismatch=skip_mismatch)
    if _is_legacy_h5(filepath):
        from lamina.saving import legacy_h5

        unknown = set(kwargs) - {"by_name"}
        if unknown:
            raise ValueError(f"load_weights: unrecognized arguments {sorted(unknown)}.")
        return legacy_h5.load_weights(model, filepath, skip_mismatch=skip_mismatch,
                                      by_name=kwargs.get("by_name", False))
    raise ValueError(f"load_weights: unsupported file {filepath!r}; expected `.weights.h5`, `.weights.json`, "
                     "`.keras` or `.h5`.")


def model_to_json(model, **kwargs) -> str:
    """The model's architecture as a JSON string (``model.to_json()``)."""
    from lamina.saving.model_config import serialize_model

    return json.dumps(serialize_model(model), **kwargs)


def model_from_json(json_string: str, custom_objects: dict | None = None, safe_mode=True):
    """A new (uninitialized) model from ``model.to_json()`` output; safe mode applies as in load_model.

    Example:
        >>> clone = lamina.models.model_from_json(model.to_json())
    """
    from lamina.saving.model_config import deserialize_model

    safe_mode = fs.resolve_safe_mode(safe_mode)
    config = fs.parse_json(json_string, "the JSON config", "model_from_json")
    fs.scan_config(config, "model_from_json", safe_mode, custom_objects)
    with fs.safe_mode_scope(safe_mode):
        return deserialize_model(config, custom_objects=custom_objects, compile=False, filepath="model_from_json")


__all__ = ["save_model", "load_model", "save_weights", "load_weights", "model_from_json", "model_to_json",
           "LaminaFileError"]
