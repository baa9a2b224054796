"""Legacy HDF5 files: whole-model ``.h5`` (read and written) and Keras 2-style weight files (read).

Layout: the root attribute ``model_config`` holds the architecture as JSON
(layer entries may lack ``module``), ``training_config`` the compile
arguments; the group ``model_weights`` (or the root, for files written by
``save_weights("x.h5")``) has the attribute ``layer_names`` and one group per
layer, whose attribute ``weight_names`` lists the paths of its weights
(trainable first, then non-trainable) below that group. ``optimizer_weights``
holds the optimizer's variables in order.

Writing (``model.save("m.h5")``) follows Keras 3's legacy writer: layer groups
sorted by name, weight datasets stored below each layer group under the
variables' paths, a ``top_level_model_weights`` group for variables the model
holds itself, and the optimizer's variables under ``optimizer_weights``.

Weights are matched to layers by order (every layer that has weights, in
``model.layers`` order) or, with ``by_name=True``, by layer name. The same
safety rules as for ``.keras`` apply: safe mode, registry-only classes, hard
links only, shapes checked before reading.

Example:
    >>> model = load_model("keras2_model.h5")
    >>> model.load_weights("vgg_weights.h5", by_name=True)
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from lamina.saving import file_safety as fs
from lamina.saving import serialization as ser
from lamina.saving.file_safety import LaminaFileError


# --------------------------------------------------------------------------- writing
LEGACY_WARNING = ("You are saving the model as a legacy HDF5 file ({path}). This format is kept for compatibility "
                  "only: the `.keras` format is recommended, e.g. model.save('model.keras').")
# HDF5 object headers hold at most this many bytes of attributes; longer name lists are split (attr0, attr1...).
HDF5_OBJECT_HEADER_LIMIT = 64512


def _write_name_list(group, attr: str, names) -> None:
    """Store a list of names as a bytes-array attribute, split into ``attr0``, ``attr1``... if too large."""
    encoded = [n.encode("utf8") for n in names]
    too_long = [n for n in encoded if len(n) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise ValueError(f"save_model: names longer than {HDF5_OBJECT_HEADER_LIMIT} bytes cannot be stored in an "
                         f"HDF5 attribute: {too_long[0][:80]!r}...")
    array = np.asarray(encoded) if encoded else np.asarray([], dtype=np.float64)
    chunks = 1
    parts = np.array_split(array, chunks)
    while any(p.nbytes > HDF5_OBJECT_HEADER_LIMIT for p in parts):
        chunks += 1
        parts = np.array_split(array, chunks)
    if chunks == 1:
        group.attrs[attr] = array
    else:
        for i, part in enumerate(parts):
            group.attrs[f"{attr}{i}"] = part


def _write_variables(group, variables, filepath) -> None:
    """One dataset per variable, at the variable's path below ``group``; ``weight_names`` lists them in order."""
    names = [str(getattr(v, "path", None) or v.name) for v in variables]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"save_model({filepath!r}): several variables share the path(s) {dup}; the legacy .h5 "
                         "format stores weights by path. Give them distinct names or save to a `.keras` file.")
    _write_name_list(group, "weight_names", names)
    for name, v in zip(names, variables):
        value = v.numpy() if hasattr(v, "numpy") else v
        array = np.asarray(value)
        if str(array.dtype) == "bfloat16":
            ds = group.create_dataset(name, data=array.view(np.uint16))
            ds.attrs["dtype"] = "bfloat16"
        else:
            group.create_dataset(name, data=array)


def _layer_variable_ids(model) -> set:
    return {id(v) for layer in model.layers for v in layer.weights}


def _legacy_object(value):
    """Keras 3 object configs in the legacy form Keras's .h5 writer uses: ``{"class_name", "config"}``.

    A function becomes its (registered) name; lists and dicts are converted item by item.
    """
    if isinstance(value, list):
        return [_legacy_object(v) for v in value]
    if isinstance(value, dict):
        if "class_name" in value and "config" in value:
            registered = value.get("registered_name")
            if value["class_name"] == "function":
                return registered if isinstance(registered, str) and registered else value["config"]
            name = registered if isinstance(registered, str) and ">" in registered else value["class_name"]
            return {"class_name": name, "config": value["config"]}
        return {k: _legacy_object(v) for k, v in value.items()}
    return value


def _training_config(model):
    """Keras's ``training_config`` attribute: the compile arguments, the optimizer as ``optimizer_config``."""
    compile_config = model.get_compile_config() if getattr(model, "compiled", False) else None
    if not compile_config or getattr(model, "optimizer", None) is None:
        return None
    training = {k: _legacy_object(v) for k, v in compile_config.items() if k != "optimizer"}
    training.setdefault("loss_weights", None)
    optimizer = model.optimizer
    training["optimizer_config"] = {"class_name": ser.get_registered_name(type(optimizer)),
                                    "config": optimizer.get_config()}
    return training


def save_model(model, filepath, overwrite: bool = True, include_optimizer: bool = True) -> None:
    """Save a whole model to a legacy ``.h5`` file in Keras 3's layout (``keras.models.load_model`` reads it).

    The file is written next to ``filepath`` and renamed over it, so a failed
    save leaves any previous file intact. A warning recommends ``.keras``.

    Example:
        >>> save_model(model, "model.h5")
    """
    import json

    import h5py

    from lamina import config as lamina_config
    from lamina.saving.keras_archive import KERAS_FORMAT_VERSION
    from lamina.saving.model_config import serialize_model
    from lamina.saving.weights_h5 import _check_built

    filepath = os.fspath(filepath)
    _check_built(model, "save_model")
    warnings.warn(LEGACY_WARNING.format(path=filepath), UserWarning, stacklevel=3)
    full = serialize_model(model)
    model_config = {"class_name": full["class_name"], "config": full["config"]}
    training = _training_config(model) if include_optimizer else None
    optimizer = getattr(model, "optimizer", None)
    optimizer_variables = list(optimizer.variables) if include_optimizer and optimizer is not None else []
    backend_name = lamina_config.backend()
    with fs.atomic_write(filepath, overwrite=overwrite) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["keras_version"] = KERAS_FORMAT_VERSION
            f.attrs["backend"] = backend_name
            f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
            if training is not None:
                f.attrs["training_config"] = json.dumps(training).encode("utf8")
            weights = f.create_group("model_weights")
            _write_name_list(weights, "layer_names", [layer.name for layer in model.layers])
            weights.attrs["backend"] = backend_name.encode("utf8")
            weights.attrs["keras_version"] = KERAS_FORMAT_VERSION.encode("utf8")
            for layer in sorted(model.layers, key=lambda l: l.name):
                _write_variables(weights.create_group(layer.name), _legacy_order(layer), filepath)
            in_layers = _layer_variable_ids(model)
            own = [v for v in _legacy_order(model) if id(v) not in in_layers]
            _write_variables(weights.create_group("top_level_model_weights"), own, filepath)
            if optimizer_variables:
                _write_variables(f.create_group("optimizer_weights"), optimizer_variables, filepath)


# --------------------------------------------------------------------------- reading
def _attr_text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value


def _name_list(group, attr, filepath, where):
    """A string-array attribute (``layer_names``/``weight_names``), possibly chunked as ``attr0``, ``attr1``..."""
    try:
        if attr in group.attrs:
            raw = list(group.attrs[attr])
        else:
            raw, i = [], 0
            while f"{attr}{i}" in group.attrs:
                raw.extend(group.attrs[f"{attr}{i}"])
                i += 1
    except Exception as e:
        raise LaminaFileError(f"{filepath}: cannot read attribute {attr!r} of {where!r} ({e}).") from None
    names = [_attr_text(n) for n in raw]
    if not all(isinstance(n, str) for n in names):
        raise LaminaFileError(f"{filepath}: attribute {attr!r} of {where!r} must list strings.")
    return names


def _weights_group(f, filepath):
    group = fs.h5_child(f, "model_weights", filepath, "group")
    return group if group is not None else f


def _layer_weights(group, layer_name, filepath):
    """The arrays of one saved layer, in its ``weight_names`` order, as (name, dataset) pairs."""
    lg = fs.h5_child(group, layer_name, filepath, "group", layer_name)
    if lg is None:
        raise LaminaFileError(f"{filepath}: layer {layer_name!r} is listed in layer_names but has no group.")
    out = []
    for wname in _name_list(lg, "weight_names", filepath, layer_name):
        parts = [p for p in wname.split("/") if p]
        parent = fs.h5_group_at(lg, "/".join(parts[:-1]), filepath) if len(parts) > 1 else lg
        ds = fs.h5_child(parent, parts[-1], filepath, "dataset", f"{layer_name}/{wname}") if parent else None
        if ds is None:
            raise LaminaFileError(f"{filepath}: missing weight {layer_name}/{wname}.")
        out.append((wname, ds))
    return out


def _legacy_order(layer) -> list:
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _assign(layer, variables, saved, filepath, layer_name, skip_mismatch) -> bool:
    if len(variables) != len(saved):
        message = (f"{filepath}: layer {layer.name!r} ({type(layer).__name__}) expects {len(variables)} weights, "
                   f"but the saved layer {layer_name!r} has {len(saved)}.")
        if skip_mismatch:
            warnings.warn(f"skip_mismatch: {message}", stacklevel=4)
            return False
        raise LaminaFileError(message)
    arrays = []
    for v, (wname, ds) in zip(variables, saved):
        try:
            fs.check_dataset(ds, filepath, f"{layer_name}/{wname}", tuple(v.shape))
        except LaminaFileError as e:
            if skip_mismatch and "refusing" not in str(e):
                warnings.warn(f"skip_mismatch: {e}", stacklevel=4)
                return False
            raise
        arrays.append(fs.read_dataset(ds, filepath, f"{layer_name}/{wname}"))
    for v, a in zip(variables, arrays):
        v.assign(a.astype(v.dtype) if str(a.dtype) != str(v.dtype) else a)
    return True


def load_weights_from_group(model, group, filepath, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """Load a legacy ``model_weights``-style group into ``model`` by layer order or by name."""
    file_layers = _name_list(group, "layer_names", filepath, "model_weights")
    if by_name:
        by = {}
        for layer in model.layers:
            by.setdefault(layer.name, []).append(layer)
        for name in file_layers:
            saved = _layer_weights(group, name, filepath)
            for layer in by.get(name, []):
                _assign(layer, _legacy_order(layer), saved, filepath, name, skip_mismatch)
        return
    with_weights = [(n, w) for n in file_layers if (w := _layer_weights(group, n, filepath))]
    layers = [l for l in model.layers if l.weights]
    if len(with_weights) != len(layers):
        raise LaminaFileError(
            f"{filepath}: the file has weights for {len(with_weights)} layers "
            f"({[n for n, _ in with_weights]}), but model {model.name!r} has {len(layers)} layers with weights "
            f"({[l.name for l in layers]}). Pass by_name=True to match layers by name.")
    for layer, (name, saved) in zip(layers, with_weights):
        _assign(layer, _legacy_order(layer), saved, filepath, name, skip_mismatch)


def load_weights(model, filepath, skip_mismatch: bool = False, by_name: bool = False) -> None:
    """``model.load_weights("x.h5")`` for legacy HDF5 weight or whole-model files."""
    filepath = os.fspath(filepath)
    with fs.open_h5(filepath, filepath) as f:
        try:
            load_weights_from_group(model, _weights_group(f, filepath), filepath, by_name, skip_mismatch)
        except LaminaFileError:
            raise
        except (KeyError, TypeError, AttributeError, OSError) as e:
            raise LaminaFileError(f"{filepath}: cannot read the legacy weights ({type(e).__name__}: {e}).") from e


def _legacy_objects(custom_objects):
    """Module-less legacy class names resolve among lamina's built-in layers and models (then the caller's)."""
    from lamina.saving.model_config import _FunctionalLoader, _has_own_functional_config

    objects = dict(ser.builtins_of("keras.layers", "keras", "keras.models"))
    if not _has_own_functional_config("from_config"):
        objects["Functional"] = _FunctionalLoader
    objects.update(custom_objects or {})
    return objects


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode=True):
    """Load a whole model from a legacy ``.h5`` file (architecture, weights, compile and optimizer state)."""
    from lamina.saving.model_config import compile_from_config, deserialize_model

    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"load_model: no such file: {filepath!r}.")
    safe_mode = fs.resolve_safe_mode(safe_mode)
    with fs.open_h5(filepath, filepath) as f:
        try:
            raw = f.attrs.get("model_config")
        except Exception as e:
            raise LaminaFileError(f"{filepath}: cannot read the model_config attribute ({e}).") from None
        if raw is None:
            raise LaminaFileError(f"{filepath}: no model_config attribute; this is a weights-only file. Build the "
                                  "model and call model.load_weights() instead.")
        config = fs.parse_json(_attr_text(raw) if isinstance(raw, (bytes, str)) else str(raw), "model_config",
                               filepath)
        training = None
        if compile and "training_config" in f.attrs:
            training = fs.parse_json(_attr_text(f.attrs["training_config"]), "training_config", filepath)
        fs.scan_config([config, training], filepath, safe_mode, custom_objects)
        objects = _legacy_objects(custom_objects)
        with fs.safe_mode_scope(safe_mode), ser.custom_object_scope(objects):
            try:
                model = deserialize_model(config, custom_objects=objects, compile=False, filepath=filepath)
            except LaminaFileError as e:
                raise type(e)(e.args[0] if str(e).startswith(filepath) else f"{filepath}: {e}") from None
            except (ValueError, TypeError, KeyError, AttributeError, IndexError, NotImplementedError) as e:
                raise LaminaFileError(f"{filepath}: cannot build the model from model_config: "
                                      f"{type(e).__name__}: {e}") from e
            load_weights_from_group(model, _weights_group(f, filepath), filepath)
            if training:
                compile_config = {k: v for k, v in training.items() if k != "optimizer_config"}
                optimizer = training.get("optimizer_config")
                if isinstance(optimizer, dict):
                    from lamina import optimizers

                    compile_config["optimizer"] = optimizers.deserialize(optimizer, custom_objects=objects)
                try:
                    compile_from_config(model, compile_config, objects)
                except LaminaFileError:
                    raise
                except Exception as e:
                    raise LaminaFileError(f"{filepath}: cannot compile from training_config: "
                                          f"{type(e).__name__}: {e}") from e
                _load_optimizer_weights(model, f, filepath)
    return model


def _load_optimizer_weights(model, f, filepath):
    group = fs.h5_child(f, "optimizer_weights", filepath, "group")
    if group is None or model.optimizer is None:
        return
    names = _name_list(group, "weight_names", filepath, "optimizer_weights")
    variables = model.optimizer.variables
    if len(names) != len(variables):
        warnings.warn(f"{filepath}: skipping the optimizer state: the file has {len(names)} optimizer weights, "
                      f"the optimizer has {len(variables)}.", stacklevel=3)
        return
    arrays = []
    for v, name in zip(variables, names):
        parts = [p for p in name.split("/") if p]
        parent = fs.h5_group_at(group, "/".join(parts[:-1]), filepath) if len(parts) > 1 else group
        ds = fs.h5_child(parent, parts[-1], filepath, "dataset", name) if parent is not None else None
        if ds is None:
            raise LaminaFileError(f"{filepath}: missing optimizer weight {name!r}.")
        fs.check_dataset(ds, filepath, f"optimizer_weights/{name}", tuple(v.shape))
        arrays.append(fs.read_dataset(ds, filepath, name))
    for v, a in zip(variables, arrays):
        v.assign(np.asarray(a).astype(v.dtype))
