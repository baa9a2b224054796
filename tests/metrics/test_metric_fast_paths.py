"""The shortcuts metrics take for fit/evaluate (the loss tracker's one-value update, integer labels
compared as integers, Python-number counts) give exactly what the general path gives."""

import numpy as np
import pytest

import lamina
from lamina import metrics, ops


def test_mean_of_one_value_with_a_batch_weight_equals_the_general_update():
    fast, general = metrics.Mean(), metrics.Mean()
    for value, weight in [(1.5, 128), (0.25, 64), (3.0, 1)]:
        fast.update_state(ops.convert_to_tensor(np.float32(value)), sample_weight=weight)
        general.update_state(np.array([value], "float32"), sample_weight=np.array([weight], "float32"))
    np.testing.assert_allclose(ops.convert_to_numpy(fast.result()), ops.convert_to_numpy(general.result()), rtol=1e-6)
    np.testing.assert_allclose(fast.count.numpy(), 193.0)
    fast.reset_state()
    assert float(fast.count.numpy()) == 0.0


def test_mean_without_weights_counts_the_batch_rows():
    m = metrics.Mean()
    m.update_state(np.array([[1.0, 3.0], [5.0, 7.0]], "float32"))
    m.update_state(ops.convert_to_tensor(np.float32(10.0)))
    assert float(m.count.numpy()) == 3.0
    np.testing.assert_allclose(float(m.result()), (2.0 + 6.0 + 10.0) / 3)


@pytest.mark.parametrize("label_dtype", ["int32", "int64", "uint8", "float32"])
def test_sparse_categorical_accuracy_for_every_label_dtype(label_dtype):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(50, 300)).astype("float32")  # more classes than uint8 can index
    labels = np.argmax(logits, axis=-1)
    labels[::3] = (labels[::3] + 1) % 300
    labels = labels % 256 if label_dtype == "uint8" else labels
    got = ops.convert_to_numpy(metrics.sparse_categorical_accuracy(labels.astype(label_dtype), logits))
    want = (np.argmax(logits, axis=-1) == labels).astype("float32")
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.float32


def test_sparse_categorical_accuracy_float_labels_compare_as_floats():
    got = metrics.sparse_categorical_accuracy(np.array([1.0, 1.5, 0.0]), np.array([[0.1, 0.9], [0.1, 0.9], [0.8, 0.2]]))
    np.testing.assert_array_equal(ops.convert_to_numpy(got), [1.0, 0.0, 1.0])


def test_accuracy_metric_matches_keras_on_integer_labels(keras):
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(40, 7)).astype("float32")
    labels = rng.integers(0, 7, size=(40, 1))
    ours, theirs = metrics.SparseCategoricalAccuracy(), keras.metrics.SparseCategoricalAccuracy()
    ours.update_state(labels, logits, sample_weight=np.linspace(0, 1, 40))
    theirs.update_state(labels, logits, sample_weight=np.linspace(0, 1, 40))
    np.testing.assert_allclose(float(ours.result()), float(theirs.result()), rtol=1e-6)
