"""Core layers against real Keras 3: same weights in, same outputs out; same get_config; clear errors."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import assert_close, to_np

RNG = np.random.default_rng(42)


def _copy_weights(ours, theirs):
    theirs.set_weights([w for w in ours.get_weights()])


def _config_without_dtype_policy_module(config):
    return {k: v for k, v in config.items()}


CASES = [
    ("Dense", dict(units=4, activation="relu"), (3, 5), "float32"),
    ("Dense", dict(units=2, use_bias=False, activation="tanh"), (2, 3, 5), "float32"),
    ("EinsumDense", dict(equation="ab,bc->ac", output_shape=4, bias_axes="c"), (3, 5), "float32"),
    ("EinsumDense", dict(equation="abc,cde->abde", output_shape=(None, 3, 2), bias_axes="de"), (2, 4, 5), "float32"),
    ("EinsumDense", dict(equation="...b,bc->...c", output_shape=6, activation="gelu"), (2, 3, 5), "float32"),
    ("Embedding", dict(input_dim=10, output_dim=4), (3, 6), "int32"),
    ("Activation", dict(activation="softplus"), (3, 5), "float32"),
    ("Flatten", dict(), (2, 3, 4), "float32"),
    ("Flatten", dict(data_format="channels_first"), (2, 3, 4, 5), "float32"),
    ("Reshape", dict(target_shape=(2, -1)), (2, 3, 4), "float32"),
    ("Identity", dict(), (2, 3), "float32"),
    ("Masking", dict(mask_value=0.0), (2, 3, 4), "float32"),
]


@pytest.mark.parametrize("name,kwargs,shape,dtype", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras(keras, name, kwargs, shape, dtype):
    ours = getattr(layers, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    if dtype == "int32":
        x = RNG.integers(0, 10, size=shape).astype("int32")
    else:
        x = RNG.normal(size=shape).astype("float32")
        if name == "Masking":
            x[:, 1, :] = 0.0
    y_ours = ours(x)
    theirs(x)
    _copy_weights(ours, theirs)
    y_theirs = keras.ops.convert_to_numpy(theirs(x))
    assert_close(y_ours, y_theirs, atol=1e-5, rtol=1e-5)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    ours_cfg, theirs_cfg = ours.get_config(), theirs.get_config()
    ours_cfg.pop("name"), theirs_cfg.pop("name")
    assert _jsonish(ours_cfg) == _jsonish(theirs_cfg)
    # The symbolic shape and compute_output_shape agree with the real output.
    symbolic = getattr(layers, name)(**kwargs)(lamina.KerasTensor((None,) + shape[1:], dtype=dtype))
    assert symbolic.shape[1:] == tuple(to_np(y_ours).shape[1:])
    rebuilt = type(ours).from_config(ours.get_config())
    assert _jsonish(rebuilt.get_config()) == _jsonish(ours.get_config())


def _jsonish(x):
    if isinstance(x, dict):
        return {k: _jsonish(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonish(v) for v in x]
    return x


def test_embedding_mask_zero_masks_padding():
    emb = layers.Embedding(5, 3, mask_zero=True)
    x = np.array([[1, 0, 2]], "int32")
    mask = emb.compute_mask(x)
    assert to_np(mask).tolist() == [[True, False, True]]


def test_dense_wrong_last_dimension_names_layer():
    dense = layers.Dense(3, name="head")
    dense(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match=r'layer "head".*expected axis -1 of input shape to have value 4.*\(2, 5\)'):
        dense(np.ones((2, 5), "float32"))


def test_dense_wrong_rank_names_layer():
    with pytest.raises(ValueError, match=r'layer "d1".*expected min_ndim=2, found ndim=1'):
        layers.Dense(3, name="d1")(np.ones((4,), "float32"))


def test_unknown_constructor_argument_names_layer():
    with pytest.raises(ValueError, match=r"Unrecognized keyword arguments passed to Dense: \{'unitz': 3\}"):
        layers.Dense(3, unitz=3)


def test_unknown_activation_is_clear():
    with pytest.raises(ValueError, match="reluu"):
        layers.Dense(3, activation="reluu")


def test_dropout_is_identity_at_inference_and_scales_in_training():
    drop = layers.Dropout(0.5, seed=3)
    x = np.ones((64, 32), "float32")
    assert_close(drop(x), x)
    out = to_np(drop(x, training=True))
    assert set(np.unique(out)).issubset({0.0, 2.0})
    assert 0.3 < (out == 0).mean() < 0.7


def test_lambda_runs_and_refuses_code_when_safe():
    lam = layers.Lambda(lambda x: x * 3.0)
    assert_close(lam(np.ones((2,), "float32")), [3.0, 3.0])
    config = lam.get_config()
    with pytest.raises(ValueError, match="Refusing to load a Lambda layer"):
        layers.Lambda.from_config(config)
    restored = layers.Lambda.from_config(config, safe_mode=False)
    assert_close(restored(np.ones((2,), "float32")), [3.0, 3.0])


def test_trainable_false_freezes_weights_and_count_params():
    dense = layers.Dense(3)
    dense(np.ones((1, 2), "float32"))
    assert dense.count_params() == 9
    dense.trainable = False
    assert dense.trainable_weights == [] and len(dense.non_trainable_weights) == 2
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(3).count_params()


def test_set_weights_checks_shapes():
    dense = layers.Dense(2, name="dd")
    dense(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match=r'Layer "dd": weight dd/kernel has shape \(3, 2\)'):
        dense.set_weights([np.ones((2, 2)), np.ones((2,))])


def test_nested_layers_are_tracked_and_training_propagates():
    seen = []

    class Probe(layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = [layers.Dense(2), Probe()]

        def call(self, x):
            return self.inner[1](self.inner[0](x))

    block = Block()
    outer = lamina.Sequential([lamina.Input((3,)), block])
    outer(np.ones((1, 3), "float32"), training=True)
    assert seen[-1] is True
    assert len(block.weights) == 2


def test_add_loss_and_activity_regularizer_collected():
    class Penalised(layers.Layer):
        def call(self, x):
            self.add_loss(lamina.ops.sum(x))
            return x

    layer = Penalised()
    layer(np.ones((2, 2), "float32"))
    assert len(layer.losses) == 1 and float(to_np(layer.losses[0])) == 4.0
    layer(np.ones((1, 2), "float32"))
    assert len(layer.losses) == 1 and float(to_np(layer.losses[0])) == 2.0
    dense = layers.Dense(2, activity_regularizer="l2", kernel_regularizer="l1")
    dense(np.ones((1, 3), "float32"))
    assert len(dense.losses) == 2


def test_mixed_precision_policy_computes_in_float16():
    dense = layers.Dense(2, dtype="mixed_float16")
    y = dense(np.ones((1, 3), "float32"))
    assert dense.kernel.dtype == "float32" or dense.kernel._dtype == "float32"
    assert str(to_np(y).dtype) == "float16"
