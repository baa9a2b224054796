"""DenseNet121/169/201: architecture vs Keras, weight-file parity."""

import numpy as np
import pytest

from lamina.applications import densenet
from tests.applications.app_test_utils import check_architecture, check_weight_parity, construction_only, parity_backends


@construction_only
@pytest.mark.parametrize("fn,kwargs", [
    ("DenseNet121", {"weights": None}),
    ("DenseNet121", {"weights": None, "include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    ("DenseNet169", {"weights": None, "include_top": False, "pooling": "max"}),
    ("DenseNet201", {"weights": None}),
])
def test_architecture_matches_keras(fn, kwargs, keras):
    check_architecture(getattr(densenet, fn), getattr(keras.applications, fn), kwargs, keras)


@parity_backends
def test_densenet121_weights_file_parity(tmp_path, keras):
    kwargs = {"input_shape": (32, 32, 3), "classes": 6, "classifier_activation": None}
    check_weight_parity(densenet.DenseNet121, keras.applications.DenseNet121, kwargs, tmp_path, keras, scale=1.0)


def test_preprocess_is_torch_mode():
    x = np.full((1, 1, 1, 3), 255.0)
    expected = (1.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(densenet.preprocess_input(x)[0, 0, 0], expected, rtol=1e-6)


def test_channels_first_is_refused():
    import lamina

    lamina.config.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="channels_first"):
            densenet.DenseNet121(weights=None)
    finally:
        lamina.config.set_image_data_format("channels_last")
