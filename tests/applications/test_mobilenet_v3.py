"""MobileNetV3Small/Large: architecture vs Keras (alpha, minimalistic, include_preprocessing), weight parity."""

import numpy as np
import pytest

from lamina.applications import mobilenet_v3
from tests.applications.app_test_utils import check_architecture, check_weight_parity, construction_only, parity_backends


@construction_only
@pytest.mark.parametrize("fn,kwargs", [
    ("MobileNetV3Small", {"weights": None}),
    ("MobileNetV3Small", {"weights": None, "include_top": False, "pooling": "avg", "alpha": 0.75}),
    ("MobileNetV3Small", {"weights": None, "minimalistic": True, "include_preprocessing": False,
                          "input_shape": (64, 48, 3), "classes": 7}),
    ("MobileNetV3Large", {"weights": None}),
    ("MobileNetV3Large", {"weights": None, "include_top": False, "pooling": "max", "alpha": 1.25}),
    ("MobileNetV3Large", {"weights": None, "minimalistic": True, "dropout_rate": 0.0}),
])
def test_architecture_matches_keras(fn, kwargs, keras):
    check_architecture(getattr(mobilenet_v3, fn), getattr(keras.applications, fn), kwargs, keras)


@parity_backends
@pytest.mark.parametrize("fn,kwargs", [
    ("MobileNetV3Small", {"input_shape": (32, 32, 3), "classes": 5, "classifier_activation": None}),
    ("MobileNetV3Large", {"input_shape": (32, 32, 3), "include_top": False, "pooling": "avg", "minimalistic": True}),
])
def test_weights_file_parity(fn, kwargs, tmp_path, keras):
    check_weight_parity(getattr(mobilenet_v3, fn), getattr(keras.applications, fn), kwargs, tmp_path, keras)


def test_imagenet_checks_and_file_names(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "l"))
    with pytest.raises(ValueError, match="alpha"):
        mobilenet_v3.MobileNetV3Small(alpha=0.5)
    with pytest.raises(ValueError, match="at least 32x32"):
        mobilenet_v3.MobileNetV3Small(weights=None, input_shape=(16, 16, 3))
    with pytest.raises(FileNotFoundError, match="weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"):
        mobilenet_v3.MobileNetV3Small(include_top=False, input_shape=(224, 224, 3))
    with pytest.raises(FileNotFoundError, match="weights_mobilenet_v3_large_minimalistic_224_1.0_float.h5"):
        mobilenet_v3.MobileNetV3Large(minimalistic=True, input_shape=(224, 224, 3))


def test_preprocess_input_is_identity():
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    assert mobilenet_v3.preprocess_input(x) is x
