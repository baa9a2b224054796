"""Defences shared by every loader and saver: atomic writes, safe archive and HDF5 access, config checks.

Nothing here imports or calls what a file names. The rules:

- Saving writes a temporary file in the target's directory and renames it over
  the target (``os.replace``), so a save that fails midway leaves the previous
  file untouched. Temporary files name their process, so one left by a killed
  save is removed by the next save of the same target once that process is gone.
- Archives are read into memory member by member; member names must be plain
  relative paths (no ``..``, absolute paths, backslashes, drive letters), and
  symlinks, duplicates and decompression bombs are refused.
- HDF5 objects are reached only through hard links; soft and external links,
  external or virtual datasets and non-numeric dtypes are refused, and a
  dataset's declared shape is checked before any data is read.
- A config is scanned before anything is built: Lambda bytecode is refused in
  safe mode, and names on a denylist of dangerous callables are refused even
  when the caller's custom objects would resolve them.

Example:
    >>> with atomic_write("model.keras") as tmp_path:
    ...     write_archive(tmp_path)
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import zipfile

import numpy as np


class LaminaFileError(ValueError):
    """A model or weights file is corrupt, truncated, inconsistent with the model, or hostile."""


class UnsafeFileError(LaminaFileError):
    """A file asks for something lamina refuses to do while loading (run code, follow links, escape)."""


# Sizes: config/metadata members are small; weight members may be large but must not be bombs.
MAX_JSON_BYTES = 256 * 1024 * 1024
MAX_JSON_DEPTH = 200
BOMB_RATIO = 100
BOMB_FLOOR_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 10_000


# --------------------------------------------------------------------------- atomic saving
# Temporary files are named ".<target>.<host>.<pid>.<start>.<random>.lamina.tmp": the host (hashed), the
# writing process's id and its start time let a later save of the same target tell a file left by a dead
# process (a save killed midway) from one a live process is still writing.
_TMP_SUFFIX = ".lamina.tmp"


def _host_tag() -> str:
    import hashlib
    import socket

    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _process_start(pid: int) -> str:
    """The start time of process ``pid`` in clock ticks since boot (Linux /proc), "0" where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat_line = f.read().decode("ascii", "replace")
        return stat_line[stat_line.rindex(")") + 2:].split()[19]
    except (OSError, ValueError, IndexError):
        return "0"


def _process_alive(pid: int) -> bool:
    """Whether a process with this id exists (POSIX only; never sends a real signal)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    except OSError:
        return True  # unknown: keep the file
    return True


def temp_path_for(filepath) -> str:
    """A fresh temporary file name next to ``filepath`` that records which process writes it."""
    import secrets

    directory = os.path.dirname(os.path.abspath(filepath))
    pid = os.getpid()
    name = (f".{os.path.basename(filepath)}.{_host_tag()}.{pid}.{_process_start(pid)}."
            f"{secrets.token_hex(4)}{_TMP_SUFFIX}")
    return os.path.join(directory, name)


def _temp_owner(name: str, basename: str):
    """``(host, pid, start)`` if ``name`` is one of our temporary files for ``basename``, else None."""
    prefix = f".{basename}."
    if not (name.startswith(prefix) and name.endswith(_TMP_SUFFIX)):
        return None
    fields = name[len(prefix):-len(_TMP_SUFFIX)].split(".")
    if len(fields) != 4 or not fields[1].isdigit() or not fields[2].isdigit():
        return None
    return fields[0], int(fields[1]), fields[2]


def remove_stale_temp_files(filepath) -> list:
    """Delete temporary files left next to ``filepath`` by saves whose process has died; return their paths.

    A file is removed only when it was written on this host by a process that
    no longer exists (or whose id now belongs to a process started at another
    time). Files of live processes, of this process, of other hosts, and any
    file not named by ``atomic_write`` are left alone. Does nothing on Windows.

    Example:
        >>> remove_stale_temp_files("model.keras")
        []
    """
    if os.name != "posix":
        return []
    directory = os.path.dirname(os.path.abspath(filepath))
    basename = os.path.basename(filepath)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    host, me = _host_tag(), os.getpid()
    removed = []
    for name in names:
        owner = _temp_owner(name, basename)
        if owner is None or owner[0] != host or owner[1] == me:
            continue
        _host, pid, start = owner
        dead = not _process_alive(pid) or (start != "0" and _process_start(pid) not in ("0", start))
        if not dead:
            continue
        path = os.path.join(directory, name)
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            os.remove(path)
            removed.append(path)
        except OSError:  # already removed by another save, or not ours to remove
            pass
    return removed


@contextlib.contextmanager
def atomic_write(filepath, overwrite: bool = True):
    """Yield a temporary path next to ``filepath``; on success it replaces ``filepath`` atomically.

    If the body raises, the temporary file is removed and ``filepath`` is left
    as it was. A save killed outright (SIGKILL, power loss) cannot clean up:
    its temporary file is removed by the next save of the same target, once
    its process is gone (see :func:`remove_stale_temp_files`).

    Example:
        >>> with atomic_write("w.weights.h5") as tmp:
        ...     open(tmp, "wb").write(b"...")
    """
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        raise LaminaFileError(f"Cannot save to {filepath!r}: it is a directory.")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} already exists and overwrite=False; pass overwrite=True to replace it.")
    directory = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(directory):
        raise LaminaFileError(f"Cannot save to {filepath!r}: the directory {directory!r} does not exist.")
    remove_stale_temp_files(filepath)
    for _attempt in range(100):
        tmp_path = temp_path_for(filepath)
        try:
            fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            break
        except FileExistsError:  # a random-name collision: draw again
            continue
    else:
        raise LaminaFileError(f"Cannot save to {filepath!r}: could not create a temporary file in {directory!r}.")
    os.close(fd)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp_path)
        raise


# --------------------------------------------------------------------------- JSON
def parse_json(data, what: str, filepath) -> object:
    """Parse a JSON document from a file, as a clear LaminaFileError if it is not valid JSON."""
    if isinstance(data, bytes):
        if len(data) > MAX_JSON_BYTES:
            raise LaminaFileError(f"{filepath}: {what} is {len(data)} bytes, more than the {MAX_JSON_BYTES} allowed.")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise LaminaFileError(f"{filepath}: {what} is not UTF-8 text ({e}).") from None
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as e:
        raise LaminaFileError(f"{filepath}: {what} is not valid JSON ({e}).") from None
    _check_depth(value, what, filepath)
    return value


def _check_depth(value, what, filepath):
    stack = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if d > MAX_JSON_DEPTH:
            raise LaminaFileError(f"{filepath}: {what} is nested more than {MAX_JSON_DEPTH} levels deep.")
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)


# --------------------------------------------------------------------------- zip archives
def _is_safe_member_name(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or name.startswith("~"):
        return False
    if len(name) >= 2 and name[1] == ":":
        return False
    parts = name.rstrip("/").split("/")
    return all(p not in ("", ".", "..") for p in parts)


def open_archive(filepath) -> zipfile.ZipFile:
    """Open a ``.keras`` zip for reading after checking every member's name, type and declared size."""
    try:
        zf = zipfile.ZipFile(filepath, "r")
    except zipfile.BadZipFile as e:
        raise LaminaFileError(f"{filepath}: not a valid .keras archive (bad zip file: {e}).") from None
    except (OSError, EOFError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise LaminaFileError(f"{filepath}: cannot read the archive ({e}).") from None
    try:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise LaminaFileError(f"{filepath}: the archive has {len(infos)} members, more than {MAX_MEMBERS}.")
        seen = set()
        for info in infos:
            name = info.filename
            if not _is_safe_member_name(name):
                raise UnsafeFileError(
                    f"{filepath}: refusing archive member {name!r}: member names must be relative paths "
                    "without '..', backslashes, drive letters or a leading '/'.")
            if name in seen:
                raise UnsafeFileError(f"{filepath}: the archive has two members named {name!r}.")
            seen.add(name)
            mode = (info.external_attr >> 16) & 0xFFFF
            kind = stat.S_IFMT(mode)
            if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                raise UnsafeFileError(f"{filepath}: refusing archive member {name!r}: it is a link or special file.")
            if info.flag_bits & 0x1:
                raise LaminaFileError(f"{filepath}: archive member {name!r} is encrypted.")
            check_not_bomb(info, filepath)
    except BaseException:
        zf.close()
        raise
    return zf


def check_not_bomb(info: zipfile.ZipInfo, filepath) -> None:
    """Refuse a member that declares far more data than it stores (a decompression bomb)."""
    if info.file_size > BOMB_FLOOR_BYTES and info.file_size > BOMB_RATIO * max(info.compress_size, 1):
        raise UnsafeFileError(
            f"{filepath}: archive member {info.filename!r} declares {info.file_size} bytes but stores only "
            f"{info.compress_size}: refusing a potential decompression bomb.")


def read_member(zf: zipfile.ZipFile, name: str, filepath, limit: int | None = None) -> bytes:
    """The bytes of one archive member, read with a size limit (CRC and truncation errors become clear)."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise LaminaFileError(f"{filepath}: the archive has no {name!r} member (found {zf.namelist()}).") from None
    if limit is not None and info.file_size > limit:
        raise LaminaFileError(f"{filepath}: archive member {name!r} is {info.file_size} bytes, more than {limit}.")
    try:
        with zf.open(info, "r") as f:
            data = f.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as e:
        raise LaminaFileError(f"{filepath}: archive member {name!r} is corrupt or truncated ({e}).") from None
    except Exception as e:  # zlib.error and friends from a damaged stream
        raise LaminaFileError(f"{filepath}: archive member {name!r} is corrupt ({type(e).__name__}: {e}).") from None
    if len(data) != info.file_size:
        raise LaminaFileError(f"{filepath}: archive member {name!r} is truncated.")
    return data


# --------------------------------------------------------------------------- HDF5
def open_h5(source, filepath, mode: str = "r"):
    """Open an HDF5 file (a path or a bytes buffer) as h5py.File, any failure as a LaminaFileError."""
    import h5py

    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        return h5py.File(source, mode)
    except FileNotFoundError:
        raise
    except Exception as e:
        raise LaminaFileError(f"{filepath}: not a valid HDF5 file ({type(e).__name__}: {e}).") from None


def h5_child(group, name: str, filepath, kind: str = "group", where: str = ""):
    """The child ``name`` of an h5py group reached through a hard link, or None if absent.

    Soft and external links are refused; ``kind`` is "group" or "dataset".
    """
    import h5py

    try:
        link = group.get(name, getlink=True)
    except Exception as e:
        raise LaminaFileError(f"{filepath}: cannot read {where or name!r} ({type(e).__name__}: {e}).") from None
    if link is None:
        return None
    if not isinstance(link, h5py.HardLink):
        raise UnsafeFileError(
            f"{filepath}: refusing {where or name!r}: it is a {type(link).__name__}; only objects stored in "
            "the file itself are read.")
    try:
        obj = group[name]
    except Exception as e:
        raise LaminaFileError(f"{filepath}: cannot read {where or name!r} ({type(e).__name__}: {e}).") from None
    expected = h5py.Group if kind == "group" else h5py.Dataset
    if not isinstance(obj, expected):
        raise LaminaFileError(f"{filepath}: {where or name!r} should be an HDF5 {kind}, found {type(obj).__name__}.")
    return obj


def h5_group_at(root, path: str, filepath):
    """The group at a '/'-separated ``path`` below ``root`` (hard links only), or None if absent."""
    group = root
    walked = []
    for part in [p for p in path.split("/") if p]:
        walked.append(part)
        group = h5_child(group, part, filepath, "group", "/".join(walked))
        if group is None:
            return None
    return group


def check_dataset(ds, filepath, where: str, expected_shape=None, max_bytes: int | None = None) -> None:
    """Refuse external/virtual storage and non-numeric dtypes; check the declared shape before reading."""
    try:
        external = ds.external
        virtual = ds.is_virtual
        dtype = ds.dtype
        shape = tuple(ds.shape) if ds.shape is not None else None
    except Exception as e:
        raise LaminaFileError(f"{filepath}: cannot read dataset {where!r} ({type(e).__name__}: {e}).") from None
    if external:
        raise UnsafeFileError(f"{filepath}: refusing dataset {where!r}: its data is stored in external files.")
    if virtual:
        raise UnsafeFileError(f"{filepath}: refusing dataset {where!r}: it is a virtual dataset.")
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise LaminaFileError(f"{filepath}: dataset {where!r} has dtype {dtype}, not a numeric array.")
    if shape is None:
        raise LaminaFileError(f"{filepath}: dataset {where!r} has no data (empty dataspace).")
    if expected_shape is not None and shape != tuple(expected_shape):
        raise LaminaFileError(
            f"{filepath}: dataset {where!r} has shape {shape}, but the model expects {tuple(expected_shape)}.")
    nbytes = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
    if max_bytes is not None and nbytes > max_bytes:
        raise UnsafeFileError(f"{filepath}: dataset {where!r} declares {nbytes} bytes, more than {max_bytes}.")


def read_dataset(ds, filepath, where: str) -> np.ndarray:
    """Read a checked dataset into a NumPy array (read errors become LaminaFileError)."""
    try:
        value = ds[()]
    except Exception as e:
        raise LaminaFileError(f"{filepath}: cannot read dataset {where!r} ({type(e).__name__}: {e}).") from None
    value = np.asarray(value)
    try:
        if ds.attrs.get("dtype", None) in ("bfloat16", b"bfloat16"):
            import ml_dtypes

            value = value.view(ml_dtypes.bfloat16) if value.dtype.itemsize == 2 else value.astype(ml_dtypes.bfloat16)
    except ImportError:
        pass
    return value


# --------------------------------------------------------------------------- config checks
# Callables a file may never reach, even through custom_objects or registrations.
_DENY_MODULES = ("os", "posix", "nt", "subprocess", "builtins", "sys", "shutil", "socket", "pickle",
                 "marshal", "importlib", "runpy", "ctypes", "pty", "code", "codeop", "io", "pathlib",
                 "urllib", "requests", "http", "ftplib", "tempfile", "multiprocessing", "threading",
                 "signal", "webbrowser")
_DENY_NAMES = {"eval", "exec", "compile", "open", "__import__", "getattr", "setattr", "delattr", "globals",
               "locals", "vars", "input", "breakpoint", "system", "popen", "Popen", "call", "check_call",
               "check_output", "run", "spawn", "execv", "execve", "fork", "remove", "unlink", "rmtree",
               "load_model", "save_model", "load_weights", "save_weights", "get_file",
               "enable_unsafe_deserialization", "model_from_json", "set_floatx", "set_epsilon",
               "set_image_data_format", "set_dtype_policy", "load", "loads", "dump", "dumps"}


def is_denied(obj) -> bool:
    """True for callables that must never be created or called from a file (shell, eval, I/O, settings)."""
    import builtins as _builtins

    if obj is None:
        return False
    if any(obj is getattr(_builtins, n, None) for n in ("eval", "exec", "compile", "open", "__import__",
                                                          "getattr", "setattr", "delattr", "globals",
                                                          "locals", "vars", "input", "breakpoint")):
        return True
    module = getattr(obj, "__module__", None) or ""
    if module.split(".")[0] in _DENY_MODULES:
        return True
    if module.startswith("lamina.") and getattr(obj, "__name__", "") in _DENY_NAMES:
        return True
    if module.startswith(("lamina.saving", "lamina.config", "lamina.utils.file")):
        return callable(obj) and not isinstance(obj, type)
    return False


def scan_config(config, filepath, safe_mode: bool, custom_objects=None) -> None:
    """Refuse, before anything is built, a config that holds bytecode (in safe mode) or names a denied callable."""
    from lamina.saving import serialization as ser

    stack = [config]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(v)
            continue
        if not isinstance(v, dict):
            continue
        cls = v.get("class_name")
        if cls == "__lambda__" and safe_mode:
            raise UnsafeFileError(
                f"{filepath}: refusing to load a Lambda layer: its function is stored as Python bytecode and "
                "running it could execute arbitrary code. If you trust this file, load it with safe_mode=False.")
        if isinstance(cls, str):
            names = [n for n in (cls, v.get("registered_name")) if isinstance(n, str)]
            if cls == "function" and isinstance(v.get("config"), str):
                names.append(v["config"])
            for n in names:
                found = ser.get_registered_object(n, custom_objects)
                if found is not None and is_denied(found):
                    raise UnsafeFileError(
                        f"{filepath}: refusing {n!r}: it resolves to {getattr(found, '__module__', '?')}."
                        f"{getattr(found, '__name__', '?')}, which a file may never call, even when registered.")
        stack.extend(v.values())


@contextlib.contextmanager
def safe_mode_scope(safe_mode):
    """Make Lambda.from_config (and anything else consulting it) see this load's ``safe_mode``."""
    from lamina.saving import serialization as ser

    previous = getattr(ser, "_safe_mode", None)
    ser._safe_mode = safe_mode
    try:
        yield
    finally:
        ser._safe_mode = previous


def resolve_safe_mode(safe_mode) -> bool:
    """Whether a load runs in safe mode: on by default, off with ``safe_mode=False``.

    As in Keras, ``lamina.config.enable_unsafe_deserialization()`` turns safe
    mode off for every later load, whatever ``safe_mode`` the call passes. The
    denylist of dangerous callables (``scan_config``) holds in any mode.
    """
    from lamina import config

    if config.unsafe_deserialization_enabled():
        return False
    return True if safe_mode is None else bool(safe_mode)
