"""The ``.keras`` archive: a zip of ``metadata.json``, ``config.json`` and ``model.weights.h5``.

Written exactly as Keras 3 writes it (members stored uncompressed), so real
Keras loads lamina's files and lamina loads Keras's. Loading reads the members
into memory (nothing is extracted to disk), checks the config before building
anything, and builds only lamina's registered objects and those the caller
registered or passed.

Example:
    >>> save_model(model, "model.keras")
    >>> restored = load_model("model.keras")
"""

from __future__ import annotations

import datetime
import json
import os
import zipfile

from lamina.saving import assets
from lamina.saving import file_safety as fs
from lamina.saving import weights_h5
from lamina.saving.file_safety import LaminaFileError
from lamina.saving.model_config import deserialize_model, serialize_model

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
WEIGHTS_NPZ_FILENAME = "model.weights.npz"
# The Keras file format version lamina writes and reads.
KERAS_FORMAT_VERSION = "3.15.1"


def _metadata() -> dict:
    from lamina.version import __version__

    return {"keras_version": KERAS_FORMAT_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "lamina_version": __version__}


def save_model(model, filepath, overwrite: bool = True) -> None:
    """Save ``model`` (architecture, weights, compile config, optimizer state) to a ``.keras`` file.

    The archive is written to a temporary file next to ``filepath`` and renamed
    over it, so a failed save leaves any previous file intact.

    Example:
        >>> save_model(model, "model.keras")
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(f"save_model: the filename must end in `.keras`, received {filepath!r}.")
    weights_h5._check_built(model, "save")
    config = serialize_model(model)
    config_json = json.dumps(config)
    metadata_json = json.dumps(_metadata())
    weights = weights_h5.weights_to_bytes(model)
    with fs.atomic_write(filepath, overwrite=overwrite) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(METADATA_FILENAME, metadata_json)
            zf.writestr(CONFIG_FILENAME, config_json)
            zf.writestr(WEIGHTS_FILENAME, weights)
            assets.write_assets(model, zf)


def read_archive(filepath):
    """``(config, metadata, weights_bytes, weights_member)`` from a ``.keras`` file, every member checked."""
    with fs.open_archive(filepath) as zf:
        names = zf.namelist()
        config = fs.parse_json(fs.read_member(zf, CONFIG_FILENAME, filepath, fs.MAX_JSON_BYTES),
                               CONFIG_FILENAME, filepath)
        metadata = {}
        if METADATA_FILENAME in names:
            metadata = fs.parse_json(fs.read_member(zf, METADATA_FILENAME, filepath, fs.MAX_JSON_BYTES),
                                     METADATA_FILENAME, filepath)
        if WEIGHTS_FILENAME in names:
            member = WEIGHTS_FILENAME
        elif WEIGHTS_NPZ_FILENAME in names:
            member = WEIGHTS_NPZ_FILENAME
        else:
            raise LaminaFileError(f"{filepath}: the archive has no {WEIGHTS_FILENAME!r} member (missing weights); "
                                  f"found {names}.")
        weights = fs.read_member(zf, member, filepath)
    if not isinstance(config, dict):
        raise LaminaFileError(f"{filepath}: {CONFIG_FILENAME} must hold a JSON object, found {type(config).__name__}.")
    return config, metadata, weights, member


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode=True):
    """Load a model saved with ``model.save("...keras")`` by lamina or by Keras 3.

    Only lamina's registered objects, those registered with
    ``register_keras_serializable`` and those in ``custom_objects`` are created;
    a Lambda's bytecode is refused unless ``safe_mode=False``.

    Example:
        >>> model = load_model("model.keras", custom_objects={"Scale": Scale})
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"load_model: no such file: {filepath!r}.")
    safe_mode = fs.resolve_safe_mode(safe_mode)
    config, _metadata_json, weights, member = read_archive(filepath)
    fs.scan_config(config, filepath, safe_mode, custom_objects)
    with fs.safe_mode_scope(safe_mode):
        try:
            model = deserialize_model(config, custom_objects=custom_objects, compile=compile, filepath=filepath)
        except LaminaFileError as e:
            raise type(e)(_with_file(str(e), filepath)) from None
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, NotImplementedError) as e:
            raise LaminaFileError(f"{filepath}: cannot build the model from {CONFIG_FILENAME}: "
                                  f"{type(e).__name__}: {e}") from e
    if member == WEIGHTS_NPZ_FILENAME:
        _load_npz_weights(model, weights, filepath)
    else:
        weights_h5.weights_from_bytes(model, weights, filepath)
    with fs.open_archive(filepath) as zf:
        assets.read_assets(model, zf, filepath)
    return model


def _with_file(message: str, filepath) -> str:
    return message if message.startswith(str(filepath)) else f"{filepath}: {message}"


def load_weights_from_archive(model, filepath, skip_mismatch: bool = False) -> None:
    """``model.load_weights("x.keras")``: the weights of a ``.keras`` archive into an existing model."""
    _config, _metadata_json, weights, member = read_archive(filepath)
    if member == WEIGHTS_NPZ_FILENAME:
        _load_npz_weights(model, weights, filepath)
    else:
        weights_h5.weights_from_bytes(model, weights, filepath, skip_mismatch=skip_mismatch)


def _load_npz_weights(model, data: bytes, filepath) -> None:
    """Keras's npz weights member stores pickled dicts; lamina never unpickles, so it is refused."""
    raise fs.UnsafeFileError(
        f"{filepath}: the archive stores its weights as {WEIGHTS_NPZ_FILENAME}, whose entries are pickled "
        "Python objects; lamina never unpickles data from a file. Re-save the model with weights_format='h5'.")
