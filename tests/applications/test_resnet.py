"""ResNet50/101/152 and the V2 family: architecture vs Keras, weight-file parity."""

import numpy as np
import pytest

from lamina.applications import resnet, resnet_v2
from tests.applications.app_test_utils import check_architecture, check_weight_parity, construction_only, parity_backends

NO_TOP = {"weights": None, "include_top": False, "pooling": "max", "input_shape": (32, 32, 3)}


@construction_only
@pytest.mark.parametrize("module,fn,kwargs", [
    (resnet, "ResNet50", {"weights": None}),
    (resnet, "ResNet50", NO_TOP),
    (resnet, "ResNet101", {"weights": None}),
    (resnet, "ResNet152", {"weights": None, "include_top": False, "pooling": "avg"}),
    (resnet_v2, "ResNet50V2", {"weights": None}),
    (resnet_v2, "ResNet50V2", NO_TOP),
    (resnet_v2, "ResNet101V2", {"weights": None, "classes": 10}),
    (resnet_v2, "ResNet152V2", {"weights": None}),
])
def test_architecture_matches_keras(module, fn, kwargs, keras):
    check_architecture(getattr(module, fn), getattr(keras.applications, fn), kwargs, keras)


@parity_backends
def test_resnet50_legacy_h5_parity(tmp_path, keras):
    kwargs = {"input_shape": (32, 32, 3), "classes": 5, "classifier_activation": None}
    check_weight_parity(resnet.ResNet50, keras.applications.ResNet50, kwargs, tmp_path, keras, legacy=True)


@parity_backends
def test_resnet50v2_weights_file_parity(tmp_path, keras):
    kwargs = {"input_shape": (32, 32, 3), "include_top": False, "pooling": "avg"}
    check_weight_parity(resnet_v2.ResNet50V2, keras.applications.ResNet50V2, kwargs, tmp_path, keras, scale=2.0)


def test_preprocess_modes():
    x = np.full((1, 1, 1, 3), 255.0)
    np.testing.assert_allclose(resnet_v2.preprocess_input(x.copy()), np.ones((1, 1, 1, 3)))
    np.testing.assert_allclose(resnet.preprocess_input(x.copy())[0, 0, 0], [255 - 103.939, 255 - 116.779, 255 - 123.68])
