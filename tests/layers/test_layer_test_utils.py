"""The shared layer-test helper itself catches broken layers."""

import numpy as np
import pytest

from lamina import layers, ops
from tests.conftest import requires_training
from tests.layers.layer_test_utils import run_layer_test


def test_dense_passes(keras):
    run_layer_test(layers.Dense, {"units": 3, "activation": "relu"}, input_shape=(4, 5), keras=keras,
                   expected_output_shape=(4, 3), expected_num_trainable_weights=2)


def test_wrong_compute_output_shape_is_caught():
    class Liar(layers.Layer):
        def call(self, x):
            return x

        def compute_output_shape(self, input_shape):
            return tuple(input_shape[:-1]) + (99,)

    with pytest.raises(AssertionError, match="compute_output_shape"):
        run_layer_test(Liar, {}, input_shape=(2, 3))


@requires_training
def test_weight_without_gradient_is_caught():
    class Detached(layers.Layer):
        def build(self, input_shape):
            self.used = self.add_weight(shape=(input_shape[-1],), name="used")
            self.unused = self.add_weight(shape=(input_shape[-1],), name="unused")

        def call(self, x):
            return x * self.used + ops.stop_gradient(self.unused)

    with pytest.raises(AssertionError, match="no gradient reached"):
        run_layer_test(Detached, {}, input_shape=(2, 3))
