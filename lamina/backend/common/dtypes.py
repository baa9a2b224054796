"""Dtype names and Keras 3's promotion rules, with no framework imported.

Dtypes are plain strings (``"float32"``). Python scalars are *weak*: ``int8``
plus the Python int ``1`` stays ``int8``, ``int32`` plus ``1.5`` becomes the
float type at floatx's precision. Promotion is the least upper bound on a
lattice (the one JAX uses, which Keras 3 adopted).

Example:
    >>> result_type("int32", "float16")
    'float16'
    >>> result_type("int8", int)
    'int8'
"""

from __future__ import annotations

import functools

import numpy as np

from lamina import config

BOOL_TYPES = ("bool",)
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
COMPLEX_TYPES = ("complex64", "complex128")
ALLOWED_DTYPES = BOOL_TYPES + INT_TYPES + FLOAT_TYPES + COMPLEX_TYPES + ("string",)

# Each type's direct successors; the weak "int" and "float" sit below the
# concrete ints and floats so that a Python scalar adopts the tensor's type.
_LATTICE = {
    "bool": ("int",),
    "int": ("uint8", "int8"),
    "uint8": ("int16", "uint16"),
    "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"),
    "uint64": ("float",),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float",),
    "float": ("bfloat16", "float16", "complex"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64", "complex64"),
    "float64": ("complex128",),
    "complex": ("complex64",),
    "complex64": ("complex128",),
    "complex128": (),
}


def _upper_sets() -> dict[str, frozenset]:
    result: dict[str, frozenset] = {}

    def upper(t):
        if t not in result:
            s = {t}
            for nxt in _LATTICE[t]:
                s |= upper(nxt)
            result[t] = frozenset(s)
        return result[t]

    for t in _LATTICE:
        upper(t)
    return result


_UPPER = _upper_sets()

_ALIASES = {
    "float": "float32",
    "double": "float64",
    "half": "float16",
    "int": "int32",
    "long": "int64",
    "bool_": "bool",
    "uint": "uint32",
    "str": "string",
    "object": "string",
}

# Framework dtype objects render as "torch.float32", "dtype('float32')", ...
_PY_TYPES = {bool: "bool", int: "int32", float: "float32", complex: "complex64", str: "string"}


_STANDARD_CACHE: dict = {}


def standardize_dtype(dtype) -> str:
    """Return the canonical string for any dtype-like (string, numpy, torch or jax dtype, Python type).

    ``None`` means floatx.
    """
    if dtype is None:
        return config.floatx()
    try:
        return _STANDARD_CACHE[dtype]  # hot path: every op that names a dtype comes here
    except (KeyError, TypeError):
        pass
    name = _standardize_uncached(dtype)
    try:
        _STANDARD_CACHE[dtype] = name
    except TypeError:  # unhashable dtype-likes are looked up afresh each time
        pass
    return name


def _standardize_uncached(dtype) -> str:
    if isinstance(dtype, str):
        name = dtype
    elif any(dtype is t for t in _PY_TYPES):
        return _PY_TYPES[dtype]
    elif isinstance(dtype, np.dtype) and dtype.kind in "USO":
        return "string"  # NumPy text arrays ('<U5', 'S3', object) hold strings
    elif isinstance(dtype, type) and issubclass(dtype, (np.str_, np.bytes_)):
        return "string"
    elif isinstance(dtype, type) and issubclass(dtype, np.generic):
        name = np.dtype(dtype).name  # numpy scalar types such as np.float32
    elif hasattr(dtype, "name") and isinstance(dtype.name, str):
        name = dtype.name  # numpy dtypes, jax dtypes
    elif hasattr(dtype, "dtype") and hasattr(dtype.dtype, "name"):
        name = dtype.dtype.name
    else:
        name = str(dtype)
    if name.startswith("torch."):
        name = name[len("torch."):]
    name = _ALIASES.get(name, name)
    if name not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype!r}. Expected one of {list(ALLOWED_DTYPES)}.")
    return name


def is_float_dtype(dtype) -> bool:
    return standardize_dtype(dtype) in FLOAT_TYPES


def is_int_dtype(dtype) -> bool:
    return standardize_dtype(dtype) in INT_TYPES


def _dtype_and_weak(arg) -> tuple[str, bool]:
    if arg is int or arg is float or arg is complex:
        return {int: "int", float: "float", complex: "complex"}[arg], True
    if arg is bool:
        return "bool", False
    if isinstance(arg, bool):
        return "bool", False
    if isinstance(arg, int) and not isinstance(arg, bool):
        return "int", True
    if isinstance(arg, float):
        return "float", True
    return standardize_dtype(arg), False


def _least_upper_bound(types) -> str:
    common = None
    for t in types:
        common = _UPPER[t] if common is None else common & _UPPER[t]
    # The least element of the common upper set is the one whose own upper set
    # contains all the others.
    for t in common:
        if _UPPER[t] >= common:
            return t
    raise ValueError(f"No common dtype for {sorted(set(types))}.")


def _resolve_weak(dtype: str) -> str:
    precision = config.floatx()[-2:]
    if dtype == "int":
        return "int" + precision
    if dtype == "float":
        return "float" + precision
    if dtype == "complex":
        return "complex128" if precision == "64" else "complex64"
    return dtype


_NARROW_64 = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


def result_type(*dtypes) -> str:
    """The dtype Keras 3 gives the result of combining values of these dtypes.

    Arguments may be dtype strings or objects, or the Python types ``int`` and
    ``float`` (or Python scalars) standing for weakly typed scalars. With no
    arguments the result is floatx.
    """
    if not dtypes:
        return config.floatx()
    pairs = tuple(_dtype_and_weak(config.floatx() if d is None else d) for d in dtypes)
    return _combine(pairs, config.floatx())


@functools.lru_cache(maxsize=4096)
def _combine(pairs: tuple, floatx: str) -> str:
    names = [p[0] for p in pairs]
    weaks = [p[1] for p in pairs]
    if len(pairs) == 1:
        out, weak = pairs[0]
    elif len(set(names)) == 1 and not all(weaks):
        out, weak = names[0], False
    else:
        out = _least_upper_bound(names)
        weak = all(weaks) or out in ("int", "float", "complex")
    if weak and out != "bool":
        out = _resolve_weak(out)
    # Keras 3 (on backends other than TensorFlow) narrows 64-bit results to 32 bits.
    return _NARROW_64.get(out, out)
