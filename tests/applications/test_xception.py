"""lamina.applications.xception against Keras 3: structure, weight files, imagenet cache, preprocessing."""

import os

import numpy as np
import pytest

import lamina
from lamina.applications import xception
from tests.applications.h8b_checks import (assert_lamina_matches, check_structure, keras_reference,
                                           structure_backend_only)


@structure_backend_only
def test_default_structure_matches_keras(keras):
    count, names, _ = check_structure(keras, xception.Xception, keras.applications.Xception)
    assert count == 22910480 and names[-1] == "predictions"


@structure_backend_only
@pytest.mark.parametrize("pooling", ["avg", "max", None])
def test_no_top_structure_matches_keras(keras, pooling):
    check_structure(keras, xception.Xception, keras.applications.Xception, include_top=False,
                    pooling=pooling, input_shape=(96, 80, 3))


_NOTOP = dict(include_top=False, pooling="avg")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Keras's Xception at its smallest size: weights saved as .weights.h5 and legacy .h5, and its output."""
    import keras

    return keras_reference(keras, "Xception", tmp_path_factory.mktemp("xception"), (71, 71, 3),
                           legacy=True, **_NOTOP)


def test_keras_weights_h5_gives_keras_predictions(reference):
    """A Keras 3 .weights.h5 file passed as weights= (the legacy .h5 is loaded by the imagenet test)."""
    x, expected, paths = reference
    model = assert_lamina_matches(xception.Xception, paths[0], x, expected, **_NOTOP)
    assert tuple(model.output.shape) == (None, 2048)


def test_imagenet_loads_keras_file_name_from_cache(reference, tmp_path, monkeypatch):
    """weights='imagenet' loads the no-top file under Keras's own name from $KERAS_HOME/models."""
    x, expected, paths = reference
    (tmp_path / "models").mkdir()
    os.symlink(paths[1], tmp_path / "models" / "xception_weights_tf_dim_ordering_tf_kernels_notop.h5")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert_lamina_matches(xception.Xception, "imagenet", x, expected, **_NOTOP)


@pytest.mark.parametrize("include_top,file_name", [
    (True, "xception_weights_tf_dim_ordering_tf_kernels.h5"),
    (False, "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"),
])
def test_imagenet_missing_file_error_names_file_and_folders(tmp_path, monkeypatch, include_top, file_name):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "l"))
    with pytest.raises(FileNotFoundError) as err:
        xception.Xception(weights="imagenet", include_top=include_top)
    msg = str(err.value)
    assert file_name in msg
    assert str(tmp_path / "k" / "models") in msg and str(tmp_path / "l" / "models") in msg


def test_argument_errors():
    with pytest.raises(ValueError, match="weights"):
        xception.Xception(weights="no/such/file.h5")
    with pytest.raises(ValueError, match="classes"):
        xception.Xception(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="at least 71"):
        xception.Xception(weights=None, include_top=False, input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="classifier_activation"):
        xception.Xception(weights="imagenet", classifier_activation="relu")


def test_input_tensor_is_used(keras):
    inp = lamina.layers.Input((75, 75, 3))
    model = xception.Xception(weights=None, include_top=False, input_tensor=inp, pooling="max")
    assert model.inputs[0] is inp
    assert tuple(model.output.shape) == (None, 2048)


def test_preprocess_input_matches_keras(keras):
    x = np.random.default_rng(0).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    expected = keras.applications.xception.preprocess_input(x.copy())
    np.testing.assert_allclose(xception.preprocess_input(x.copy()), expected, atol=1e-6)
    assert xception.decode_predictions is not None and xception.__all__[0] == "Xception"


def test_families_are_exported_from_lamina_applications():
    import lamina.applications as apps

    for name in ("Xception", "InceptionV3", "InceptionResNetV2", "NASNetMobile", "NASNetLarge", "EfficientNetB7",
                 "EfficientNetV2L"):
        assert callable(getattr(apps, name))
    assert apps.Xception is xception.Xception and apps.efficientnet_v2.EfficientNetV2S.__name__ == "EfficientNetV2S"
