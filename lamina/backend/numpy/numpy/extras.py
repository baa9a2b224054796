"""numpy kernels: slogdet, vectorize, view."""

from __future__ import annotations

import numpy as np

from lamina.backend.numpy._convert import t, to_float
from lamina.backend.numpy.core import to_native_dtype


def slogdet(x):
    sign, logabs = np.linalg.slogdet(to_float(x))
    return sign, logabs


def vectorize(pyfunc, *, excluded=None, signature=None):
    return np.vectorize(pyfunc, excluded=excluded or set(), signature=signature)


def view(x, dtype):
    return t(x).view(to_native_dtype(dtype))
