"""lamina.datasets on small files of Keras's formats, compared with Keras's own loaders (no network)."""

import gzip
import json
import os
import pickle

import numpy as np
import pytest

import lamina
from lamina import datasets

RNG = np.random.RandomState(0)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty Keras cache (KERAS_HOME) with downloads disabled."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LAMINA_OFFLINE", "1")
    folder = tmp_path / "home" / "datasets"
    folder.mkdir(parents=True)
    return folder


def _keras_module(keras, name, monkeypatch, resolve):
    """Keras's dataset module with its get_file replaced by a local lookup (Keras would check hashes/download)."""
    import importlib

    module = importlib.import_module(f"keras.src.datasets.{name}")
    monkeypatch.setattr(module, "get_file", lambda fname=None, origin=None, **kw: resolve(fname, origin, kw))
    return module


def _assert_same(ours, theirs):
    for a, b in zip(ours, theirs):
        for u, v in zip(a, b):
            assert np.asarray(u).dtype == np.asarray(v).dtype
            if np.asarray(u).dtype == object:
                # lamina always returns a 1-D object array of lists (Keras's np.array turns equal-length
                # sequences into a 2-D array)
                assert np.shape(u) == (len(v),)
                assert [list(s) for s in u] == [list(s) for s in v]
            else:
                assert np.shape(u) == np.shape(v)
                np.testing.assert_array_equal(u, v)


def test_mnist(keras, home, monkeypatch, tmp_path):
    arrays = {"x_train": RNG.randint(0, 256, (5, 28, 28)).astype("uint8"), "y_train": np.arange(5, dtype="uint8"),
              "x_test": RNG.randint(0, 256, (2, 28, 28)).astype("uint8"), "y_test": np.array([7, 8], "uint8")}
    np.savez(home / "mnist.npz", **arrays)
    theirs = _keras_module(keras, "mnist", monkeypatch, lambda f, o, kw: str(home / f)).load_data()
    _assert_same(datasets.mnist.load_data(), theirs)
    other = tmp_path / "elsewhere.npz"
    np.savez(other, **arrays)
    (x_train, _), _ = datasets.mnist.load_data(path=str(other))
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.savez(other, x_train=arrays["x_train"])
    with pytest.raises(ValueError, match=r"mnist.load_data: .*elsewhere.npz' lacks the arrays \['y_train'"):
        datasets.mnist.load_data(path=str(other))


def test_missing_file_names_the_expected_file(home):
    with pytest.raises(FileNotFoundError, match=r"mnist.load_data: the dataset file .*datasets/mnist.npz' was not "
                                                r"found.*storage.googleapis.com.*LAMINA_OFFLINE"):
        datasets.mnist.load_data()
    with pytest.raises(FileNotFoundError, match=r"cifar10.load_data: no folder with 'data_batch_1' found"):
        datasets.cifar10.load_data()
    with pytest.raises(FileNotFoundError, match=r"train-labels-idx1-ubyte.gz"):
        datasets.fashion_mnist.load_data()


def test_fashion_mnist(keras, home, monkeypatch):
    folder = home / "fashion-mnist"
    folder.mkdir()
    for prefix, n in (("train", 4), ("t10k", 3)):
        labels = RNG.randint(0, 10, n).astype("uint8")
        images = RNG.randint(0, 256, (n, 28, 28)).astype("uint8")
        with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(b"\0" * 8 + labels.tobytes())
        with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(b"\0" * 16 + images.tobytes())
    theirs = _keras_module(keras, "fashion_mnist", monkeypatch, lambda f, o, kw: str(folder / f)).load_data()
    ours = datasets.fashion_mnist.load_data()
    _assert_same(ours, theirs)
    assert ours[0][0].shape == (4, 28, 28)


def _cifar_batch(path, n, label_keys):
    content = {b"batch_label": b"batch", b"data": RNG.randint(0, 256, (n, 3072)).astype("uint8"),
               b"filenames": [b"img%d.png" % i for i in range(n)]}
    for key, classes in label_keys:
        content[key.encode()] = [int(v) for v in RNG.randint(0, classes, n)]
    with open(path, "wb") as f:
        pickle.dump(content, f, protocol=3)  # bytes keys/values, as the Python 2 originals read with encoding="bytes"
    return content


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cifar10(home, data_format):
    # Keras's loader hard-codes 10,000 images per batch, so this compares with the documented layout instead.
    folder = home / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    batches = [_cifar_batch(folder / f"data_batch_{i}", 2, [("labels", 10)]) for i in range(1, 6)]
    test = _cifar_batch(folder / "test_batch", 3, [("labels", 10)])
    previous = lamina.config.image_data_format()
    lamina.config.set_image_data_format(data_format)
    try:
        (x_train, y_train), (x_test, y_test) = datasets.cifar10.load_data()
    finally:
        lamina.config.set_image_data_format(previous)
    want_x = np.concatenate([b[b"data"] for b in batches]).reshape(10, 3, 32, 32)
    want_test = test[b"data"].reshape(3, 3, 32, 32)
    if data_format == "channels_last":
        want_x, want_test = want_x.transpose(0, 2, 3, 1), want_test.transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(x_train, want_x)
    np.testing.assert_array_equal(x_test, want_test)
    assert y_train.dtype == np.uint8 and y_train.shape == (10, 1) and y_test.shape == (3, 1)
    np.testing.assert_array_equal(y_train[:, 0], sum((b[b"labels"] for b in batches), []))


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100(keras, home, monkeypatch, label_mode):
    target = home / "cifar-100-python-target"
    folder = target / "cifar-100-python"
    folder.mkdir(parents=True)
    for name, n in (("train", 4), ("test", 2)):
        _cifar_batch(folder / name, n, [("fine_labels", 100), ("coarse_labels", 20)])
    theirs = _keras_module(keras, "cifar100", monkeypatch, lambda f, o, kw: str(target)).load_data(label_mode)
    _assert_same(datasets.cifar100.load_data(label_mode), theirs)
    # a user-given folder works too (the lamina `path` extension)
    (x, _), _ = datasets.cifar100.load_data(path=str(folder))
    assert x.shape == (4, 32, 32, 3)
    with pytest.raises(ValueError, match="cifar100.load_data: `label_mode` must be 'fine' or 'coarse'"):
        datasets.cifar100.load_data("medium")


class _Hostile:
    def __reduce__(self):
        return (os.mkdir, ("/tmp/lamina_hostile_pickle_ran",))


def test_hostile_pickles_are_refused(home, tmp_path):
    marker = "/tmp/lamina_hostile_pickle_ran"
    if os.path.isdir(marker):
        os.rmdir(marker)
    folder = home / "cifar-10-batches-py"
    folder.mkdir()
    with open(folder / "data_batch_1", "wb") as f:
        pickle.dump({b"data": _Hostile(), b"labels": [0]}, f, protocol=3)
    with pytest.raises(ValueError, match=r"cifar10.load_data: lamina.datasets: refusing to load `posix.mkdir`"):
        datasets.cifar10.load_data()
    # the same inside an .npz object array (imdb/reuters format)
    bad = np.empty(1, dtype=object)
    bad[0] = _Hostile()
    np.savez(tmp_path / "evil.npz", x=bad, y=np.zeros(1))
    with pytest.raises(ValueError, match="reuters.load_data: lamina.datasets: refusing to load"):
        datasets.reuters.load_data(path=str(tmp_path / "evil.npz"))
    assert not os.path.isdir(marker)


def _ragged(n, vocab=30, lo=1, hi=12):
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = [int(v) for v in RNG.randint(1, vocab, RNG.randint(lo, hi))]
    return out


IMDB_KWARGS = [dict(), dict(num_words=10, skip_top=2), dict(maxlen=9), dict(start_char=None, oov_char=None),
               dict(index_from=0, start_char=None, seed=5), dict(num_words=8, oov_char=None, maxlen=12)]


@pytest.mark.parametrize("kwargs", IMDB_KWARGS)
def test_imdb(keras, home, monkeypatch, kwargs):
    np.savez(home / "imdb.npz", x_train=_ragged(8), y_train=RNG.randint(0, 2, 8), x_test=_ragged(6),
             y_test=RNG.randint(0, 2, 6))
    theirs = _keras_module(keras, "imdb", monkeypatch, lambda f, o, kw: str(home / f)).load_data(**kwargs)
    _assert_same(datasets.imdb.load_data(**kwargs), theirs)


@pytest.mark.parametrize("kwargs", IMDB_KWARGS[:4] + [dict(test_split=0.5)])
def test_reuters(keras, home, monkeypatch, kwargs):
    np.savez(home / "reuters.npz", x=_ragged(10), y=RNG.randint(0, 46, 10))
    theirs = _keras_module(keras, "reuters", monkeypatch, lambda f, o, kw: str(home / f)).load_data(**kwargs)
    _assert_same(datasets.reuters.load_data(**kwargs), theirs)


def test_word_indices_and_labels(keras, home, monkeypatch):
    (home / "imdb_word_index.json").write_text(json.dumps({"the": 1, "film": 2}))
    (home / "reuters_word_index.json").write_text(json.dumps({"oil": 1}))
    assert datasets.imdb.get_word_index() == {"the": 1, "film": 2}
    assert datasets.reuters.get_word_index() == {"oil": 1}
    from keras.src.datasets import reuters

    assert datasets.reuters.get_label_names() == reuters.get_label_names()
    (home / "imdb_word_index.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="imdb.get_word_index: .* must hold a JSON object"):
        datasets.imdb.get_word_index()


@pytest.mark.parametrize("name, kwargs", [("boston_housing", dict()), ("boston_housing", dict(test_split=0.3, seed=1)),
                                          ("california_housing", dict()),
                                          ("california_housing", dict(version="small", test_split=0.1))])
def test_housing(keras, home, monkeypatch, name, kwargs):
    features = 13 if name == "boston_housing" else 8
    np.savez(home / f"{name}.npz", x=RNG.rand(700, features), y=RNG.rand(700))
    theirs = _keras_module(keras, name, monkeypatch, lambda f, o, kw: str(home / f)).load_data(**kwargs)
    ours = getattr(datasets, name).load_data(**kwargs)
    _assert_same(ours, theirs)
    with pytest.raises(ValueError, match=f"{name}.load_data: `test_split` must be in"):
        getattr(datasets, name).load_data(test_split=1.0)


def test_digits(tmp_path):
    rows = np.concatenate([RNG.randint(0, 17, (5, 64)), np.arange(5)[:, None]], axis=1)
    with gzip.open(tmp_path / "d.csv.gz", "wt") as f:
        np.savetxt(f, rows, delimiter=",", fmt="%.1f")
    x, y = datasets.digits.load_digits(str(tmp_path / "d.csv.gz"))
    np.testing.assert_array_equal(x.reshape(5, 64), rows[:, :64])
    np.testing.assert_array_equal(y, np.arange(5))
    (x_train, y_train), (x_test, y_test) = datasets.digits.load_data(str(tmp_path / "d.csv.gz"), test_split=0.4)
    assert x_train.shape == (3, 8, 8) and x_test.shape == (2, 8, 8)
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(5))
    with pytest.raises(FileNotFoundError, match="digits.load_data: the digits file .* does not exist"):
        datasets.digits.load_digits(str(tmp_path / "nope.csv"))


def test_bundled_digits_equal_sklearn():
    if datasets.digits.bundled_path() is None:
        pytest.skip("scikit-learn is not installed")
    from sklearn.datasets import load_digits

    ref = load_digits()
    x, y = datasets.digits.load_digits()
    np.testing.assert_array_equal(x, ref.images)
    np.testing.assert_array_equal(y, ref.target)
