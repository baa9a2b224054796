"""Keras 3's weights layout (``.weights.h5`` and the ``model.weights.h5`` inside ``.keras``).

Objects are addressed by where they sit in the model, not by their names:

- the model's own variables are under ``vars``; a Sequential or Functional
  model's layers under ``layers/<key>``, where ``<key>`` is the snake_case
  class name made unique in ``model.layers`` order (``dense``, ``dense_1``...);
- a layer's sub-layers hang under the attribute that holds them
  (``layers/lstm/cell``), public attributes before private ones, each object
  at the first place the walk meets it; lists and dicts of layers add a level
  keyed like ``layers`` (nested lists are ``container``, ``container_1``...);
- each object's own variables are datasets ``vars/0``, ``vars/1``... (trainable
  then non-trainable, in creation order) and ``vars`` carries an attribute
  ``name`` with the object's name;
- a compiled model's optimizer is under ``optimizer/vars`` (iteration,
  learning rate, then its slots).

Example:
    >>> save_weights(model, "model.weights.h5")
    >>> load_weights(model, "model.weights.h5")
"""

from __future__ import annotations

import io
import os
import warnings

import numpy as np

from lamina.saving.file_safety import (LaminaFileError, atomic_write, check_dataset, h5_child, h5_group_at,
                                       open_h5, read_dataset)
from lamina.utils.naming import to_snake_case

_SKIP_CACHE: dict = {}
# Trainer/Model state that never holds weights; skipped so the walk does not evaluate it.
_MODEL_SKIP = {"metrics", "metrics_names", "metrics_variables", "history", "compiled", "inputs", "outputs",
               "input_shape", "output_shape", "input", "output", "operations", "_operations", "_functional",
               "_nodes", "_flat_inputs", "_flat_outputs", "_inputs_struct", "_outputs_struct",
               "_compile_loss", "_compile_metrics", "_loss_tracker", "_train_fn", "_test_fn", "_predict_fn"}


def _is_layer(obj) -> bool:
    from lamina.layers.layer import Layer

    return isinstance(obj, Layer)


def _is_optimizer(obj) -> bool:
    from lamina.optimizers.base_optimizer import Optimizer

    return isinstance(obj, Optimizer)


def _is_saveable(obj) -> bool:
    return _is_layer(obj) or _is_optimizer(obj)


def _obj_type(obj) -> str:
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    if isinstance(obj, Sequential):
        return "Sequential"
    if isinstance(obj, Functional):
        return "Functional"
    if _is_optimizer(obj):
        return "Optimizer"
    return "Layer"


def _skipset(obj_type: str) -> set:
    """Attribute names never walked: everything a plain Layer (or Optimizer) has, as Keras does."""
    if obj_type in _SKIP_CACHE:
        return _SKIP_CACHE[obj_type]
    if obj_type == "Optimizer":
        from lamina.optimizers.base_optimizer import Optimizer

        ref = Optimizer.__new__(Optimizer)
        Optimizer.__init__(ref, learning_rate=1.0, name="__reference__")
        skip = set(dir(ref))
    else:
        from lamina.layers.layer import Layer

        ref = Layer.__new__(Layer)
        Layer.__init__(ref, name="__reference__")
        skip = set(dir(ref))
        if obj_type != "Layer":
            skip |= _MODEL_SKIP
    _SKIP_CACHE[obj_type] = skip
    return skip


def _name_key(name: str) -> str:
    return "~" + name if name.startswith("_") else name


def _children(obj):
    """(attribute name, child) pairs in Keras's walk order: a model's ``layers`` first, then attributes."""
    obj_type = _obj_type(obj)
    if obj_type in ("Sequential", "Functional"):
        yield "layers", obj.layers
    if obj_type == "Optimizer":
        for name in sorted(vars(obj), key=_name_key):
            value = vars(obj)[name]
            if _is_optimizer(value) and name not in _skipset("Optimizer"):
                yield name, value
        return
    skip = _skipset(obj_type)
    for name in sorted(dir(obj), key=_name_key):
        if name.startswith("__") or name in skip:
            continue
        try:
            value = getattr(obj, name)
        except Exception:
            continue
        if _is_saveable(value) or isinstance(value, (list, tuple, dict)):
            yield name, value


def _walk(root):
    """Every saveable object reachable from ``root`` with its path, each once, in Keras's order."""
    visited: set = set()
    out: list = []

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        for attr, child in _children(obj):
            child_path = f"{path}/{attr}" if path else attr
            if _is_saveable(child):
                visit(child, child_path)
            elif isinstance(child, (list, tuple, dict)):
                visit_container(child, child_path, set())

    def visit_container(container, path, seen_containers):
        if id(container) in seen_containers:
            return
        seen_containers.add(id(container))
        items = list(container.values()) if isinstance(container, dict) else list(container)
        used: dict = {}
        for item in items:
            if _is_saveable(item):
                visit(item, f"{path}/{_unique(to_snake_case(type(item).__name__), used)}")
            elif isinstance(item, (list, tuple, dict)):
                visit_container(item, f"{path}/{_unique('container', used)}", seen_containers)

    visit(root, "")
    return out


def _unique(name: str, used: dict) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _own_variables(obj) -> list:
    if _is_optimizer(obj):
        return obj.variables
    return list(obj._trainable_variables) + list(obj._non_trainable_variables)


def _object_name(obj):
    name = getattr(obj, "name", None)
    return name if isinstance(name, str) else None


# --------------------------------------------------------------------------- writing
class _WriteStore(dict):
    """What ``save_own_variables`` writes into: key -> array."""


def iter_weight_groups(model):
    """Yield ``(group path, object name or None, [(key, numpy array), ...])`` for each saved object, in order.

    The group path is where the object's ``vars`` group goes (``"vars"``,
    ``"layers/dense/vars"``...); objects with neither a name nor variables are left out.
    """
    for path, obj in _walk(model):
        store = _WriteStore()
        custom = getattr(type(obj), "save_own_variables", None)
        if custom is not None and not _is_optimizer(obj):
            obj.save_own_variables(store)
        else:
            for i, v in enumerate(_own_variables(obj)):
                store[str(i)] = v
        name = _object_name(obj)
        if name is None and not store:
            continue
        items = [(key, np.asarray(value.numpy() if hasattr(value, "numpy") else value))
                 for key, value in store.items()]
        yield (f"{path}/vars" if path else "vars"), name, items


def write_dataset(group, key, array) -> None:
    """Write one variable into an h5py group (bfloat16 stored as uint16 with a ``dtype`` attribute, as Keras)."""
    if str(array.dtype) == "bfloat16":
        ds = group.create_dataset(key, data=array.view(np.uint16))
        ds.attrs["dtype"] = "bfloat16"
    else:
        group.create_dataset(key, data=array)


def write_weights(model, h5file) -> None:
    """Write ``model``'s state into an open, empty h5py.File in Keras 3's layout."""
    for group_path, name, items in iter_weight_groups(model):
        group = h5file.create_group(group_path)
        if name is not None:
            group.attrs["name"] = name
        for key, array in items:
            write_dataset(group, key, array)


def weights_to_bytes(model) -> bytes:
    """The ``model.weights.h5`` member of a ``.keras`` archive, as bytes."""
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        write_weights(model, f)
    return buffer.getvalue()


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Save ``model``'s weights (and optimizer state) to a ``.weights.h5`` file, atomically.

    Example:
        >>> save_weights(model, "ckpt.weights.h5")
    """
    import h5py

    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"save_weights: the filename must end in `.weights.h5`, received {filepath!r}.")
    _check_built(model, "save_weights")
    with atomic_write(filepath, overwrite=overwrite) as tmp:
        with h5py.File(tmp, "w") as f:
            write_weights(model, f)


def _check_built(model, what):
    if not getattr(model, "built", True):
        raise ValueError(f"{what}: model {model.name!r} is not built yet, so it has no weights. Build it "
                         "(call it on data or call build(input_shape)) first.")


# --------------------------------------------------------------------------- reading
class _ReadStore:
    """The ``vars`` group of one object, read lazily with every dataset checked before it is read."""

    def __init__(self, group, filepath, path):
        self.group = group
        self.filepath = filepath
        self.path = path
        self._keys = sorted(group.keys(), key=lambda k: (len(k), k)) if group is not None else []

    def keys(self):
        return list(self._keys)

    def __len__(self):
        return len(self._keys)

    def __contains__(self, key):
        return key in self._keys

    def where(self, key):
        return f"{self.path}/vars/{key}" if self.path else f"vars/{key}"

    def dataset(self, key, expected_shape=None):
        ds = h5_child(self.group, key, self.filepath, "dataset", self.where(key))
        if ds is None:
            raise LaminaFileError(f"{self.filepath}: missing dataset {self.where(key)!r}.")
        check_dataset(ds, self.filepath, self.where(key), expected_shape, max_bytes=_max_bytes(self.filepath))
        return ds

    def __getitem__(self, key):
        return read_dataset(self.dataset(key), self.filepath, self.where(key))


def _max_bytes(filepath):
    # A dataset may not declare more than 64 GiB (custom loaders only; the default loader checks shapes).
    return 1 << 36


def _load_default(obj, store: _ReadStore, filepath, path):
    variables = _own_variables(obj)
    keys = store.keys()
    expected_keys = [str(i) for i in range(len(keys))]
    if keys != expected_keys:
        raise LaminaFileError(f"{filepath}: the variables of {path or 'the model'!r} are named {keys}; "
                              f"expected {expected_keys}.")
    what = f"{type(obj).__name__} {_object_name(obj)!r}" + (f" at {path!r}" if path else "")
    if len(keys) != len(variables):
        if _is_optimizer(obj):
            warnings.warn(f"{filepath}: skipping the optimizer state: the optimizer {obj.name!r} has "
                          f"{len(variables)} variables but the file holds {len(keys)} (is it built for "
                          "the same model?).", stacklevel=3)
            return
        raise LaminaFileError(
            f"{filepath}: {what} expects {len(variables)} variables "
            f"({[tuple(v.shape) for v in variables]}), but the file holds {len(keys)}.")
    arrays = []
    for i, v in enumerate(variables):
        ds = store.dataset(str(i), expected_shape=tuple(v.shape))
        arrays.append(read_dataset(ds, filepath, store.where(str(i))))
    for v, a in zip(variables, arrays):
        v.assign(a.astype(v.dtype) if str(a.dtype) != str(v.dtype) else a)


def _single_file_store(h5file, filepath, path) -> _ReadStore:
    group = h5_group_at(h5file, f"{path}/vars" if path else "vars", filepath)
    if group is None and path and h5_group_at(h5file, path, filepath) is None:
        legacy = path.replace("layers", "_layer_checkpoint_dependencies")
        if legacy != path:
            group = h5_group_at(h5file, f"{legacy}/vars", filepath)
    return _ReadStore(group, filepath, path)


def read_weights(model, h5file, filepath, skip_mismatch: bool = False, store_for=None) -> None:
    """Load ``model``'s state from an open h5py.File in Keras 3's layout.

    ``store_for(path)``, if given, returns the store of the object at ``path``
    instead (sharded files); ``h5file`` is then unused and may be None.
    """
    if store_for is None:
        def store_for(path):
            return _single_file_store(h5file, filepath, path)
    _maybe_build_optimizer(model, store_for, filepath)
    failures = []
    for path, obj in _walk(model):
        store = store_for(path)
        try:
            custom = getattr(type(obj), "load_own_variables", None)
            if custom is not None and not _is_optimizer(obj):
                obj.load_own_variables(store)
            else:
                _load_default(obj, store, filepath, path)
        except LaminaFileError as e:
            if not skip_mismatch or "refusing" in str(e):
                raise
            failures.append(str(e))
        except Exception as e:
            if skip_mismatch:
                failures.append(f"{path}: {e}")
                continue
            raise LaminaFileError(f"{filepath}: cannot load the weights of {path or 'the model'!r}: "
                                  f"{type(e).__name__}: {e}") from e
    for message in failures:
        warnings.warn(f"skip_mismatch: {message}", stacklevel=3)


def _maybe_build_optimizer(model, store_for, filepath):
    """Build a compiled model's optimizer when the file carries its slots, so training resumes exactly."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not _is_optimizer(optimizer) or optimizer.built or not getattr(model, "built", False):
        return
    if len(store_for("optimizer")) > len(optimizer.variables):
        optimizer.build(model.trainable_variables)


def weights_from_bytes(model, data: bytes, filepath, skip_mismatch: bool = False) -> None:
    """Load from the bytes of a ``model.weights.h5`` archive member."""
    with open_h5(data, filepath) as f:
        read_weights(model, f, filepath, skip_mismatch=skip_mismatch)


def load_weights(model, filepath, skip_mismatch: bool = False) -> None:
    """Load weights (and optimizer state, if the model is compiled) from a ``.weights.h5`` file.

    Example:
        >>> load_weights(model, "ckpt.weights.h5")
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"load_weights: no such file: {filepath!r}.")
    with open_h5(filepath, filepath) as f:
        read_weights(model, f, filepath, skip_mismatch=skip_mismatch)
