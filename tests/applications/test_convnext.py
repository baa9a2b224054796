"""ConvNeXt Tiny..XLarge: architecture vs Keras, weight-file parity, Keras .keras files with LayerScale."""

import numpy as np
import pytest

import lamina
from lamina.applications import convnext
from tests.applications.app_test_utils import (check_architecture, check_weight_parity, construction_only,
                                               parity_backends, slow)

SMALL = {"weights": None, "include_top": False, "input_shape": (32, 32, 3)}


@construction_only
@pytest.mark.parametrize("fn,kwargs", [
    ("ConvNeXtTiny", {"weights": None}),
    ("ConvNeXtTiny", {"weights": None, "include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    ("ConvNeXtTiny", {"weights": None, "include_top": False, "include_preprocessing": False,
                      "input_shape": (40, 40, 1)}),
    ("ConvNeXtSmall", dict(SMALL, pooling="max")),
    ("ConvNeXtBase", SMALL),
    pytest.param("ConvNeXtSmall", {"weights": None}, marks=slow),
    pytest.param("ConvNeXtBase", {"weights": None}, marks=slow),
    pytest.param("ConvNeXtLarge", {"weights": None}, marks=slow),
    pytest.param("ConvNeXtXLarge", {"weights": None}, marks=slow),
])
def test_architecture_matches_keras(fn, kwargs, keras):
    check_architecture(getattr(convnext, fn), getattr(keras.applications, fn), kwargs, keras)


@slow
@construction_only
def test_large_variants_match_keras_without_top(keras):
    for fn in ("ConvNeXtLarge", "ConvNeXtXLarge"):
        check_architecture(getattr(convnext, fn), getattr(keras.applications, fn), SMALL, keras)


def test_variant_configs_equal_keras(keras):
    """Large/XLarge share the builder checked above; their stage depths and widths must be Keras's."""
    from keras.src.applications import convnext as keras_convnext

    assert convnext.MODEL_CONFIGS == keras_convnext.MODEL_CONFIGS


@parity_backends
def test_convnext_tiny_weights_file_parity(tmp_path, keras):
    kwargs = {"input_shape": (32, 32, 3), "classes": 5, "classifier_activation": None}
    check_weight_parity(convnext.ConvNeXtTiny, keras.applications.ConvNeXtTiny, kwargs, tmp_path, keras, atol=2e-4)


def test_layer_scale_and_stochastic_depth():
    x = np.ones((2, 3, 4), "float32")
    scale = convnext.LayerScale(0.5, 4)
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(scale(x)), 0.5 * x)
    assert [tuple(w.shape) for w in scale.weights] == [(4,)]
    assert convnext.LayerScale.from_config(scale.get_config()).projection_dim == 4
    with pytest.raises(ValueError, match="LayerScale.*projection_dim=3"):
        convnext.LayerScale(0.5, 3)(x)
    drop = convnext.StochasticDepth(0.5)
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(drop(x, training=False)), x)
    out = lamina.ops.convert_to_numpy(convnext.StochasticDepth(0.5)(np.ones((64, 2), "float32"), training=True))
    assert set(np.unique(out)) <= {0.0, 2.0} and 0 < (out == 0).sum() < out.size
    assert drop.get_config()["drop_path_rate"] == 0.5


def test_imagenet_name_check_and_file_name(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "l"))
    with pytest.raises(ValueError, match="convnext_tiny"):
        convnext.ConvNeXtTiny(name="my_model", include_top=False)
    with pytest.raises(FileNotFoundError, match="convnext_tiny_notop.h5"):
        convnext.ConvNeXtTiny(include_top=False)


def test_layer_scale_config_written_by_keras_resolves(keras):
    """Keras writes module 'keras.src.applications.convnext' for LayerScale; lamina resolves it to its own."""
    from keras.src.applications.convnext import LayerScale as KerasLayerScale

    config = keras.saving.serialize_keras_object(KerasLayerScale(1e-6, 8, name="ls"))
    layer = lamina.saving.deserialize_keras_object(config)
    assert isinstance(layer, convnext.LayerScale) and (layer.init_values, layer.projection_dim) == (1e-6, 8)
    assert lamina.saving.serialize_keras_object(layer)["module"] == config["module"]


@parity_backends
def test_lamina_keras_archive_round_trip(tmp_path):
    model = convnext.ConvNeXtTiny(weights=None, include_top=False, pooling="avg", input_shape=(32, 32, 3))
    path = str(tmp_path / "convnext.keras")
    model.save(path)
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    loaded = lamina.saving.load_model(path)
    assert any(isinstance(layer, convnext.LayerScale) for layer in loaded.layers)
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), np.asarray(model.predict(x, verbose=0)),
                               atol=1e-5)
