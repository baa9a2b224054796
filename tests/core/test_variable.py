"""lamina.Variable: values, assignment, dtype, errors."""

import numpy as np
import pytest

import lamina
from lamina.backend.common.scopes import StatelessScope
from tests.conftest import assert_close


def test_assign_and_arithmetic():
    v = lamina.Variable(np.array([1.0, 2.0], "float32"), name="w")
    assert v.dtype == "float32" and v.shape == (2,) and v.trainable
    v.assign([3.0, 4.0])
    v.assign_add([1.0, 1.0])
    v.assign_sub([0.5, 0.5])
    assert_close(v, [3.5, 4.5])
    assert_close(v * 2, [7.0, 9.0])
    assert_close(np.asarray(v), [3.5, 4.5])


def test_initializer_by_name_needs_shape():
    v = lamina.Variable("zeros", shape=(2, 3), dtype="float32")
    assert_close(v, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="needs a `shape`"):
        lamina.Variable("zeros")


def test_assign_wrong_shape_names_the_variable():
    v = lamina.Variable(np.zeros((2,), "float32"), name="bias")
    with pytest.raises(ValueError, match=r"'bias' has shape \(2,\); cannot assign a value of shape \(3,\)"):
        v.assign(np.zeros((3,)))


def test_stateless_scope_reads_and_collects_assignments():
    v = lamina.Variable(np.zeros((2,), "float32"))
    with StatelessScope({v: lamina.ops.convert_to_tensor(np.ones((2,), "float32"))}) as scope:
        assert_close(v.value, [1.0, 1.0])
        v.assign(np.full((2,), 5.0, "float32"))
        assert_close(v.value, [5.0, 5.0])
    assert_close(v, [0.0, 0.0])
    assert_close(scope.get_current_value(v), [5.0, 5.0])
