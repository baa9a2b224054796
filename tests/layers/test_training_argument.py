"""`training` reaches inner layers even through a call() that does not take it (as in Keras)."""

import numpy as np

import lamina
from lamina import layers
from tests.conftest import to_np


class _Wrapper(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dropout = layers.Dropout(0.5, seed=3)

    def call(self, x):  # no `training` parameter
        return self.dropout(x)


def test_training_flag_is_dropped_for_call_but_handed_to_inner_layers():
    x = np.ones((4, 50), "float32")
    layer = _Wrapper()
    np.testing.assert_array_equal(to_np(layer(x)), x)
    np.testing.assert_array_equal(to_np(layer(x, training=False)), x)
    dropped = to_np(layer(x, training=True))
    assert (dropped == 0).any() and set(np.unique(dropped)) <= {0.0, 2.0}


def test_training_flag_through_a_functional_model_symbolic_call():
    inputs = lamina.Input((50,))
    outputs = _Wrapper()(inputs, training=True)
    model = lamina.Model(inputs, outputs)
    out = to_np(model(np.ones((4, 50), "float32")))
    assert (out == 0).any()
