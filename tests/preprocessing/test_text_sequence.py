"""lamina.preprocessing.text / sequence against Keras's legacy module (runs without TensorFlow)."""

import json

import numpy as np
import pytest

import lamina
from lamina.preprocessing import sequence, text
from tests.conftest import requires_training

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "Cat, dog; cat & dog?", "", "mat mat MAT"]
QUERIES = ["the bird sat on the cat", "unknown words only", "dog dog mat"]


@pytest.fixture
def legacy(keras):
    from keras.src.legacy.preprocessing import sequence as ks
    from keras.src.legacy.preprocessing import text as kt

    return kt, ks


TOKENIZER_KWARGS = [dict(), dict(num_words=4), dict(oov_token="<unk>"), dict(num_words=5, oov_token="<unk>"),
                    dict(lower=False), dict(char_level=True), dict(filters="", split=" ")]


@pytest.mark.parametrize("kwargs", TOKENIZER_KWARGS)
def test_tokenizer_matches_keras(legacy, kwargs):
    kt, _ = legacy
    ours, theirs = text.Tokenizer(**kwargs), kt.Tokenizer(**kwargs)
    ours.fit_on_texts(TEXTS)
    theirs.fit_on_texts(TEXTS)
    assert ours.word_index == theirs.word_index
    assert list(ours.word_index) == list(theirs.word_index)  # order: frequency, then first appearance
    assert dict(ours.word_counts) == dict(theirs.word_counts) and ours.document_count == theirs.document_count
    assert ours.texts_to_sequences(QUERIES) == theirs.texts_to_sequences(QUERIES)
    seqs = theirs.texts_to_sequences(TEXTS)
    assert ours.sequences_to_texts(seqs) == theirs.sequences_to_texts(seqs)
    for mode in ("binary", "count", "tfidf", "freq"):
        got, want = ours.texts_to_matrix(QUERIES, mode=mode), theirs.texts_to_matrix(QUERIES, mode=mode)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want)


def test_tokenizer_json_roundtrip_both_ways(legacy):
    kt, _ = legacy
    ours = text.Tokenizer(num_words=6, oov_token="<oov>")
    ours.fit_on_texts(TEXTS)
    assert json.loads(ours.to_json()) == json.loads(
        _keras_fitted(kt, num_words=6, oov_token="<oov>").to_json())
    back = text.tokenizer_from_json(ours.to_json())
    assert back.word_index == ours.word_index and back.index_word == ours.index_word
    np.testing.assert_allclose(back.texts_to_matrix(QUERIES, "tfidf"), ours.texts_to_matrix(QUERIES, "tfidf"))
    from_keras = text.tokenizer_from_json(_keras_fitted(kt, num_words=6, oov_token="<oov>").to_json())
    assert from_keras.texts_to_sequences(QUERIES) == ours.texts_to_sequences(QUERIES)
    to_keras = kt.tokenizer_from_json(ours.to_json())
    assert to_keras.texts_to_sequences(QUERIES) == ours.texts_to_sequences(QUERIES)


def _keras_fitted(kt, **kwargs):
    tok = kt.Tokenizer(**kwargs)
    tok.fit_on_texts(TEXTS)
    return tok


def test_text_helpers_match_keras(legacy):
    kt, _ = legacy
    assert text.text_to_word_sequence("Hello, World! Hi") == kt.text_to_word_sequence("Hello, World! Hi")
    assert text.hashing_trick("a b c a", 10, "md5") == kt.hashing_trick("a b c a", 10, "md5")
    assert all(1 <= v < 7 for v in text.one_hot("x y z", 7))


def test_tokenizer_errors():
    with pytest.raises(ValueError, match="Tokenizer.sequences_to_matrix: pass `num_words`"):
        text.Tokenizer().texts_to_matrix(["a"])
    tok = text.Tokenizer(num_words=3)
    with pytest.raises(ValueError, match="before using mode='tfidf'"):
        tok.sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(ValueError, match="`mode` must be one of"):
        tok.sequences_to_matrix([[1]], mode="onehot")
    with pytest.raises(TypeError, match="fit_on_texts: expected a list of texts; received a single str"):
        tok.fit_on_texts("a b c")
    with pytest.raises(TypeError, match="unrecognized keyword arguments"):
        text.Tokenizer(bogus=1)
    with pytest.raises(ValueError, match="tokenizer_from_json: expected the JSON"):
        text.tokenizer_from_json("{}")


def test_pad_sequences_is_the_utility(keras):
    ks = keras.preprocessing.sequence
    assert sequence.pad_sequences is lamina.utils.pad_sequences
    np.testing.assert_array_equal(sequence.pad_sequences([[1, 2], [3]], maxlen=3, padding="post"),
                                  ks.pad_sequences([[1, 2], [3]], maxlen=3, padding="post"))


TS_KWARGS = [dict(length=3, batch_size=2), dict(length=4, sampling_rate=2, stride=3, batch_size=3),
             dict(length=2, start_index=3, end_index=15, reverse=True, batch_size=4)]


@pytest.mark.parametrize("kwargs", TS_KWARGS)
def test_timeseries_generator_matches_keras(legacy, kwargs):
    _, ks = legacy
    data = np.arange(40, dtype="float32").reshape(20, 2)
    targets = np.arange(20) * 10
    ours, theirs = sequence.TimeseriesGenerator(data, targets, **kwargs), ks.TimeseriesGenerator(data, targets,
                                                                                               **kwargs)
    assert len(ours) == len(theirs)
    for i in range(len(ours)):
        for a, b in zip(ours[i], theirs[i]):
            np.testing.assert_array_equal(a, b)
    assert json.loads(ours.to_json())["config"]["data"] == json.dumps(data.tolist())


def test_timeseries_generator_errors_and_shuffle():
    with pytest.raises(ValueError, match="TimeseriesGenerator: `data` and `targets` must have the same length"):
        sequence.TimeseriesGenerator(np.zeros(5), np.zeros(4), length=2)
    with pytest.raises(ValueError, match="is beyond end_index"):
        sequence.TimeseriesGenerator(np.zeros(5), np.zeros(5), length=5)
    gen = sequence.TimeseriesGenerator(np.arange(10), np.arange(10), length=2, shuffle=True, batch_size=4)
    x, y = gen[0]
    assert x.shape == (4, 2)
    np.testing.assert_array_equal(x[:, 1] + 1, y)  # each target follows its window


def test_sampling_table_and_skipgrams(legacy):
    _, ks = legacy
    np.testing.assert_allclose(sequence.make_sampling_table(20), ks.make_sampling_table(20))
    couples, labels = sequence.skipgrams([1, 2, 0, 3], vocabulary_size=5, window_size=1, seed=0)
    positives = sorted(tuple(c) for c, lab in zip(couples, labels) if lab == 1)
    assert positives == [(1, 2), (2, 1)]  # index 0 is padding: 3 has no context within the window
    assert labels.count(0) == 2 and all(1 <= c[1] < 5 for c in couples)


@requires_training
def test_fit_on_timeseries_generator():
    data = np.random.RandomState(0).rand(30, 1).astype("float32")
    gen = sequence.TimeseriesGenerator(data, data, length=4, batch_size=8)
    model = lamina.Sequential([lamina.Input((4, 1)), lamina.layers.Flatten(), lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(gen, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
