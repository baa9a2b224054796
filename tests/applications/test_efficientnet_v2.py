"""lamina.applications.efficientnet_v2 against Keras 3: structure of B0-B3/S/M/L, weight files, preprocessing."""

import os

import numpy as np
import pytest

from lamina.applications import efficientnet_v2
from tests.applications.h8b_checks import (assert_lamina_matches, check_structure, keras_reference,
                                           structure_backend_only)

_NOTOP = dict(include_top=False, pooling="avg")


@structure_backend_only
@pytest.mark.parametrize("variant", ["B0", "B1", "B2", "B3", "S", "M", "L"])
def test_default_structure_matches_keras(keras, variant):
    fn = f"EfficientNetV2{variant}"
    count, names, _ = check_structure(keras, getattr(efficientnet_v2, fn), getattr(keras.applications, fn))
    assert variant != "B0" or count == 7200312
    # B variants normalize with ImageNet statistics; S/M/L only rescale to [-1, 1].
    assert ("normalization" in names) == variant.startswith("B")


@structure_backend_only
@pytest.mark.parametrize("variant,pooling,prep", [("B0", "max", True), ("B1", "avg", False)])
def test_no_top_structure_matches_keras(keras, variant, pooling, prep):
    fn = f"EfficientNetV2{variant}"
    check_structure(keras, getattr(efficientnet_v2, fn), getattr(keras.applications, fn), include_top=False,
                    pooling=pooling, input_shape=(64, 48, 3), include_preprocessing=prep)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Keras's EfficientNetV2B0 at its smallest input (32x32), saved as .weights.h5 and legacy .h5."""
    import keras

    return keras_reference(keras, "EfficientNetV2B0", tmp_path_factory.mktemp("efficientnet_v2"), (32, 32, 3),
                           legacy=True, **_NOTOP)


def test_keras_weights_h5_gives_keras_predictions(reference):
    """A Keras 3 .weights.h5 file passed as weights= (the legacy .h5 is loaded by the imagenet test)."""
    x, expected, paths = reference
    model = assert_lamina_matches(efficientnet_v2.EfficientNetV2B0, paths[0], x, expected, **_NOTOP)
    assert tuple(model.output.shape) == (None, 1280)


def test_imagenet_loads_keras_file_name_from_cache(reference, tmp_path, monkeypatch):
    x, expected, paths = reference
    (tmp_path / "models").mkdir()
    os.symlink(paths[1], tmp_path / "models" / "efficientnetv2-b0_notop.h5")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert_lamina_matches(efficientnet_v2.EfficientNetV2B0, "imagenet", x, expected, **_NOTOP)


def test_imagenet_missing_file_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    with pytest.raises(FileNotFoundError, match="efficientnetv2-b0.h5"):
        efficientnet_v2.EfficientNetV2B0(weights="imagenet")


def test_argument_errors():
    with pytest.raises(ValueError, match="at least 32"):
        efficientnet_v2.EfficientNetV2B0(weights=None, include_top=False, input_shape=(16, 40, 3))
    with pytest.raises(ValueError, match="known model name"):
        efficientnet_v2.EfficientNetV2(1.0, 1.0, 224, name="custom", weights=None)
    with pytest.raises(ValueError, match="classes"):
        efficientnet_v2.EfficientNetV2S(weights="imagenet", classes=3)


def test_custom_name_keeps_variant_preprocessing():
    model = efficientnet_v2.EfficientNetV2B0(weights=None, include_top=False, input_shape=(32, 32, 3), name="mine")
    assert model.name == "mine" and model.layers[2].name == "normalization"


def test_preprocess_input_is_identity_as_in_keras(keras):
    x = np.random.default_rng(0).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    np.testing.assert_array_equal(efficientnet_v2.preprocess_input(x),
                                  keras.applications.efficientnet_v2.preprocess_input(x))
