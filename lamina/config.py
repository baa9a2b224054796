"""Global settings: which backend runs, default float type, epsilon, image layout.

The backend is chosen once, at import, in this order: the ``LAMINA_BACKEND``
environment variable, then ``KERAS_BACKEND`` (so Keras users' setups keep
working), then ``"backend"`` in ``~/.lamina/lamina.json``, then the first
installed of torch, jax, numpy.

Example:
    >>> import lamina
    >>> lamina.config.backend() in ("numpy", "torch", "jax")
    True
    >>> lamina.config.floatx()
    'float32'
"""

from __future__ import annotations

import importlib.util
import json
import os

KNOWN_BACKENDS = ("numpy", "torch", "jax")
_AUTO_ORDER = ("torch", "jax", "numpy")
_FLOAT_TYPES = ("float16", "bfloat16", "float32", "float64")
_DATA_FORMATS = ("channels_last", "channels_first")


def _config_dir() -> str:
    return os.environ.get("LAMINA_HOME") or os.path.join(os.path.expanduser("~"), ".lamina")


def _read_config_file() -> dict:
    path = os.path.join(_config_dir(), "lamina.json")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _is_installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def installed_backends() -> list[str]:
    """Names of the backends whose framework is importable here."""
    return [b for b in KNOWN_BACKENDS if _is_installed(b)]


def _choose_backend() -> str:
    file_config = _read_config_file()
    for source, value in (
        ("LAMINA_BACKEND", os.environ.get("LAMINA_BACKEND")),
        ("KERAS_BACKEND", os.environ.get("KERAS_BACKEND")),
        ("~/.lamina/lamina.json", file_config.get("backend")),
    ):
        if value:
            name = str(value).strip().lower()
            if name not in KNOWN_BACKENDS:
                raise ValueError(
                    f"Unknown backend {value!r} (from {source}). Expected one of "
                    f"{list(KNOWN_BACKENDS)}; installed here: {installed_backends()}."
                )
            if not _is_installed(name):
                raise ImportError(
                    f"Backend {name!r} (from {source}) is not installed. Installed "
                    f"backends: {installed_backends()}. Install it with "
                    f"`pip install lamina[{name}]` or choose another."
                )
            return name
    for name in _AUTO_ORDER:
        if _is_installed(name):
            return name
    return "numpy"


_state = {
    "backend": _choose_backend(),
    "floatx": _read_config_file().get("floatx", "float32"),
    "epsilon": float(_read_config_file().get("epsilon", 1e-7)),
    "image_data_format": _read_config_file().get("image_data_format", "channels_last"),
}


def backend() -> str:
    """The name of the backend in use: ``"numpy"``, ``"torch"`` or ``"jax"``."""
    return _state["backend"]


def floatx() -> str:
    """The default float dtype, ``"float32"`` unless changed."""
    return _state["floatx"]


def set_floatx(value: str) -> None:
    """Set the default float dtype (``"float16"``, ``"bfloat16"``, ``"float32"``, ``"float64"``)."""
    value = str(value)
    if value not in _FLOAT_TYPES:
        raise ValueError(f"set_floatx: unknown float type {value!r}; expected one of {list(_FLOAT_TYPES)}.")
    _state["floatx"] = value


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (default ``1e-7``)."""
    return _state["epsilon"]


def set_epsilon(value: float) -> None:
    """Set the fuzz factor used in numeric expressions."""
    _state["epsilon"] = float(value)


def image_data_format() -> str:
    """``"channels_last"`` (default) or ``"channels_first"``."""
    return _state["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    """Set the default image layout."""
    value = str(data_format).lower()
    if value not in _DATA_FORMATS:
        raise ValueError(
            f"set_image_data_format: expected one of {list(_DATA_FORMATS)}, received {data_format!r}."
        )
    _state["image_data_format"] = value


def standardize_data_format(data_format: str | None) -> str:
    """Return ``data_format`` checked, or the global default when None."""
    if data_format is None:
        return image_data_format()
    value = str(data_format).lower()
    if value not in _DATA_FORMATS:
        raise ValueError(f"data_format must be one of {list(_DATA_FORMATS)}, received {data_format!r}.")
    return value


def dtype_policy():
    """The global dtype policy (a :class:`lamina.DTypePolicy`)."""
    from lamina.core.dtype_policy import global_policy

    return global_policy()


def set_dtype_policy(policy) -> None:
    """Set the global dtype policy, e.g. ``"mixed_float16"``."""
    from lamina.core.dtype_policy import set_global_policy

    set_global_policy(policy)


_unsafe = {"enabled": False}


def enable_unsafe_deserialization() -> None:
    """Turn safe mode off for every later load: files that carry code (Lambda bytecode) are accepted.

    As ``keras.config.enable_unsafe_deserialization``, it overrides the
    ``safe_mode`` argument of ``load_model``. Use it only with trusted files.
    Callables no file may ever name (shell, eval, file I/O, this switch) stay
    refused. A config naming this function is refused at load.

    Example:
        >>> lamina.config.enable_unsafe_deserialization()
        >>> model = lamina.models.load_model("trusted_lambda_model.keras")
    """
    _unsafe["enabled"] = True


def unsafe_deserialization_enabled() -> bool:
    """Whether :func:`enable_unsafe_deserialization` was called in this process."""
    return _unsafe["enabled"]
