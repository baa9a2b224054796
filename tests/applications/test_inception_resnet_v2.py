"""lamina.applications.inception_resnet_v2 against Keras 3: structure, weight files, imagenet cache, preprocessing."""

import os

import numpy as np
import pytest

from lamina.applications import inception_resnet_v2
from tests.applications.h8b_checks import (assert_lamina_matches, check_structure, keras_reference,
                                           structure_backend_only)

_NOTOP = dict(include_top=False, pooling="max")


@structure_backend_only
def test_default_structure_matches_keras(keras):
    count, names, _ = check_structure(keras, inception_resnet_v2.InceptionResNetV2, keras.applications.InceptionResNetV2)
    assert count == 55873736 and names[-1] == "predictions" and "block8_10_conv" in names


@structure_backend_only
def test_no_top_structure_matches_keras(keras):
    check_structure(keras, inception_resnet_v2.InceptionResNetV2, keras.applications.InceptionResNetV2, include_top=False,
                    pooling="avg", input_shape=(80, 90, 3))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Keras's InceptionResNetV2 at its smallest input (75x75), saved as .weights.h5 and legacy .h5."""
    import keras

    return keras_reference(keras, "InceptionResNetV2", tmp_path_factory.mktemp("inception_resnet_v2"),
                           (75, 75, 3), legacy=True, **_NOTOP)


def test_keras_weights_h5_gives_keras_predictions(reference):
    """A Keras 3 .weights.h5 file passed as weights= (the legacy .h5 is loaded by the imagenet test)."""
    x, expected, paths = reference
    model = assert_lamina_matches(inception_resnet_v2.InceptionResNetV2, paths[0], x, expected, **_NOTOP)
    assert tuple(model.output.shape) == (None, 1536)


def test_imagenet_loads_keras_file_name_from_cache(reference, tmp_path, monkeypatch):
    x, expected, paths = reference
    (tmp_path / "models").mkdir()
    os.symlink(paths[1], tmp_path / "models" / "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert_lamina_matches(inception_resnet_v2.InceptionResNetV2, "imagenet", x, expected, **_NOTOP)


def test_imagenet_missing_top_file_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    with pytest.raises(FileNotFoundError, match="inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5"):
        inception_resnet_v2.InceptionResNetV2(weights="imagenet")


def test_argument_errors():
    with pytest.raises(ValueError, match="at least 75"):
        inception_resnet_v2.InceptionResNetV2(weights=None, include_top=False, input_shape=(74, 80, 3))
    with pytest.raises(ValueError, match="classes"):
        inception_resnet_v2.InceptionResNetV2(weights="imagenet", classes=10)


def test_custom_scale_layer_config_and_value():
    from lamina.applications.inception_resnet_v2 import CustomScaleLayer
    from lamina.saving.serialization import deserialize_keras_object, serialize_keras_object

    layer = CustomScaleLayer(0.5, name="s")
    out = layer([np.ones((1, 2), "float32"), np.full((1, 2), 4.0, "float32")])
    np.testing.assert_allclose(np.asarray(out), [[3.0, 3.0]])
    cfg = serialize_keras_object(layer)
    assert cfg["module"] == "keras.src.applications.inception_resnet_v2" and cfg["config"]["scale"] == 0.5
    assert deserialize_keras_object(cfg).scale == 0.5
    with pytest.raises(ValueError, match="two tensors"):
        layer(np.ones((1, 2), "float32"))


def test_preprocess_input_matches_keras(keras):
    x = np.random.default_rng(0).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    expected = keras.applications.inception_resnet_v2.preprocess_input(x.copy())
    np.testing.assert_allclose(inception_resnet_v2.preprocess_input(x.copy()), expected, atol=1e-6)
