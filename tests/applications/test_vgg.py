"""VGG16/VGG19: architecture vs Keras, and Keras's weight files load with identical predictions."""

import pytest

from lamina.applications import vgg16, vgg19
from tests.applications.app_test_utils import check_architecture, check_weight_parity, construction_only, parity_backends, slow


@construction_only
@pytest.mark.parametrize("module,fn,kwargs", [
    (vgg16, "VGG16", {"weights": None}),
    (vgg16, "VGG16", {"weights": None, "include_top": False, "pooling": "max"}),
    pytest.param(vgg19, "VGG19", {"weights": None}, marks=slow),
    (vgg19, "VGG19", {"weights": None, "input_shape": (32, 32, 3), "classes": 5}),
    (vgg19, "VGG19", {"weights": None, "include_top": False, "pooling": "avg", "input_shape": (48, 40, 3)}),
])
def test_architecture_matches_keras(module, fn, kwargs, keras):
    check_architecture(getattr(module, fn), getattr(keras.applications, fn), kwargs, keras)


@parity_backends
@pytest.mark.parametrize("legacy", [False, True])
def test_vgg16_weights_file_parity(legacy, tmp_path, keras):
    kwargs = {"input_shape": (32, 32, 3), "classes": 7, "include_top": True, "classifier_activation": None}
    check_weight_parity(vgg16.VGG16, keras.applications.VGG16, kwargs, tmp_path, keras, legacy=legacy, atol=1e-3,
                        use_predict=not legacy)


@parity_backends
def test_vgg19_weights_file_parity(tmp_path, keras):
    kwargs = {"input_shape": (32, 32, 3), "include_top": False, "pooling": "avg"}
    check_weight_parity(vgg19.VGG19, keras.applications.VGG19, kwargs, tmp_path, keras)


def test_preprocess_is_caffe_mode():
    import numpy as np

    x = np.array([[[[255.0, 0.0, 10.0]]]])
    out = vgg16.preprocess_input(x.copy())
    np.testing.assert_allclose(out[0, 0, 0], [10.0 - 103.939, 0.0 - 116.779, 255.0 - 123.68], rtol=1e-6)
    np.testing.assert_allclose(vgg19.preprocess_input(x.copy()), out)
