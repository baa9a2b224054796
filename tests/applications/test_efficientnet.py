"""lamina.applications.efficientnet against Keras 3: structure of B0-B7, weight files, imagenet variant."""

import math
import os

import numpy as np
import pytest

from lamina.applications import efficientnet
from tests.applications.h8b_checks import (assert_lamina_matches, check_structure, keras_reference,
                                           structure_backend_only)

_NOTOP = dict(include_top=False, pooling="avg")
_VARIANTS = ["B0", "B1", "B2", "B3", "B4", "B5", "B6", "B7"]


@structure_backend_only
@pytest.mark.parametrize("variant", _VARIANTS)
def test_default_structure_matches_keras(keras, variant):
    fn = f"EfficientNet{variant}"
    count, names, _ = check_structure(keras, getattr(efficientnet, fn), getattr(keras.applications, fn))
    assert (variant != "B0" or count == 5330571) and names[:3] == ["input_layer", "rescaling", "normalization"]


@structure_backend_only
@pytest.mark.parametrize("variant,pooling", [("B0", "max"), ("B1", "avg")])
def test_no_top_structure_matches_keras(keras, variant, pooling):
    fn = f"EfficientNet{variant}"
    check_structure(keras, getattr(efficientnet, fn), getattr(keras.applications, fn), include_top=False,
                    pooling=pooling, input_shape=(64, 48, 3))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Keras's EfficientNetB0 at its smallest input (32x32), saved as .weights.h5 and legacy .h5."""
    import keras

    return keras_reference(keras, "EfficientNetB0", tmp_path_factory.mktemp("efficientnet"), (32, 32, 3),
                           legacy=True, **_NOTOP)


def test_keras_weights_h5_gives_keras_predictions(reference):
    """A Keras 3 .weights.h5 file passed as weights= (the legacy .h5 is loaded by the imagenet test)."""
    x, expected, paths = reference
    model = assert_lamina_matches(efficientnet.EfficientNetB0, paths[0], x, expected, **_NOTOP)
    assert tuple(model.output.shape) == (None, 1280)


def test_imagenet_adds_keras_input_rescaling(reference, tmp_path, monkeypatch):
    """weights='imagenet' loads efficientnetb0_notop.h5 and, as Keras, rescales by 1/sqrt(ImageNet std)."""
    x, expected, paths = reference
    (tmp_path / "models").mkdir()
    os.symlink(paths[1], tmp_path / "models" / "efficientnetb0_notop.h5")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    # Normalization holds mean 0 / variance 1, so the extra Rescaling equals scaling the pixels first.
    stretch = np.asarray([math.sqrt(s) for s in efficientnet.IMAGENET_STDDEV_RGB], "float32")
    model = assert_lamina_matches(efficientnet.EfficientNetB0, "imagenet", x * stretch,
                                  expected, **_NOTOP)
    assert [layer.name for layer in model.layers[1:4]] == ["rescaling", "normalization", "rescaling_1"]


def test_imagenet_missing_file_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    with pytest.raises(FileNotFoundError, match="efficientnetb0.h5"):
        efficientnet.EfficientNetB0(weights="imagenet")


def test_argument_errors():
    with pytest.raises(ValueError, match="at least 32"):
        efficientnet.EfficientNetB0(weights=None, include_top=False, input_shape=(16, 40, 3))
    with pytest.raises(ValueError, match="repeats"):
        efficientnet.EfficientNet(1.0, 1.0, 224, weights=None, blocks_args=[dict(
            kernel_size=3, repeats=0, filters_in=32, filters_out=16, expand_ratio=1, id_skip=True, strides=1,
            se_ratio=0.25)])


def test_preprocess_input_is_identity_as_in_keras(keras):
    x = np.random.default_rng(0).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    np.testing.assert_array_equal(efficientnet.preprocess_input(x), keras.applications.efficientnet.preprocess_input(x))
