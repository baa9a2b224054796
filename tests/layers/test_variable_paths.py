"""Variable paths (name scopes): nested layers get their outer layers' names as a prefix, as in Keras 3."""

import numpy as np
import pytest

import lamina
from lamina.core import name_scope as ns

X2 = np.ones((2, 4), "float32")
X3 = np.ones((2, 5, 4), "float32")


def _in_init_cls(K):
    class InInit(K.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = K.layers.Dense(3)

        def call(self, x):
            return self.inner(x)

    return InInit


def _in_build_cls(K):
    class InBuild(K.layers.Layer):
        def build(self, input_shape):
            self.inner = K.layers.Dense(3)
            self.inner.build(input_shape)
            self.scale = self.add_weight(shape=(3,), initializer="ones", name="scale")

        def call(self, x):
            return self.inner(x) * self.scale

    return InBuild


def _subclass_model_cls(K):
    class Sub(K.Model):
        def __init__(self):
            super().__init__()
            self.d1 = K.layers.Dense(3)
            self.d2 = K.layers.Dense(2)

        def call(self, x):
            return self.d2(self.d1(x))

    return Sub


def _functional(K):
    i = K.layers.Input((4,))
    return K.Model(i, K.layers.Dense(2)(K.layers.Dense(3)(i)))


def _prebuilt_then_wrapped(K):
    d = K.layers.Dense(3)
    d(X3)
    td = K.layers.TimeDistributed(d)
    td(X3)
    return td


def _sn_built(K):
    sn = K.layers.SpectralNormalization(K.layers.Dense(3))
    sn.build((2, 4))
    return sn


def _called(layer, *args, **kwargs):
    layer(*args, **kwargs)
    return layer


CASES = {
    "spectral_normalization": lambda K: _called(K.layers.SpectralNormalization(K.layers.Dense(3)), X2, training=True),
    "spectral_normalization_build": _sn_built,
    "bidirectional_lstm": lambda K: _called(K.layers.Bidirectional(K.layers.LSTM(2)), X3),
    "time_distributed": lambda K: _called(K.layers.TimeDistributed(K.layers.Dense(3)), X3),
    "multi_head_attention": lambda K: _called(K.layers.MultiHeadAttention(2, 4), X3, X3),
    "sublayer_in_init": lambda K: _called(_in_init_cls(K)(), X2),
    "sublayer_in_build": lambda K: _called(_in_build_cls(K)(), X2),
    "sequential_with_input": lambda K: K.Sequential([K.layers.Input((4,)), K.layers.Dense(3), K.layers.Dense(2)]),
    "sequential_lazy": lambda K: _called(K.Sequential([K.layers.Dense(3), K.layers.Dense(2)]), X2),
    "functional": _functional,
    "subclassed_model": lambda K: _called(_subclass_model_cls(K)(), X2),
    "prebuilt_then_wrapped": _prebuilt_then_wrapped,
}


def _build_case(K, name):
    return CASES[name](K)


@pytest.mark.parametrize("case", sorted(CASES))
def test_variable_paths_match_keras(case, keras):
    ours = _build_case(lamina, case)
    keras.utils.clear_session()
    theirs = _build_case(keras, case)
    assert [v.path for v in ours.weights] == [v.path for v in theirs.weights]
    assert [v.name for v in ours.weights] == [v.name for v in theirs.weights]


def test_spectral_normalization_inner_kernel_path():
    sn = lamina.layers.SpectralNormalization(lamina.layers.Dense(3))
    sn(X2)
    assert [v.path for v in sn.weights] == [
        "spectral_normalization/dense/kernel", "spectral_normalization/vector_u", "spectral_normalization/dense/bias"
    ]
    assert sn.path == "spectral_normalization"
    assert sn.layer.path == "spectral_normalization/dense"


def test_layer_built_outside_keeps_its_path_when_reused():
    d = lamina.layers.Dense(2, name="shared")
    d(X2)
    outer = lamina.Sequential([d], name="outer")
    outer(X2)
    assert [v.path for v in outer.weights] == ["shared/kernel", "shared/bias"]
    assert d.path == "shared"


def test_repeated_calls_leave_no_scope_open():
    layer = lamina.layers.TimeDistributed(lamina.layers.Dense(3))
    for _ in range(3):
        layer(X3)
    assert ns.current_path() == ""
    with pytest.raises(ValueError):
        layer(np.ones((2, 5, 7), "float32"))  # wrong feature size: the inner error must not leak a scope
    assert ns.current_path() == ""


def test_name_scope_context_manager():
    with ns.name_scope("block"):
        with ns.name_scope("inner"):
            v = lamina.Variable(1.0, name="w")
            assert ns.current_path() == "block/inner"
        with ns.name_scope("abs", override_parent="root"):
            u = lamina.Variable(1.0, name="u")
    top = lamina.Variable(1.0, name="t")
    assert (v.path, u.path, top.path) == ("block/inner/w", "root/abs/u", "t")
    assert ns.current_path() == ""


def test_name_scope_rejects_bad_names():
    with pytest.raises(ValueError, match="name_scope.*without '/'.*a/b"):
        ns.name_scope("a/b")


def test_renamed_layer_uses_new_name_for_new_variables():
    layer = lamina.layers.Dense(2, name="before")
    layer(X2)
    layer.name = "after"
    v = layer.add_weight(shape=(1,), name="extra")
    assert v.path == "after/extra"
    assert ns.current_path() == ""


def test_weights_file_round_trip_with_nested_paths(tmp_path, keras):
    """Paths do not enter the .weights.h5 layout: a Keras-written file loads into lamina and back."""
    theirs = keras.Sequential([keras.layers.Input((4,)), keras.layers.SpectralNormalization(keras.layers.Dense(3))])
    path = str(tmp_path / "sn.weights.h5")
    theirs.save_weights(path)
    ours = lamina.Sequential([lamina.layers.Input((4,)), lamina.layers.SpectralNormalization(lamina.layers.Dense(3))])
    ours.load_weights(path)
    for a, b in zip(ours.weights, theirs.weights):
        np.testing.assert_allclose(lamina.ops.convert_to_numpy(a.value), keras.ops.convert_to_numpy(b.value))
    ours.save_weights(str(tmp_path / "back.weights.h5"))
    theirs.load_weights(str(tmp_path / "back.weights.h5"))
    np.testing.assert_allclose(
        lamina.ops.convert_to_numpy(ours.predict_on_batch(X2)), keras.ops.convert_to_numpy(theirs.predict_on_batch(X2)),
        atol=1e-6,
    )
