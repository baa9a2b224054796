"""Keras's legacy `.h5` weight files (the layout of the published ImageNet files) load into every family
not already checked end to end with a legacy file (VGG16, ResNet50, MobileNetV2 and the families in
H8b's files predict from one). Loading must give exactly Keras's weights, in Keras's order; each
family's test file shows that these weights give Keras's predictions."""

import numpy as np
import pytest

import lamina
from lamina import applications
from tests.applications.app_test_utils import keras_fresh, randomize_keras_weights

SMALL = {"input_shape": (32, 32, 3), "classifier_activation": None}
CASES = [
    ("VGG19", {"input_shape": (32, 32, 3), "include_top": False, "pooling": "avg"}),
    ("ResNet50V2", {"input_shape": (32, 32, 3), "include_top": False, "pooling": "avg"}),
    ("DenseNet121", dict(SMALL, classes=6)),
    ("MobileNet", dict(SMALL, alpha=0.25, classes=4)),
    ("MobileNetV3Small", {"input_shape": (32, 32, 3), "include_top": False, "pooling": "avg"}),
    ("ConvNeXtTiny", dict(SMALL, classes=5)),
]


# Reading the file is the same code on every backend; on jax, building these models in both libraries costs
# minutes of CI, and jax's legacy-.h5 loading is proven by the families whose files predict on jax.
@pytest.mark.skipif(lamina.config.backend() == "jax", reason="backend-independent loading; covered on numpy/torch")
@pytest.mark.parametrize("name,kwargs", CASES, ids=[c[0] for c in CASES])
def test_keras_legacy_h5_weights_load_exactly(name, kwargs, tmp_path, keras):
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    keras_fresh(keras)
    ref = getattr(keras.applications, name)(weights=None, **kwargs)
    randomize_keras_weights(ref, seed=3)
    path = str(tmp_path / f"{name}.h5")
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, ref)

    model = getattr(applications, name)(weights=path, **kwargs)
    expected = [keras.ops.convert_to_numpy(w) for w in ref.weights]
    got = [w.numpy() for w in model.weights]
    assert [w.shape for w in got] == [w.shape for w in expected]
    for g, e, w in zip(got, expected, model.weights):
        np.testing.assert_array_equal(g, e, err_msg=w.path)
