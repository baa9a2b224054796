"""examples/transfer_learning.py end to end on a tiny image folder, and the frozen-BatchNormalization rule."""

import importlib.util
import os

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "transfer_learning.py")


def _load_example():
    spec = importlib.util.spec_from_file_location("transfer_learning_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _values(variables):
    return [np.array(lamina.ops.convert_to_numpy(v)) for v in variables]


def test_frozen_batch_normalization_runs_in_inference_mode(keras):
    """trainable=False makes BatchNormalization use and keep its moving statistics even with training=True."""
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, (8, 5)).astype("float32")
    stats = [rng.normal(size=5), rng.normal(size=5), rng.uniform(0.5, 2.0, 5), rng.uniform(0.5, 2.0, 5)]
    bn = layers.BatchNormalization()
    bn.build((None, 5))
    bn.set_weights([s.astype("float32") for s in (stats[2], stats[0], stats[1], stats[3])])
    bn.trainable = False
    before = _values(bn.weights)
    frozen_train = lamina.ops.convert_to_numpy(bn(x, training=True))
    inference = lamina.ops.convert_to_numpy(bn(x, training=False))
    np.testing.assert_allclose(frozen_train, inference, atol=1e-6)
    for a, b in zip(before, _values(bn.weights)):
        np.testing.assert_array_equal(a, b)
    ref = keras.layers.BatchNormalization()
    ref.build((None, 5))
    ref.set_weights(bn.get_weights())
    ref.trainable = False
    np.testing.assert_allclose(frozen_train, keras.ops.convert_to_numpy(ref(x, training=True)), atol=1e-5)
    bn.trainable = True  # unfrozen: batch statistics again
    assert not np.allclose(lamina.ops.convert_to_numpy(bn(x, training=True)), inference, atol=1e-3)


@requires_training
def test_transfer_learning_example_end_to_end(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("PIL")
    example = _load_example()
    lamina.utils.set_random_seed(0)
    source, target = str(tmp_path / "source"), str(tmp_path / "target")
    example.make_image_folder(source, images_per_class=6, digits_used=(5, 6, 7), seed=1)
    names = example.make_image_folder(target, images_per_class=6, seed=0)
    assert sorted(os.listdir(target)) == names and len(os.listdir(os.path.join(target, names[0]))) == 6

    weights = example.pretrain_base(source, str(tmp_path / "base.weights.h5"), epochs=1, verbose=False)
    train, val = example.load_datasets(target, batch_size=8)
    model, base = example.build_model(len(names), weights=weights)
    # The base starts from the pretrained file (Keras's .weights.h5 keys layers by class: conv2d, conv2d_1 ...).
    import h5py

    with h5py.File(weights, "r") as f:
        np.testing.assert_array_equal(_values(base.get_layer("conv1").weights)[0], f["layers/conv2d/vars/0"][()])
        np.testing.assert_array_equal(_values(base.get_layer("conv1_bn").weights)[2],
                                      f["layers/batch_normalization/vars/2"][()])

    base_before = _values(base.weights)
    head = model.get_layer("new_head")
    head_before = _values(head.weights)
    accuracy = example.train_head(model, train, val, epochs=1)
    assert 0.0 <= accuracy <= 1.0
    for a, b in zip(base_before, _values(base.weights)):  # frozen: kernels AND BatchNorm statistics unchanged
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(head_before[0], _values(head.weights)[0])

    accuracy = example.fine_tune(model, base, train, val, epochs=1)
    assert 0.0 <= accuracy <= 1.0
    top_conv = base.get_layer("conv_pw_13")
    assert top_conv.trainable and not base.get_layer("conv_pw_11").trainable
    changed = {w.path: not np.array_equal(a, b) for w, a, b in zip(base.weights, base_before, _values(base.weights))}
    assert changed[top_conv.kernel.path]
    assert not any(changed[w.path] for w in base.get_layer("conv_pw_11").weights)
    bn = base.get_layer("conv_pw_13_bn")  # unfrozen but called with training=False: statistics kept
    assert not changed[bn.moving_mean.path] and changed[bn.gamma.path]
