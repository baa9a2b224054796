"""Test setup: one backend per pytest run (LAMINA_BACKEND), real Keras 3 as the oracle.

The oracle runs on the same framework as lamina (KERAS_BACKEND is set to the
lamina backend before keras is imported), so parity tests compare like with like.
"""

import os

import numpy as np
import pytest

import lamina

BACKEND = lamina.config.backend()
os.environ["KERAS_BACKEND"] = BACKEND


@pytest.fixture
def keras():
    """Real Keras 3, imported on first use (it is slow to import)."""
    return pytest.importorskip("keras")


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts with fresh auto-generated names (dense, dense_1, ...).

    Only names are reset: clearing jax's compile caches here would recompile every kernel per test.
    """
    from lamina.utils.naming import reset_names

    reset_names()
    yield


requires_training = pytest.mark.skipif(
    not lamina.backend.impl.CAN_TRAIN, reason=f"the {BACKEND} backend cannot compute gradients"
)


def to_np(x):
    return lamina.ops.convert_to_numpy(x)


def assert_close(actual, expected, atol=1e-5, rtol=1e-5):
    np.testing.assert_allclose(to_np(actual), np.asarray(expected), atol=atol, rtol=rtol)
