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


# --- assign_add: the backend's in-place add (torch) equals add-then-assign ----------------------

@pytest.mark.parametrize("value", [2.5, 3, np.array([1.0, -2.0], dtype="float32"), np.array([1.0, 2.0], "float64")])
def test_assign_add_equals_add_then_assign(value):
    v = lamina.Variable(np.array([0.5, 1.5], dtype="float32"))
    w = lamina.Variable(np.array([0.5, 1.5], dtype="float32"))
    v.assign_add(lamina.ops.convert_to_tensor(value) if isinstance(value, np.ndarray) else value)
    w.assign(lamina.ops.add(w.value, value))
    np.testing.assert_allclose(v.numpy(), w.numpy())
    assert v.dtype == "float32"


def test_assign_add_broadcasts_and_keeps_integer_variables_exact():
    v = lamina.Variable(np.zeros((2, 3), dtype="float32"))
    v.assign_add(lamina.ops.ones((3,)))  # broadcast to the variable's shape: the general path
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 3)))
    n = lamina.Variable(np.array(5, dtype="int64"), trainable=False)
    dtype = n.dtype
    n.assign_add(2)
    assert int(n.numpy()) == 7 and n.dtype == dtype
    with pytest.raises(Exception):
        lamina.Variable(np.zeros((2,), "float32")).assign_add(np.ones((3,), "float32"))


@pytest.mark.skipif(lamina.config.backend() != "torch", reason="autograd graphs are a torch concern")
def test_assign_add_of_a_tensor_with_a_graph_does_not_join_it():
    import torch

    loss = (torch.ones(()) * torch.tensor(2.0, requires_grad=True))
    total = lamina.Variable(np.zeros((), "float32"), trainable=False)
    total.assign_add(loss)
    assert float(total.numpy()) == 2.0
    assert total._value.grad_fn is None and not total._value.requires_grad
    trainable = lamina.Variable(np.zeros((), "float32"))
    trainable.assign_add(loss)  # a trainable leaf: updated under no_grad, stays a leaf
    assert trainable._value.is_leaf and float(trainable.numpy()) == 2.0
