"""Assets in a ``.keras`` archive: files a layer writes beside its weights (a vocabulary, ...).

A layer opts in by defining ``save_assets(dir_path)`` and ``load_assets(dir_path)``,
as in Keras. Each layer gets its own folder, named by the same path as its weights
(``assets/layers/string_lookup/``), so archives are laid out as Keras lays them out.

Loading copies only the archive's ``assets/`` members into a fresh temporary folder
(names and sizes already checked by :func:`file_safety.open_archive`); a layer sees
nothing outside the archive, and the folder is removed afterwards.

Example:
    >>> class Vocab(layers.Layer):
    ...     def save_assets(self, dir_path):
    ...         open(os.path.join(dir_path, "vocabulary.txt"), "w").write("\\n".join(self.vocab))
"""

from __future__ import annotations

import os
import tempfile
import zipfile

from lamina.saving import file_safety as fs
from lamina.saving.weights_h5 import _walk

ASSETS_DIRNAME = "assets"


def _asset_owners(model) -> list:
    """``(path, obj)`` for every object under ``model`` that saves or loads assets."""
    return [(path, obj) for path, obj in _walk(model)
            if callable(getattr(obj, "save_assets", None)) or callable(getattr(obj, "load_assets", None))]


def write_assets(model, zf: zipfile.ZipFile) -> None:
    """Let every asset owner write its folder, then store the files under ``assets/`` in ``zf``."""
    owners = [(p, o) for p, o in _asset_owners(model) if callable(getattr(o, "save_assets", None))]
    if not owners:
        return
    with tempfile.TemporaryDirectory(prefix="lamina-assets-") as root:
        for path, obj in owners:
            folder = os.path.join(root, *path.split("/")) if path else root
            os.makedirs(folder, exist_ok=True)
            obj.save_assets(folder)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for filename in sorted(filenames):
                full = os.path.join(dirpath, filename)
                if os.path.islink(full):
                    continue  # a layer's symlink could point anywhere: never archive what it names
                relative = os.path.relpath(full, root).replace(os.sep, "/")
                zf.write(full, f"{ASSETS_DIRNAME}/{relative}")


def read_assets(model, zf: zipfile.ZipFile, filepath) -> None:
    """Copy the archive's ``assets/`` members to a temporary folder and hand each owner its own."""
    owners = [(p, o) for p, o in _asset_owners(model) if callable(getattr(o, "load_assets", None))]
    if not owners:
        return
    prefix = ASSETS_DIRNAME + "/"
    members = [name for name in zf.namelist() if name.startswith(prefix) and not name.endswith("/")]
    if not members:
        return  # as in Keras: an archive without assets calls no load_assets
    with tempfile.TemporaryDirectory(prefix="lamina-assets-") as root:
        real_root = os.path.realpath(root)
        for name in members:
            target = os.path.realpath(os.path.join(root, *name[len(prefix):].split("/")))
            if os.path.commonpath([real_root, target]) != real_root:
                raise fs.UnsafeFileError(f"{filepath}: refusing asset {name!r}: it points outside the archive's "
                                         "assets folder.")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(fs.read_member(zf, name, filepath))
        for path, obj in owners:
            folder = os.path.join(root, *path.split("/")) if path else root
            obj.load_assets(folder if os.path.isdir(folder) else None)
