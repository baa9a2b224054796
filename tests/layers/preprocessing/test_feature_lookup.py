"""StringLookup, IntegerLookup and TextVectorization: Keras's documented outputs (Keras needs TensorFlow for
these layers, so expectations come from its docstrings/tests or are computed by hand), saving with assets,
string inputs through Functional models, predict and fit."""

import math
import os

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import BACKEND, requires_training, to_np

INT = "int32" if BACKEND == "jax" else "int64"
VOCAB = ["a", "b", "c", "d"]
DATA = [["a", "c", "d"], ["d", "z", "b"]]
DATA4 = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]


def _eq(out, expected, dtype=None):
    arr = to_np(out)
    np.testing.assert_allclose(arr, np.asarray(expected, dtype="float64"), rtol=1e-6, atol=1e-6)
    if dtype is not None:
        assert str(arr.dtype) == dtype


# ------------------------------------------------------------------ StringLookup
@pytest.mark.parametrize("kwargs,data,expected,dtype", [
    ({"vocabulary": VOCAB}, DATA, [[1, 3, 4], [4, 0, 2]], INT),
    ({"vocabulary": VOCAB, "num_oov_indices": 2}, [["a", "c", "d"], ["m", "z", "b"]], [[2, 4, 5], [0, 1, 3]], INT),
    ({"vocabulary": VOCAB, "output_mode": "one_hot"}, ["a", "b", "c", "d", "z"], np.eye(5)[[1, 2, 3, 4, 0]],
     "float32"),
    ({"vocabulary": VOCAB, "output_mode": "multi_hot"}, DATA4, [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]], "float32"),
    ({"vocabulary": VOCAB, "output_mode": "count"}, DATA4, [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]], "float32"),
    ({"vocabulary": VOCAB, "output_mode": "tf_idf", "idf_weights": [0.25, 0.75, 0.6, 0.4]}, DATA4,
     [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], "float32"),
    ({"vocabulary": ["[UNK]"] + VOCAB, "output_mode": "tf_idf", "idf_weights": [0.9, 0.25, 0.75, 0.6, 0.4]}, DATA4,
     [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]], "float32"),
    ({"vocabulary": VOCAB, "mask_token": ""}, [["a", "", "z"]], [[2, 0, 1]], INT),
    ({"vocabulary": VOCAB, "mask_token": "", "output_mode": "multi_hot"}, [["a", "", "z"]], [[1, 1, 0, 0, 0]],
     "float32"),
])
def test_string_lookup_documented_outputs(kwargs, data, expected, dtype):
    _eq(layers.StringLookup(**kwargs)(data), expected, dtype)


def test_string_lookup_adapt_invert_and_vocabulary():
    layer = layers.StringLookup()
    layer.adapt(DATA)
    # By count, ties broken by token order high to low (Keras's docstring).
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["d", "z", "c", "b", "a"]
    assert layer.vocabulary_size() == 6
    _eq(layer(DATA), [[5, 3, 1], [1, 2, 4]])
    inverse = layers.StringLookup(vocabulary=VOCAB, invert=True)
    out = inverse(layers.StringLookup(vocabulary=VOCAB)(DATA))
    assert np.asarray(out).tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    masked = layers.StringLookup(vocabulary=VOCAB, mask_token="[MASK]")
    assert masked.get_vocabulary() == ["[MASK]", "[UNK]"] + VOCAB
    # A vocabulary that already starts with the special tokens is taken as is.
    same = layers.StringLookup(vocabulary=["[MASK]", "[UNK]"] + VOCAB, mask_token="[MASK]")
    assert same.get_vocabulary() == masked.get_vocabulary()
    # Bytes inputs decode with the layer's encoding; max_tokens truncates the adapted vocabulary.
    _eq(layers.StringLookup(vocabulary=VOCAB)(np.array([b"c", b"q"])), [3, 0])
    small = layers.StringLookup(max_tokens=3)
    small.adapt(DATA)
    assert small.get_vocabulary() == ["[UNK]", "d", "z"]


def test_string_lookup_tf_idf_adapt_by_hand():
    docs = [["x", "y", "y"], ["y", "z", "z"], ["w", "w", "w"]]
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt(docs)
    assert layer.get_vocabulary() == ["[UNK]", "y", "w", "z", "x"]
    idf = {t: math.log(1 + 3 / (1 + n)) for t, n in {"y": 2, "w": 1, "z": 1, "x": 1}.items()}
    weights = [idf["y"], idf["w"], idf["z"], idf["x"]]
    expected_weights = [np.float32(weights).mean()] + weights
    np.testing.assert_allclose(layer.idf_weights, expected_weights, rtol=1e-6)
    _eq(layer([["y", "y", "q"]]), [[expected_weights[0], 2 * idf["y"], 0, 0, 0]])


def test_string_lookup_errors(tmp_path):
    with pytest.raises(ValueError, match="repeated term.*'b'"):
        layers.StringLookup(vocabulary=["a", "b", "b"])
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\nb\n")
    with pytest.raises(ValueError, match="vocabulary file .*vocab.txt has repeated terms.*'b'"):
        layers.StringLookup(vocabulary=str(path))
    with pytest.raises(ValueError, match="does not exist"):
        layers.StringLookup(vocabulary=str(tmp_path / "missing.txt"))
    with pytest.raises(ValueError, match="num_oov_indices=0.*'z'"):
        layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)(DATA)
    with pytest.raises(ValueError, match="expects string inputs"):
        layers.StringLookup(vocabulary=VOCAB)(np.array([1, 2]))
    with pytest.raises(ValueError, match="mask token"):
        layers.StringLookup(vocabulary=["a", "", "b"], mask_token="")
    with pytest.raises(ValueError, match="max_tokens"):
        layers.StringLookup(vocabulary=VOCAB, max_tokens=3)
    with pytest.raises(ValueError, match="output_mode"):
        layers.StringLookup(output_mode="bogus")
    with pytest.raises(ValueError, match="invert"):
        layers.StringLookup(invert=True, output_mode="multi_hot")
    with pytest.raises(RuntimeError, match="set the vocabulary"):
        layers.StringLookup(output_mode="multi_hot")(DATA)
    with pytest.raises(ValueError, match="Cannot adapt"):
        layers.StringLookup(vocabulary=VOCAB).adapt(DATA)


def test_string_lookup_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\nd\n")
    layer = layers.StringLookup(vocabulary=str(path))
    _eq(layer(DATA), [[1, 3, 4], [4, 0, 2]])
    assert layer.get_config()["vocabulary"] is None  # a file vocabulary travels as an asset


def test_string_lookup_config_and_symbolic():
    layer = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot", num_oov_indices=2)
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype", "invert", "max_tokens", "num_oov_indices", "oov_token",
                           "mask_token", "output_mode", "sparse", "pad_to_max_tokens", "idf_weights", "vocabulary",
                           "vocabulary_size", "oov_method", "salt", "encoding"}
    assert config["vocabulary"] == VOCAB and config["vocabulary_size"] == 6 and config["encoding"] == "utf-8"
    clone = layers.StringLookup.from_config(config)
    _eq(clone(DATA4), to_np(layer(DATA4)))
    sym = layer(lamina.KerasTensor((None, 4), dtype="string"))
    assert sym.shape == (None, 6) and sym.dtype == "float32"
    sym = layers.StringLookup(vocabulary=VOCAB)(lamina.KerasTensor((None, 3), dtype="string"))
    assert sym.shape == (None, 3) and sym.dtype == "int64"


# ------------------------------------------------------------------ IntegerLookup
IVOCAB = [12, 36, 1138, 42]
IDATA = np.array([[12, 1138, 42], [42, 1000, 36]])


@pytest.mark.parametrize("kwargs,data,expected", [
    ({"vocabulary": IVOCAB}, IDATA, [[1, 3, 4], [4, 0, 2]]),
    ({"vocabulary": IVOCAB, "num_oov_indices": 2}, np.array([[12, 1138, 42], [37, 1000, 36]]),
     [[2, 4, 5], [1, 0, 3]]),
    ({"vocabulary": [10, 20, 30], "num_oov_indices": 4, "oov_method": "floormod"},
     np.array([100, 300, 700, 1100, 1700, 2000]), [0, 0, 0, 0, 0, 0]),
    ({"vocabulary": [10, 20, 30], "num_oov_indices": 4, "oov_method": "farmhash"},
     np.array([100, 300, 700, 1100, 1700, 2000]), [3, 3, 2, 2, 0, 1]),
    ({"vocabulary": IVOCAB, "output_mode": "one_hot"}, np.array([12, 36, 1138, 42, 7]), np.eye(5)[[1, 2, 3, 4, 0]]),
    ({"vocabulary": IVOCAB, "output_mode": "count"}, np.array([[12, 1138, 42, 42], [42, 7, 36, 7]]),
     [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]),
    ({"vocabulary": IVOCAB, "output_mode": "tf_idf", "idf_weights": [0.25, 0.75, 0.6, 0.4]},
     np.array([[12, 1138, 42, 42], [42, 7, 36, 7]]), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]]),
    ({"vocabulary": IVOCAB, "invert": True}, np.array([[1, 3, 4], [4, 0, 2]]), [[12, 1138, 42], [42, -1, 36]]),
    ({"vocabulary": IVOCAB, "mask_token": 0}, np.array([[12, 0, 5]]), [[2, 0, 1]]),
])
def test_integer_lookup_documented_outputs(kwargs, data, expected):
    _eq(layers.IntegerLookup(**kwargs)(data), expected)


def test_integer_lookup_adapt_config_and_backend_tensors():
    layer = layers.IntegerLookup()
    layer.adapt(IDATA)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    _eq(layer(lamina.ops.convert_to_tensor(IDATA.astype("int32"))), [[5, 2, 1], [1, 3, 4]], INT)
    config = layer.get_config()
    assert config["vocabulary_dtype"] == "int64" and config["oov_token"] == -1 and config["vocabulary"] is None
    assert config["vocabulary_size"] == 6
    with pytest.raises(ValueError, match="integer inputs"):
        layers.IntegerLookup(vocabulary=IVOCAB)(np.array([1.5]))
    with pytest.raises(ValueError, match="salt"):
        layers.IntegerLookup(vocabulary=IVOCAB, salt=3)
    with pytest.raises(ValueError, match="vocabulary_dtype"):
        layers.IntegerLookup(vocabulary_dtype="int32")


# ------------------------------------------------------------------ TextVectorization
def test_text_vectorization_adapt_flow():
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    _eq(layer([["foo qux bar"], ["qux baz"]]), [[4, 1, 3, 0], [1, 2, 0, 0]], INT)
    fixed = layers.TextVectorization(output_sequence_length=4, vocabulary=["baz", "bar", "foo"])
    _eq(fixed([["foo qux bar"], ["qux baz"]]), [[4, 1, 3, 0], [1, 2, 0, 0]])
    later = layers.TextVectorization(output_sequence_length=2)
    later.set_vocabulary(["baz", "bar", "foo"])
    _eq(later(np.array(["foo qux bar", "qux baz"])), [[4, 1], [1, 2]])  # truncated to 2
    ragged = layers.TextVectorization(vocabulary=["baz", "bar", "foo"])
    _eq(ragged(np.array(["foo qux bar", "baz"])), [[4, 1, 3], [2, 0, 0]])  # padded to the longest


def test_text_vectorization_standardize_split_ngrams():
    vocab = ["hello", "world", "hello world", "w", "o"]
    layer = layers.TextVectorization(vocabulary=vocab, ngrams=2)
    _eq(layer(np.array(["Hello, WORLD!", "world hello"])), [[2, 3, 4], [3, 2, 1]])
    lower = layers.TextVectorization(vocabulary=vocab, standardize="lower")
    _eq(lower(np.array(["Hello, world"])), [[1, 3]])  # "hello," keeps its comma
    strip = layers.TextVectorization(vocabulary=vocab, standardize="strip_punctuation")
    _eq(strip(np.array(["Hello, world"])), [[1, 3]])  # "Hello" keeps its capital
    chars = layers.TextVectorization(vocabulary=vocab, split="character", standardize=None)
    _eq(chars(np.array(["wow"])), [[5, 6, 5]])
    whole = layers.TextVectorization(vocabulary=vocab, split=None)
    _eq(whole(np.array([["hello world"], ["x"]])), [[4], [1]])
    custom = layers.TextVectorization(vocabulary=vocab, standardize=lambda a: np.char.replace(a, "-", " "),
                                      split=lambda a: [s.split(" ") for s in a])
    _eq(custom(np.array(["hello-world"])), [[2, 3]])
    # Only ASCII letters are lowered, as TensorFlow's lower() does by default.
    assert layers.TextVectorization(split=None)._standardize_array(np.array(["ÀB"], dtype=object)).tolist() == ["Àb"]


def test_text_vectorization_bag_of_words_modes():
    docs = ["foo bar", "bar baz", "baz bada boom"]
    multi = layers.TextVectorization(output_mode="multi_hot")
    multi.adapt(docs)
    assert multi.get_vocabulary() == ["[UNK]", "baz", "bar", "foo", "boom", "bada"]
    _eq(multi(np.array(["bar bar qux", "boom"])), [[1, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0]], "float32")
    count = layers.TextVectorization(output_mode="count", vocabulary=["baz", "bar"])
    _eq(count(np.array(["bar bar qux", "baz"])), [[1, 0, 2], [0, 1, 0]])
    tfidf = layers.TextVectorization(output_mode="tf_idf", max_tokens=100)
    tfidf.adapt(np.array(docs))
    two, three = math.log(1 + 3 / 3), math.log(1 + 3 / 2)
    weights = np.array([two, two, three, three, three], "float32")
    np.testing.assert_allclose(tfidf._lookup_layer.idf_weights, [weights.mean()] + weights.tolist(), rtol=1e-6)
    _eq(tfidf(np.array(["bar bar qux"])), [[weights.mean(), 0, 2 * two, 0, 0, 0]])
    padded = layers.TextVectorization(output_mode="multi_hot", max_tokens=10, pad_to_max_tokens=True)
    padded.adapt(docs)
    assert to_np(padded(np.array(["foo"]))).shape == (1, 10)


def test_text_vectorization_config_and_errors():
    layer = layers.TextVectorization(max_tokens=10, ngrams=(1, 2), output_sequence_length=6,
                                     vocabulary=["a", "b"])
    config = layer.get_config()
    assert config["ngrams"] == (1, 2) and config["vocabulary"] == ["a", "b"] and config["vocabulary_size"] == 4
    for key in ("standardize", "split", "output_mode", "pad_to_max_tokens", "sparse", "ragged", "encoding",
                "idf_weights", "max_tokens", "output_sequence_length"):
        assert key in config
    clone = layers.TextVectorization.from_config(dict(config, ngrams=[1, 2]))
    _eq(clone(np.array(["a b c"])), to_np(layer(np.array(["a b c"]))))
    with pytest.raises(ValueError, match="output_sequence_length"):
        layers.TextVectorization(output_mode="multi_hot", output_sequence_length=3)
    with pytest.raises(ValueError, match="standardize"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="ngrams"):
        layers.TextVectorization(ngrams="2")
    with pytest.raises(ValueError, match="last dimension must be 1"):
        layers.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="expects string inputs"):
        layers.TextVectorization(vocabulary=["a"])(np.array([1, 2]))
    with pytest.raises(ValueError, match="tf_idf"):
        layers.TextVectorization(output_mode="tf_idf", vocabulary=["a"])


# ------------------------------------------------------------------ models, saving
TEXTS = np.array(["the cat sat", "the dog ran", "a cat", "dogs and cats"])


def _text_model(output_mode="int"):
    tv = layers.TextVectorization(max_tokens=20, output_mode=output_mode,
                                  output_sequence_length=5 if output_mode == "int" else None)
    tv.adapt(TEXTS)
    inp = lamina.Input(shape=(1,), dtype="string")
    x = tv(inp)
    if output_mode == "int":
        x = layers.GlobalAveragePooling1D()(layers.Embedding(20, 4)(x))
    return lamina.Model(inp, layers.Dense(1)(x))


@pytest.mark.parametrize("output_mode", ["int", "tf_idf"])
def test_model_with_text_vectorization_saves_and_reloads(tmp_path, output_mode):
    model = _text_model(output_mode)
    assert model.inputs[0].dtype == "string"
    before = model.predict(TEXTS[:, None], verbose=0)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    import zipfile

    assert "assets/layers/text_vectorization/vocabulary.txt" in zipfile.ZipFile(path).namelist()
    loaded = lamina.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(TEXTS[:, None], verbose=0), before, rtol=1e-6)
    np.testing.assert_allclose(to_np(loaded(TEXTS[:, None])), before, rtol=1e-5, atol=1e-6)
    tv = [l for l in loaded.layers if isinstance(l, layers.TextVectorization)][0]
    assert tv.get_vocabulary() == [l for l in model.layers if isinstance(l, layers.TextVectorization)][0] \
        .get_vocabulary()


def test_model_with_string_lookup_saves_and_reloads(tmp_path):
    lookup = layers.StringLookup(output_mode="one_hot")
    lookup.adapt(np.array(["red", "green", "blue", "red"]))
    inp = lamina.Input(shape=(1,), dtype="string")
    model = lamina.Model(inp, layers.Dense(2)(lookup(inp)))
    x = np.array([["red"], ["blue"], ["pink"]])
    before = model.predict(x, verbose=0)
    path = os.path.join(tmp_path, "lookup.keras")
    model.save(path)
    loaded = lamina.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), before, rtol=1e-6)


@requires_training
def test_fit_on_raw_strings():
    model = _text_model("int")
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(TEXTS[:, None], np.ones((4, 1), "float32"), epochs=2, batch_size=4, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert np.isfinite(model.evaluate(TEXTS[:, None], np.ones((4, 1), "float32"), verbose=0))
    seq = lamina.Sequential([lamina.Input(shape=(1,), dtype="string"),
                             layers.StringLookup(vocabulary=["a", "b"], output_mode="one_hot"), layers.Dense(1)])
    seq.compile(optimizer="sgd", loss="mse")
    seq.fit(np.array([["a"], ["b"], ["c"]]), np.ones((3, 1), "float32"), epochs=1, verbose=0)
    if BACKEND == "jax":
        from lamina.backend.jax.trainer import _string_prefix

        # TextVectorization runs eagerly before the step; the rest of the step stays jitted.
        assert _string_prefix(model) is not None and _string_prefix(seq) is not None


def test_lookup_after_numeric_ops_runs_eagerly():
    # A string/lookup layer deeper in the graph cannot run before the step: the whole step is unjitted.
    inp = lamina.Input(shape=(2,), dtype="int32")
    x = layers.IntegerLookup(vocabulary=[2, 3, 4], output_mode="multi_hot")(lamina.ops.add(inp, 1))
    model = lamina.Model(inp, x)
    out = model.predict(np.array([[1, 2], [5, 9]], "int32"), verbose=0)
    np.testing.assert_array_equal(out, [[0, 1, 1, 0], [1, 0, 0, 0]])
    if BACKEND == "jax":
        from lamina.backend.jax.trainer import _eager, _string_prefix

        assert _string_prefix(model) is None and _eager(model)


def test_string_is_a_symbolic_dtype_and_scalar_string_inputs():
    assert lamina.Input(shape=(), dtype=str).dtype == "string"
    assert lamina.KerasTensor((None, 1), dtype=np.dtype("<U3")).dtype == "string"
    docs = np.array(["foo bar", "bar baz", "baz bada boom"])
    tv = layers.TextVectorization(max_tokens=100, output_mode="tf_idf")
    tv.adapt(docs)
    model = lamina.Sequential([lamina.Input(shape=(), dtype="string"), tv])
    assert model.output_shape == (None, 6)
    out = model.predict(docs, verbose=0)
    np.testing.assert_allclose(out, to_np(tv(docs)), rtol=1e-6)
    assert out.shape == (3, 6) and out.dtype == np.float32


@pytest.mark.parametrize("cls,kwargs,data", [
    (layers.StringLookup, {"vocabulary": VOCAB}, np.array(DATA)),
    (layers.StringLookup, {"vocabulary": VOCAB, "output_mode": "count", "num_oov_indices": 2}, np.array(DATA4)),
    (layers.StringLookup, {"vocabulary": VOCAB, "output_mode": "one_hot"}, np.array([["a"], ["z"]])),
    (layers.IntegerLookup, {"vocabulary": IVOCAB, "output_mode": "multi_hot"}, IDATA),
    (layers.Hashing, {"num_bins": 5}, np.array(DATA)),
    (layers.Hashing, {"num_bins": 5, "output_mode": "count", "salt": 3}, np.array(DATA4)),
    (layers.TextVectorization, {"vocabulary": VOCAB, "output_sequence_length": 3}, np.array([["a b"], ["c d z q"]])),
    (layers.TextVectorization, {"vocabulary": VOCAB, "output_mode": "multi_hot"}, np.array([["a b"], ["c z"]])),
])
def test_layer_contract(cls, kwargs, data):
    from tests.layers.layer_test_utils import run_layer_test

    dtype = "string" if data.dtype.kind == "U" else str(data.dtype)
    run_layer_test(cls, kwargs, input_shape=data.shape, input_dtype=dtype, input_data=data)


def test_hashed_crossing_layer_contract():
    from tests.layers.layer_test_utils import run_layer_test

    run_layer_test(layers.HashedCrossing, {"num_bins": 4}, input_shape=[(3,), (3,)], input_dtype="int64",
                   input_data=[np.array([1, 2, 3]), np.array([4, 5, 6])])


def test_vocabulary_file_refused_while_loading_in_safe_mode(tmp_path):
    from lamina.saving import file_safety

    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\n")
    config = layers.StringLookup(vocabulary=["a", "b"]).get_config()
    with file_safety.safe_mode_scope(True):
        with pytest.raises(ValueError, match="safe mode"):
            layers.StringLookup.from_config(dict(config, vocabulary=str(path)))
    with file_safety.safe_mode_scope(False):
        assert layers.StringLookup.from_config(dict(config, vocabulary=str(path))).get_vocabulary() == \
            ["[UNK]", "a", "b"]
