"""Dtype promotion equals Keras 3's for every pair of dtypes and Python scalar types."""

import itertools

import pytest

from lamina.backend.common import dtypes

TYPES = ["bool", "uint8", "uint16", "uint32", "int8", "int16", "int32", "int64",
         "bfloat16", "float16", "float32", "float64", int, float, bool]


@pytest.fixture(scope="module")
def keras_dtypes():
    pytest.importorskip("keras")
    from keras.src.backend.common import dtypes as kd

    return kd


@pytest.mark.parametrize("a,b", list(itertools.combinations_with_replacement(TYPES, 2)))
def test_result_type_matches_keras(keras_dtypes, a, b):
    assert dtypes.result_type(a, b) == keras_dtypes.result_type(a, b)


@pytest.mark.parametrize("t", TYPES)
def test_single_argument_matches_keras(keras_dtypes, t):
    assert dtypes.result_type(t) == keras_dtypes.result_type(t)


def test_no_arguments_is_floatx():
    assert dtypes.result_type() == "float32"


def test_standardize_dtype_accepts_framework_objects():
    import numpy as np

    assert dtypes.standardize_dtype(np.float32) == "float32"
    assert dtypes.standardize_dtype(np.dtype("int64")) == "int64"
    assert dtypes.standardize_dtype("torch.bfloat16") == "bfloat16"
    assert dtypes.standardize_dtype(int) == "int32"
    with pytest.raises(ValueError, match="Invalid dtype: 'floot32'"):
        dtypes.standardize_dtype("floot32")
