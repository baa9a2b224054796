"""Layer assets in .keras archives: Keras's layout, round trips, and no escape from the archive."""

import os
import zipfile

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import UnsafeFileError


@lamina.saving.register_keras_serializable(package="assets_test")
class Vocabulary(layers.Layer):
    """Maps each input to the length of a word list kept as an asset (not in the config)."""

    def __init__(self, words=None, **kwargs):
        super().__init__(**kwargs)
        self.words = list(words or [])
        self.loaded_from = "unset"

    def call(self, x):
        return x * float(len(self.words))

    def save_assets(self, dir_path):
        with open(os.path.join(dir_path, "vocabulary.txt"), "w") as f:
            f.write("\n".join(self.words))

    def load_assets(self, dir_path):
        self.loaded_from = dir_path
        if dir_path is None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt")) as f:
            self.words = f.read().split("\n")


def _model(words):
    inputs = lamina.Input((2,))
    return lamina.Model(inputs, Vocabulary(words, name="vocab")(inputs))


def test_assets_round_trip_in_keras_layout(tmp_path):
    path = tmp_path / "m.keras"
    _model(["a", "b", "c"]).save(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("assets/layers/vocabulary/vocabulary.txt") == b"a\nb\nc"
    restored = lamina.models.load_model(path)
    layer = restored.get_layer("vocab")
    assert layer.words == ["a", "b", "c"]
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(restored(np.ones((1, 2), "float32"))), 3.0)
    assert not os.path.exists(layer.loaded_from)  # the temporary folder is gone after loading


def test_archive_without_assets_calls_no_load_assets(tmp_path):
    path = tmp_path / "m.keras"
    _model(["a"]).save(path)
    stripped = tmp_path / "stripped.keras"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(stripped, "w") as dst:
        for name in src.namelist():
            if not name.startswith("assets/"):
                dst.writestr(name, src.read(name))
    restored = lamina.models.load_model(stripped)
    assert restored.get_layer("vocab").loaded_from == "unset"


@pytest.mark.parametrize("member", ["assets/../../escaped.txt", "/assets/abs.txt", "assets\\..\\x.txt"])
def test_asset_members_cannot_escape(tmp_path, member):
    path = tmp_path / "m.keras"
    _model(["a"]).save(path)
    hostile = tmp_path / "hostile.keras"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(hostile, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
        dst.writestr(member, b"owned")
    with pytest.raises(UnsafeFileError, match="hostile.keras"):
        lamina.models.load_model(hostile)
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_keras_reads_lamina_assets_and_lamina_reads_keras_assets(tmp_path, keras):
    @keras.saving.register_keras_serializable(package="assets_test", name="Vocabulary")
    class Vocabulary(keras.layers.Layer):  # same class name: Keras paths assets by it
        def __init__(self, words=None, **kwargs):
            super().__init__(**kwargs)
            self.words = list(words or [])

        def call(self, x):
            return x * float(len(self.words))

        def save_assets(self, dir_path):
            with open(os.path.join(dir_path, "vocabulary.txt"), "w") as f:
                f.write("\n".join(self.words))

        def load_assets(self, dir_path):
            with open(os.path.join(dir_path, "vocabulary.txt")) as f:
                self.words = f.read().split("\n")

    ours = tmp_path / "lamina.keras"
    _model(["x", "y"]).save(ours)
    from_lamina = keras.models.load_model(ours)
    assert from_lamina.get_layer("vocab").words == ["x", "y"]

    inputs = keras.Input((2,))
    theirs = tmp_path / "keras.keras"
    keras.Model(inputs, Vocabulary(["p", "q", "r", "s"], name="vocab")(inputs)).save(theirs)
    assert lamina.models.load_model(theirs).get_layer("vocab").words == ["p", "q", "r", "s"]
