"""``get_file``: fetch a file into the Keras cache folder, verify its hash, optionally extract it.

``origin`` may be an ``http(s)://`` URL, a ``file://`` URL or a local path.
Files land in ``cache_dir/cache_subdir`` (``~/.keras/datasets`` by default,
``$KERAS_HOME`` honoured, as Keras). Archives (tar, tar.gz, tar.bz2, zip)
are extracted only when every member stays inside the target folder: absolute
paths, ``..`` components, and links or devices are refused with a clear error
before anything is written.

Example:
    >>> path = lamina.utils.get_file("data.csv", origin="file:///srv/data.csv",
    ...                              file_hash="9f86d0...", cache_dir="/tmp/cache")
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.parse
import urllib.request
import warnings
import zipfile


class UnsafeArchiveError(ValueError):
    """An archive member would be written outside the extraction folder (or is a link/device)."""


def keras_home() -> str:
    """The Keras cache root: ``$KERAS_HOME``, else ``~/.keras``."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def resolve_hasher(algorithm: str, file_hash: str | None = None):
    """'sha256', 'md5' or 'auto' (sha256 for 64-hex-digit hashes, else md5) -> a hashlib constructor."""
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return hashlib.sha256
    if algorithm in ("md5", "auto"):
        return hashlib.md5
    raise ValueError(f"get_file: `hash_algorithm` must be 'auto', 'sha256' or 'md5'; received {algorithm!r}.")


def hash_file(fpath, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """Hex digest of a file."""
    hasher = resolve_hasher(algorithm)() if isinstance(algorithm, str) else algorithm()
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash: str, algorithm: str = "auto", chunk_size: int = 65535) -> bool:
    """Whether the file's hash equals ``file_hash``."""
    hasher = resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, hasher, chunk_size) == str(file_hash)


def _check_member_name(name: str, archive) -> None:
    normalized = name.replace("\\", "/")
    parts = [p for p in normalized.split("/") if p not in ("", ".")]
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":") or ".." in parts:
        raise UnsafeArchiveError(f"get_file: refusing to extract {archive!r}: member {name!r} would be written "
                                 "outside the extraction folder.")


def _safe_tar_members(tar: tarfile.TarFile, archive):
    members = tar.getmembers()
    for m in members:
        _check_member_name(m.name, archive)
        if not (m.isfile() or m.isdir()):
            raise UnsafeArchiveError(f"get_file: refusing to extract {archive!r}: member {m.name!r} is a link or "
                                     "special file (only regular files and folders are extracted).")
    return members


def extract_archive(file_path, path: str = ".", archive_format="auto") -> bool:
    """Extract a tar or zip archive into ``path`` after checking every member; False if the format does not match."""
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    file_path, path = os.fspath(file_path), os.fspath(path)
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as tar:
                members = _safe_tar_members(tar, file_path)
                _extract(lambda target: _tar_extract(tar, members, target), path)
            return True
        if fmt == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as zf:
                for info in zf.infolist():
                    _check_member_name(info.filename, file_path)
                    if (info.external_attr >> 16) & 0o170000 == 0o120000:
                        raise UnsafeArchiveError(f"get_file: refusing to extract {file_path!r}: member "
                                                 f"{info.filename!r} is a symbolic link.")
                _extract(lambda target: zf.extractall(target), path)
            return True
        if fmt not in ("tar", "zip"):
            raise ValueError(f"get_file: `archive_format` must be 'auto', 'tar', 'zip' or None; received {fmt!r}.")
    return False


def _tar_extract(tar, members, target):
    for m in members:
        dest = os.path.join(target, m.name)
        if m.isdir():
            os.makedirs(dest, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(dest) or target, exist_ok=True)
        with tar.extractfile(m) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)


def _extract(do_extract, path):
    existed = os.path.isdir(path)
    os.makedirs(path, exist_ok=True)
    try:
        do_extract(path)
    except BaseException:
        # Leave no half-extracted folder behind (but never delete a folder that was there before).
        if not existed and os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        raise


def _fetch(origin: str, target: str) -> None:
    parsed = urllib.parse.urlsplit(origin)
    tmp = target + ".part"
    try:
        if parsed.scheme in ("http", "https", "ftp"):
            print(f"Downloading data from {origin}")
            try:
                urllib.request.urlretrieve(origin, tmp)
            except Exception as e:
                raise OSError(f"get_file: URL fetch failure on {origin}: {e}") from None
        else:
            source = urllib.request.url2pathname(parsed.path) if parsed.scheme == "file" else origin
            if not os.path.isfile(source):
                raise FileNotFoundError(f"get_file: the origin {origin!r} is not an existing file.")
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def get_file(fname=None, origin=None, untar: bool = False, md5_hash=None, file_hash=None,
             cache_subdir: str = "datasets", hash_algorithm: str = "auto", extract: bool = False,
             archive_format="auto", cache_dir=None, force_download: bool = False) -> str:
    """Fetch ``origin`` into the cache (unless already there with the right hash) and return its local path.

    With ``extract=True`` (or ``untar=True``) the archive is extracted and the
    extraction folder is returned, as in Keras.
    """
    if origin is None:
        raise ValueError('get_file: pass the "origin" argument (URL or path of the file to fetch).')
    origin = os.fspath(origin)
    if cache_dir is None:
        cache_dir = keras_home()
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(os.fspath(cache_dir))
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass
    if not os.access(base, os.W_OK):
        base = os.path.join(tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    given = fname
    fname = os.fspath(fname) if fname is not None else ""
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"get_file: cannot infer a file name from origin {origin!r}; pass `fname`.")
    elif os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(f"get_file: `fname` must be a file name, not a path (use `cache_dir` for the folder); "
                         f"received fname={fname!r}.")
    if extract or untar:
        if given and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, f"{fname}_archive")
    else:
        target = os.path.join(datadir, fname)
    download = True
    if not force_download and os.path.exists(target):
        download = False
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            print(f"A local file was found, but its {hash_algorithm} hash does not match {file_hash}; fetching it "
                  "again.")
            download = True
    if download:
        _fetch(origin, target)
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            actual = hash_file(target, resolve_hasher(hash_algorithm, file_hash))
            os.remove(target)
            raise ValueError(f"get_file: incomplete or corrupted file fetched from {origin!r}: its "
                             f"{resolve_hasher(hash_algorithm, file_hash)().name} hash is {actual}, expected "
                             f"{file_hash}. The file was removed.")
    if extract or untar:
        if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
            warnings.warn(f"get_file: could not extract {target!r} (not a {archive_format} archive).", stacklevel=2)
        return extraction_dir
    return target
