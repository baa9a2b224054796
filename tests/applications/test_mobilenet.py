"""MobileNet and MobileNetV2: architecture vs Keras (alpha, depth_multiplier), weight-file parity."""

import numpy as np
import pytest

from lamina.applications import mobilenet, mobilenet_v2
from tests.applications.app_test_utils import check_architecture, check_weight_parity, construction_only, parity_backends


@construction_only
@pytest.mark.parametrize("module,fn,kwargs", [
    (mobilenet, "MobileNet", {"weights": None}),
    (mobilenet, "MobileNet", {"weights": None, "include_top": False, "pooling": "avg"}),
    (mobilenet, "MobileNet", {"weights": None, "alpha": 0.5, "depth_multiplier": 2, "input_shape": (160, 160, 3),
                              "classes": 10}),
    (mobilenet_v2, "MobileNetV2", {"weights": None}),
    (mobilenet_v2, "MobileNetV2", {"weights": None, "include_top": False, "pooling": "max", "alpha": 1.4}),
    (mobilenet_v2, "MobileNetV2", {"weights": None, "alpha": 0.35, "input_shape": (96, 96, 3), "classes": 3}),
    (mobilenet_v2, "MobileNetV2", {"weights": None, "alpha": 0.75, "include_top": False, "input_shape": (33, 47, 3)}),
])
def test_architecture_matches_keras(module, fn, kwargs, keras):
    check_architecture(getattr(module, fn), getattr(keras.applications, fn), kwargs, keras)


@parity_backends
def test_mobilenet_weights_file_parity(tmp_path, keras):
    kwargs = {"input_shape": (32, 32, 3), "alpha": 0.25, "classes": 4, "classifier_activation": None}
    check_weight_parity(mobilenet.MobileNet, keras.applications.MobileNet, kwargs, tmp_path, keras, scale=1.0)


@parity_backends
@pytest.mark.parametrize("legacy", [False, True])
def test_mobilenet_v2_weights_file_parity(legacy, tmp_path, keras):
    kwargs = {"input_shape": (35, 35, 3), "alpha": 0.35, "include_top": False, "pooling": "avg"}
    check_weight_parity(mobilenet_v2.MobileNetV2, keras.applications.MobileNetV2, kwargs, tmp_path, keras,
                        legacy=legacy, scale=1.0)


def test_imagenet_argument_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "l"))
    with pytest.raises(ValueError, match="depth_multiplier"):
        mobilenet.MobileNet(depth_multiplier=2)
    with pytest.raises(ValueError, match="alpha"):
        mobilenet_v2.MobileNetV2(alpha=0.6)
    with pytest.raises(FileNotFoundError, match="mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"):
        mobilenet_v2.MobileNetV2(alpha=0.35, include_top=False, input_shape=(96, 96, 3))
    with pytest.raises(FileNotFoundError, match="mobilenet_5_0_128_tf.h5"):
        mobilenet.MobileNet(alpha=0.5, input_shape=(128, 128, 3))


def test_default_names_and_preprocess():
    assert mobilenet_v2.MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3)).name == "mobilenetv2_0.35_96"
    assert mobilenet.MobileNet(weights=None, alpha=0.25, input_shape=(32, 32, 3)).name == "mobilenet_0.25_32"
    np.testing.assert_allclose(mobilenet.preprocess_input(np.array([[[[0.0, 127.5, 255.0]]]])), [[[[-1, 0, 1]]]])
