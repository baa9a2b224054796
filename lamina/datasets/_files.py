"""Finding and safely reading the files of lamina.datasets (the same files Keras downloads).

Lookup order for a dataset file: the path the caller gives (when it exists),
else ``<cache>/datasets/<name>`` where ``<cache>`` is ``$KERAS_HOME`` or
``~/.keras`` (Keras's cache, so files Keras already downloaded are reused).
When the file is absent it is downloaded from Keras's origin with hash
verification, unless ``LAMINA_OFFLINE=1`` is set; if that is impossible a
FileNotFoundError names the file expected and where to get it.

Pickled content (the ragged arrays of imdb/reuters, the CIFAR batches) is read
with a restricted unpickler that only rebuilds NumPy arrays and plain
containers: loading a dataset file never runs code from it.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# (module, name) pairs a dataset pickle may reference: NumPy array reconstruction only.
_ALLOWED_GLOBALS = frozenset({
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
})


class SafeUnpickler(pickle.Unpickler):
    """Unpickler that rebuilds only NumPy arrays/dtypes and builtin containers; anything else is refused."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"lamina.datasets: refusing to load `{module}.{name}` from a dataset file: only NumPy arrays and plain "
            "containers are allowed (the file may be corrupted or malicious).")


def safe_unpickle(fileobj, where: str, encoding: str = "ASCII"):
    """Load one pickle with :class:`SafeUnpickler`; errors name ``where``."""
    try:
        return SafeUnpickler(fileobj, encoding=encoding).load()
    except pickle.UnpicklingError as e:
        raise ValueError(f"{where}: {e}") from None


def _read_npy(buffer, where):
    try:
        return np.lib.format.read_array(buffer, allow_pickle=False)
    except ValueError:
        # Object arrays (ragged sequences) are stored as a pickle after the .npy header.
        buffer.seek(0)
        major, _ = np.lib.format.read_magic(buffer)
        if major == 1:
            np.lib.format.read_array_header_1_0(buffer)
        elif major in (2, 3):
            np.lib.format.read_array_header_2_0(buffer)
        else:
            raise ValueError(f"{where}: unsupported .npy format version {major}.") from None
        return safe_unpickle(buffer, where)


def load_npz(path, where: str) -> dict:
    """Read every array of an ``.npz`` file; object arrays go through the safe unpickler."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"{where}: {path!r} is not a readable .npz file ({e}).") from None
    arrays = {}
    with archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    arrays[member[:-4]] = _read_npy(io.BytesIO(raw.read()), where)
    return arrays


def require_keys(arrays: dict, keys, path, where: str) -> None:
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise ValueError(f"{where}: {path!r} lacks the arrays {missing}; expected the keys {list(keys)} "
                         f"(found {sorted(arrays)}).")


def cache_dir() -> str:
    """``$KERAS_HOME/datasets`` or ``~/.keras/datasets``: where Keras keeps downloaded datasets."""
    from lamina.utils.file_utils import keras_home

    return os.path.join(keras_home(), "datasets")


def offline() -> bool:
    return os.environ.get("LAMINA_OFFLINE", "").strip().lower() in ("1", "true", "yes")


def locate(path, default_name: str, origin: str, file_hash: str | None, where: str, subdir: str = "") -> str:
    """Path of a dataset file: ``path`` itself if it exists, else the cache, else a verified download."""
    name = os.fspath(path) if path is not None else default_name
    name = os.path.expanduser(name)
    if os.path.isfile(name):
        return name
    cached = os.path.join(cache_dir(), subdir, name)
    if os.path.isfile(cached):
        return cached
    return _download(os.path.basename(name), origin, file_hash, where, cached, subdir)


def _download(fname, origin, file_hash, where, expected, subdir, extract=False) -> str:
    hint = (f"{where}: the dataset file {expected!r} was not found. Put the file Keras downloads from {origin} "
            "there (or pass its location as `path`)")
    if offline():
        raise FileNotFoundError(hint + "; downloading is disabled (LAMINA_OFFLINE is set).")
    from lamina.utils.file_utils import get_file

    try:
        return get_file(fname, origin=origin, file_hash=file_hash, extract=extract,
                        cache_subdir=os.path.join("datasets", subdir) if subdir else "datasets")
    except (OSError, ValueError) as e:
        raise FileNotFoundError(f"{hint}; downloading it failed: {e}") from None


def locate_folder(path, candidates, marker: str, origin: str, file_hash: str, archive_name: str, where: str) -> str:
    """A folder holding ``marker`` (e.g. 'data_batch_1'): ``path``, a cache candidate, or a verified download."""
    options = []
    if path is not None:
        base = os.path.expanduser(os.fspath(path))
        options += [base] + [os.path.join(base, c) for c in candidates]
    options += [os.path.join(cache_dir(), c) for c in candidates]
    for folder in options:
        if os.path.isfile(os.path.join(folder, marker)):
            return folder
    hint = (f"{where}: no folder with {marker!r} found (looked in {options}). Put the extracted archive Keras "
            f"downloads from {origin} there (or pass the folder as `path`)")
    if offline():
        raise FileNotFoundError(hint + "; downloading is disabled (LAMINA_OFFLINE is set).")
    from lamina.utils.file_utils import get_file

    try:
        extracted = get_file(archive_name, origin=origin, file_hash=file_hash, extract=True)
    except (OSError, ValueError) as e:
        raise FileNotFoundError(f"{hint}; downloading it failed: {e}") from None
    for folder in [extracted] + [os.path.join(extracted, c) for c in candidates]:
        if os.path.isfile(os.path.join(folder, marker)):
            return folder
    raise FileNotFoundError(f"{hint}; the downloaded archive has no {marker!r}.")


def split_train_test(x, y, test_split: float, seed: int, where: str):
    """Shuffle with ``RandomState(seed)`` and cut ``int(n * (1 - test_split))`` training samples (Keras's rule)."""
    if not 0 <= test_split < 1:
        raise ValueError(f"{where}: `test_split` must be in [0, 1); received {test_split}.")
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
