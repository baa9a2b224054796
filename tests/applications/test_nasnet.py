"""lamina.applications.nasnet against Keras 3: structure, weight files, imagenet cache, preprocessing."""

import os

import numpy as np
import pytest

from lamina.applications import nasnet
from tests.applications.h8b_checks import (BACKEND, assert_lamina_matches, check_structure, keras_reference,
                                           structure_backend_only)

_NOTOP = dict(include_top=False, pooling="avg")


def _keras_mobile(keras):
    """Keras's NASNetMobile; on torch Keras refuses it, so call its generic builder with the same arguments."""
    if BACKEND != "torch":
        return "NASNetMobile"
    from keras.src.applications.nasnet import NASNet

    def build(input_shape=None, include_top=True, weights=None, pooling=None, **kwargs):
        if not include_top and input_shape is None:
            input_shape = (224, 224, 3)
        return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                      skip_reduction=False, filter_multiplier=2, include_top=include_top, weights=weights,
                      pooling=pooling, default_size=224, name="nasnet_mobile", **kwargs)

    return build


@structure_backend_only
def test_mobile_structure_matches_keras(keras):
    count, names, weights = check_structure(keras, nasnet.NASNetMobile, keras.applications.NASNetMobile)
    assert count == 5326716 and names[-1] == "predictions"
    assert weights[5][0] == "reduction_A_block_stem_1/reduction_conv_1_stem_1/kernel"  # name scopes in paths
    check_structure(keras, nasnet.NASNetMobile, keras.applications.NASNetMobile, include_top=False,
                    pooling="max", input_shape=(40, 48, 3))


@structure_backend_only
def test_large_structure_matches_keras(keras):
    count, names, _ = check_structure(keras, nasnet.NASNetLarge, keras.applications.NASNetLarge,
                                      include_top=False, pooling="avg", input_shape=(64, 64, 3))
    assert count == 84916818 and "normal_concat_17" in names and "reduction_concat_reduce_12" in names


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Keras's NASNetMobile at its smallest input (32x32), saved as .weights.h5 and legacy .h5."""
    import keras

    return keras_reference(keras, _keras_mobile(keras), tmp_path_factory.mktemp("nasnet"), (32, 32, 3),
                           legacy=True, **_NOTOP)


def test_keras_weights_h5_gives_keras_predictions(reference):
    """A Keras 3 .weights.h5 file passed as weights= (the legacy .h5 is loaded by the imagenet test)."""
    x, expected, paths = reference
    model = assert_lamina_matches(nasnet.NASNetMobile, paths[0], x, expected, **_NOTOP)
    assert tuple(model.output.shape) == (None, 1056)


def test_imagenet_loads_keras_file_name_from_cache(reference, tmp_path, monkeypatch):
    x, expected, paths = reference
    (tmp_path / "models").mkdir()
    os.symlink(paths[1], tmp_path / "models" / "nasnet_mobile_no_top.h5")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert_lamina_matches(nasnet.NASNetMobile, "imagenet", x, expected, **_NOTOP)


@pytest.mark.parametrize("fn,file_name", [(nasnet.NASNetMobile, "nasnet_mobile.h5"),
                                          (nasnet.NASNetLarge, "nasnet_large.h5")])
def test_imagenet_missing_top_file_error(tmp_path, monkeypatch, fn, file_name):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    with pytest.raises(FileNotFoundError, match=file_name):
        fn(weights="imagenet")


def test_argument_errors(monkeypatch):
    with pytest.raises(ValueError, match="at least 32"):
        nasnet.NASNetMobile(weights=None, include_top=False, input_shape=(31, 40, 3))
    with pytest.raises(ValueError, match="static"):
        nasnet.NASNetMobile(input_shape=(None, None, 3), include_top=False)
    with pytest.raises(ValueError, match="multiple of 24"):
        nasnet.NASNet((32, 32, 3), penultimate_filters=100, include_top=False, weights=None)
    monkeypatch.setattr(nasnet.config, "image_data_format", lambda: "channels_first")
    with pytest.raises(ValueError, match="channels_last"):
        nasnet.NASNetMobile(weights=None)


def test_preprocess_input_matches_keras(keras):
    x = np.random.default_rng(0).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    expected = keras.applications.nasnet.preprocess_input(x.copy())
    np.testing.assert_allclose(nasnet.preprocess_input(x.copy()), expected, atol=1e-6)
