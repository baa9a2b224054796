"""Legacy HDF5 files (read only): whole-model ``.h5`` and Keras 2-style weight files.

Layout: the root attribute ``model_config`` holds the architecture as JSON
(layer entries may lack ``module``), ``training_config`` the compile
arguments; the group ``model_weights`` (or the root, for files written by
``save_weights("x.h5")``) has the attribute ``layer_names`` and one group per
layer, whose attribute ``weight_names`` lists the paths of its weights
(trainable first, then non-trainable) below that group. ``optimizer_weights``
holds the optimizer's variables in order.

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
