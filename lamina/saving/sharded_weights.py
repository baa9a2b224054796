"""Keras 3's sharded weights: a ``.weights.json`` index plus ``<base>_00000.weights.h5`` shard files.

The index is JSON: ``{"metadata": {"total_size": <bytes>}, "weight_map": {...}}``.
``weight_map`` maps the HDF5 path of each object's ``vars`` group (``"/vars"``,
``"/layers/dense/vars"``, ``"/optimizer/vars"``...) to the shard file that holds
it, or to a list of shard files when the object's variables span shards. Each
shard is an ordinary ``.weights.h5`` file holding a slice of the groups.

Shards are filled in the order the model is walked; a variable that would push
the current shard past ``max_shard_size`` (in GB, 1 GB = 1024**3 bytes) starts
a new shard, and a single variable larger than the limit is an error.

Loading reads only files that sit next to the index: shard names in the index
must be plain file names (no '/', '\\', '..', drive letters), and every shard
goes through the same HDF5 checks as a ``.weights.h5`` file.

Example:
    >>> save_weights(model, "model.weights.json", max_shard_size=0.25)
    >>> load_weights(model, "model.weights.json")
"""

from __future__ import annotations

import contextlib
import json
import math
import numbers
import os
import warnings

from lamina.saving import weights_h5
from lamina.saving.file_safety import (MAX_JSON_BYTES, LaminaFileError, UnsafeFileError, atomic_write,
                                       check_dataset, h5_child, h5_group_at, open_h5, parse_json,
                                       read_dataset)

INDEX_SUFFIX = ".weights.json"
SHARD_SUFFIX = ".weights.h5"
_GB = 1024 ** 3


# --------------------------------------------------------------------------- names and sizes
def _shard_limit(max_shard_size) -> float:
    """``max_shard_size`` (GB) as bytes, after checking it is a positive finite number."""
    if isinstance(max_shard_size, bool) or not isinstance(max_shard_size, numbers.Real):
        raise TypeError(f"save_weights: max_shard_size must be a number of GB (int or float), received "
                        f"{type(max_shard_size).__name__} {max_shard_size!r}.")
    value = float(max_shard_size)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"save_weights: max_shard_size must be a positive number of GB, received {max_shard_size!r}.")
    return value * _GB


def index_path_for_save(filepath: str) -> str:
    """The index path a sharded save writes: ``*.weights.json`` as given, ``*.weights.h5`` renamed (with a warning)."""
    if filepath.endswith(INDEX_SUFFIX):
        return filepath
    if filepath.endswith(SHARD_SUFFIX):
        new_path = filepath[:-len(".h5")] + ".json"
        warnings.warn(f"save_weights: sharded weights need a `.weights.json` index; saving {filepath!r} as "
                      f"{new_path!r} instead.", stacklevel=3)
        return new_path
    raise ValueError(f"save_weights: the filename must end in `.weights.json` when `max_shard_size` is given, "
                     f"received {filepath!r}.")


def _variable_nbytes(array) -> float:
    # As Keras counts it: bool variables weigh one bit each.
    bits = 1 if array.dtype.kind == "b" else array.dtype.itemsize * 8
    return array.size * bits / 8


def _check_shard_name(name, index_path) -> str:
    """A shard name from an index must be a plain file name in the index's folder."""
    if not isinstance(name, str) or not name:
        raise LaminaFileError(f"{index_path}: shard file names must be non-empty strings, found {name!r}.")
    if ("/" in name or "\\" in name or "\x00" in name or ":" in name or name in (".", "..")
            or os.path.isabs(name) or os.path.basename(name) != name):
        raise UnsafeFileError(
            f"{index_path}: refusing shard file {name!r}: shard names must be plain file names in the folder of "
            "the index (no '/', '\\', '..', drive letters or absolute paths).")
    return name


# --------------------------------------------------------------------------- writing
def save_weights(model, filepath, max_shard_size, overwrite: bool = True) -> None:
    """Save ``model``'s weights as a ``.weights.json`` index plus ``.weights.h5`` shards of <= ``max_shard_size`` GB.

    Every file is written to a temporary name first; the shards and then the
    index replace their targets only once all of them are written, so a failed
    save leaves the previous files in place.

    Example:
        >>> save_weights(model, "model.weights.json", max_shard_size=0.5)
    """
    import h5py

    filepath = os.fspath(filepath)
    limit = _shard_limit(max_shard_size)
    index_path = index_path_for_save(filepath)
    weights_h5._check_built(model, "save_weights")
    directory = os.path.dirname(index_path)
    base = os.path.basename(index_path)[:-len(INDEX_SUFFIX)]
    weight_map: dict = {}
    shards: list = []
    state = {"h5": None, "size": 0.0}

    with contextlib.ExitStack() as stack:
        # Entered first, so it is renamed into place last, after every shard.
        index_tmp = stack.enter_context(atomic_write(index_path, overwrite=overwrite))

        def new_shard():
            if state["h5"] is not None:
                state["h5"].close()
            name = f"{base}_{len(shards):05d}{SHARD_SUFFIX}"
            tmp = stack.enter_context(atomic_write(os.path.join(directory, name), overwrite=overwrite))
            state["h5"] = h5py.File(tmp, "w")
            stack.callback(state["h5"].close)  # on failure: closed before its temporary file is removed
            state["size"] = 0.0
            shards.append(name)

        new_shard()
        total = 0.0
        for group_path, name, items in weights_h5.iter_weight_groups(model):
            group = None
            if name is not None:
                group = state["h5"].create_group(group_path)
                group.attrs["name"] = name
            for key, array in items:
                nbytes = _variable_nbytes(array)
                total += nbytes
                if nbytes > limit:
                    raise ValueError(
                        f"save_weights: variable {key!r} of {group_path!r} takes {nbytes:.0f} bytes, more than "
                        f"max_shard_size ({max_shard_size} GB = {limit:.0f} bytes); increase max_shard_size.")
                if state["size"] + nbytes > limit:
                    new_shard()
                    group = None
                state["size"] += nbytes
                if group is None:
                    group = state["h5"].create_group(group_path)
                weights_h5.write_dataset(group, key, array)
                _record(weight_map, "/" + group_path, shards[-1])
        state["h5"].close()
        index = {"metadata": {"total_size": int(total) if float(total).is_integer() else total},
                 "weight_map": weight_map}
        with open(index_tmp, "w", encoding="utf-8") as f:
            json.dump(index, f, indent=4)


def _record(weight_map: dict, group_name: str, shard: str) -> None:
    # As Keras writes it: a plain name after a group's first variable, a list of names from its second on.
    entry = weight_map.get(group_name)
    if entry is None:
        weight_map[group_name] = shard
        return
    if not isinstance(entry, list):
        entry = weight_map[group_name] = [entry]
    if shard not in entry:
        entry.append(shard)


# --------------------------------------------------------------------------- reading
def read_index(index_path: str) -> dict:
    """The checked ``weight_map`` of an index: group path -> list of shard names (all present next to the index)."""
    try:
        size = os.path.getsize(index_path)
        if size > MAX_JSON_BYTES:
            raise LaminaFileError(f"{index_path}: the index is {size} bytes, more than the {MAX_JSON_BYTES} allowed.")
        with open(index_path, "rb") as f:
            data = f.read(MAX_JSON_BYTES + 1)
    except OSError as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise LaminaFileError(f"{index_path}: cannot read the index ({e}).") from None
    index = parse_json(data, "the sharded weights index", index_path)
    if not isinstance(index, dict) or not isinstance(index.get("weight_map"), dict):
        raise LaminaFileError(f"{index_path}: a sharded weights index must be a JSON object with a 'weight_map' "
                              f"object, found {type(index).__name__}"
                              + (f" with keys {sorted(index)[:10]}." if isinstance(index, dict) else "."))
    directory = os.path.dirname(os.path.abspath(index_path))
    weight_map = {}
    for group_name, entry in index["weight_map"].items():
        names = entry if isinstance(entry, list) else [entry]
        if not names:
            raise LaminaFileError(f"{index_path}: weight_map entry {group_name!r} names no shard file.")
        weight_map[group_name] = [_check_shard_name(n, index_path) for n in names]
    for name in sorted({n for names in weight_map.values() for n in names}):
        if not os.path.isfile(os.path.join(directory, name)):
            raise LaminaFileError(f"{index_path}: missing shard file {name!r} (looked in {directory!r}).")
    return weight_map


class _ShardedReadStore(weights_h5._ReadStore):
    """One object's variables gathered from the ``vars`` groups of every shard that holds some of them."""

    def __init__(self, parts, index_path, path):
        # parts: [(h5py group, shard path)], in the order the index lists the shards.
        self.group = parts[0][0] if parts else None
        self.filepath = index_path
        self.path = path
        self._where = {}
        for group, shard_path in parts:
            for key in group.keys():
                if key in self._where:
                    raise LaminaFileError(
                        f"{index_path}: variable {self.where(key)!r} is stored in two shards "
                        f"({os.path.basename(self._where[key][1])!r} and {os.path.basename(shard_path)!r}).")
                self._where[key] = (group, shard_path)
        self._keys = sorted(self._where, key=lambda k: (len(k), k))

    def dataset(self, key, expected_shape=None):
        if key not in self._where:
            raise LaminaFileError(f"{self.filepath}: missing dataset {self.where(key)!r} (in no shard).")
        group, shard_path = self._where[key]
        ds = h5_child(group, key, shard_path, "dataset", self.where(key))
        if ds is None:
            raise LaminaFileError(f"{shard_path}: missing dataset {self.where(key)!r}.")
        check_dataset(ds, shard_path, self.where(key), expected_shape, max_bytes=weights_h5._max_bytes(shard_path))
        return ds

    def __getitem__(self, key):
        group, shard_path = self._where.get(key, (None, self.filepath))
        return read_dataset(self.dataset(key), shard_path, self.where(key))


def load_weights(model, filepath, skip_mismatch: bool = False) -> None:
    """Load weights (and optimizer state, if the model is compiled) from a sharded ``.weights.json`` index.

    Example:
        >>> load_weights(model, "model.weights.json")
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith(INDEX_SUFFIX):
        raise ValueError(f"load_weights: a sharded weights index must end in `.weights.json`, received {filepath!r}.")
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"load_weights: no such file: {filepath!r}.")
    weight_map = read_index(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    opened: dict = {}

    def shard(name):
        if name not in opened:
            path = os.path.join(directory, name)
            opened[name] = (open_h5(path, path), path)
        return opened[name]

    def store_for(path):
        names = weight_map.get(f"/{path}/vars" if path else "/vars", [])
        parts = []
        for name in names:
            h5file, shard_path = shard(name)
            group = h5_group_at(h5file, f"{path}/vars" if path else "vars", shard_path)
            if group is None:
                raise LaminaFileError(f"{filepath}: the index puts {path or 'the model'!r} in shard {name!r}, "
                                      "but that shard has no such group.")
            parts.append((group, shard_path))
        return _ShardedReadStore(parts, filepath, path)

    try:
        weights_h5.read_weights(model, None, filepath, skip_mismatch=skip_mismatch, store_for=store_for)
    finally:
        for h5file, _path in opened.values():
            with contextlib.suppress(Exception):
                h5file.close()
