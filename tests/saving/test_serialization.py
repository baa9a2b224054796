"""The serialization registry: Keras-shaped configs both ways, and nothing outside the registry is ever created."""

import os

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import serialization as ser


def test_layer_round_trip_and_keras_shape():
    dense = layers.Dense(3, activation="relu", name="d")
    config = ser.serialize_keras_object(dense)
    assert config["module"] == "keras.layers" and config["class_name"] == "Dense"
    assert config["registered_name"] is None
    restored = ser.deserialize_keras_object(config)
    assert isinstance(restored, layers.Dense) and restored.units == 3 and restored.name == "d"


def test_keras_written_layer_config_loads(keras):
    config = keras.saving.serialize_keras_object(keras.layers.Dense(4, activation="tanh", use_bias=False))
    layer = layers.deserialize(config)
    assert isinstance(layer, layers.Dense) and layer.units == 4 and not layer.use_bias


def test_legacy_module_less_layer_config_loads():
    layer = layers.deserialize({"class_name": "Dense", "config": {"units": 2, "name": "legacy"}})
    assert layer.units == 2


@pytest.mark.parametrize("module,name", [("os", "system"), ("builtins", "eval"), ("subprocess", "Popen"),
                                         ("keras.src.saving.saving_api", "load_model"), (None, "Popen")])
def test_unknown_or_hostile_classes_are_refused(tmp_path, module, name):
    marker = tmp_path / "pwned"
    config = {"module": module, "class_name": name, "config": {"command": f"touch {marker}"},
              "registered_name": None}
    with pytest.raises(ValueError, match="never imports a module"):
        ser.deserialize_keras_object(config)
    assert not marker.exists()


def test_module_less_config_does_not_cross_families():
    from lamina import initializers

    with pytest.raises(ValueError):
        initializers.deserialize({"class_name": "Dense", "config": {"units": 2}})


def test_registered_custom_class_and_custom_objects():
    @ser.register_keras_serializable(package="tests")
    class Doubler(layers.Layer):
        def call(self, x):
            return x * 2

    config = ser.serialize_keras_object(Doubler(name="dbl"))
    assert config["registered_name"] == "tests>Doubler"
    assert isinstance(ser.deserialize_keras_object(config), Doubler)

    class Local(layers.Layer):
        pass

    local_config = ser.serialize_keras_object(Local())
    with pytest.raises(ValueError):
        ser.deserialize_keras_object(local_config)
    assert isinstance(ser.deserialize_keras_object(local_config, custom_objects={"Local": Local}), Local)
    with ser.custom_object_scope({"Local": Local}):
        assert isinstance(ser.deserialize_keras_object(local_config), Local)


def test_auto_config_for_simple_custom_layers():
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

    config = Scale(factor=3.0, name="s").get_config()
    assert config["factor"] == 3.0 and config["name"] == "s"
    assert Scale.from_config(config).factor == 3.0
