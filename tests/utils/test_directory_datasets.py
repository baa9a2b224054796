"""image/text/audio_dataset_from_directory on small folders written by the tests; fed to fit."""

import os
import wave

import numpy as np
import pytest

import lamina
from tests.conftest import requires_training

U = lamina.utils
Image = pytest.importorskip("PIL.Image")


def _write_images(root, counts=(("cats", 3), ("dogs", 2)), size=(6, 8)):
    rng = np.random.RandomState(0)
    pixels = {}
    for cls, n in counts:
        os.makedirs(root / cls, exist_ok=True)
        for i in range(n):
            arr = rng.randint(0, 256, size=(size[0], size[1], 3)).astype("uint8")
            path = root / cls / f"img_{i}.png"
            Image.fromarray(arr).save(path)
            pixels[str(path)] = arr
    return pixels


def test_image_dataset_labels_classes_values(tmp_path):
    pixels = _write_images(tmp_path)
    (tmp_path / "cats" / "notes.txt").write_text("not an image")  # ignored: not an image extension
    (tmp_path / ".hidden").mkdir()  # hidden folders are not classes
    ds = U.image_dataset_from_directory(tmp_path, image_size=(6, 8), batch_size=2, shuffle=False, verbose=False)
    assert ds.class_names == ["cats", "dogs"]
    assert len(ds) == 3
    assert [os.path.basename(p) for p in ds.file_paths] == ["img_0.png", "img_1.png", "img_2.png", "img_0.png",
                                                           "img_1.png"]
    x, y = ds[0]
    assert x.shape == (2, 6, 8, 3) and x.dtype == np.float32
    assert y.dtype == np.int32
    np.testing.assert_array_equal(np.concatenate([b[1] for b in ds]), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(x[1], pixels[ds.file_paths[1]].astype("float32"))
    cat = U.image_dataset_from_directory(tmp_path, image_size=(3, 4), label_mode="categorical", shuffle=False,
                                         color_mode="grayscale", verbose=False)
    x, y = cat[0]
    assert x.shape == (5, 3, 4, 1)
    np.testing.assert_array_equal(y, np.eye(2, dtype="float32")[[0, 0, 0, 1, 1]])
    binary = U.image_dataset_from_directory(tmp_path, image_size=(6, 8), label_mode="binary", verbose=False, seed=1)
    assert binary[0][1].shape == (5, 1) and binary[0][1].dtype == np.float32
    only_x = U.image_dataset_from_directory(tmp_path, labels=None, image_size=(6, 8), shuffle=False, verbose=False)
    assert only_x[0].shape == (5, 6, 8, 3)


@pytest.mark.parametrize("kw", [dict(), dict(interpolation="nearest"), dict(crop_to_aspect_ratio=True),
                                dict(pad_to_aspect_ratio=True)])
def test_image_dataset_resizes_like_keras_ops(keras, tmp_path, kw):
    pixels = _write_images(tmp_path, counts=(("only", 1),), size=(6, 8))
    ds = U.image_dataset_from_directory(tmp_path, image_size=(3, 5), shuffle=False, verbose=False, **kw)
    interpolation = kw.get("interpolation", "bilinear")
    want = keras.ops.image.resize(list(pixels.values())[0].astype("float32"), (3, 5), interpolation=interpolation,
                                  crop_to_aspect_ratio=kw.get("crop_to_aspect_ratio", False),
                                  pad_to_aspect_ratio=kw.get("pad_to_aspect_ratio", False))
    np.testing.assert_allclose(ds[0][0][0], keras.ops.convert_to_numpy(want), atol=1e-3)


def test_image_dataset_split_shuffle_and_conveniences(tmp_path):
    _write_images(tmp_path, counts=(("a", 5), ("b", 5)))
    train, val = U.image_dataset_from_directory(tmp_path, image_size=(6, 8), batch_size=4, validation_split=0.3,
                                                subset="both", seed=7, verbose=False)
    assert len(train.file_paths) == 7 and len(val.file_paths) == 3
    assert not set(train.file_paths) & set(val.file_paths)
    again = U.image_dataset_from_directory(tmp_path, image_size=(6, 8), batch_size=4, validation_split=0.3,
                                           subset="validation", seed=7, verbose=False)
    assert again.file_paths == val.file_paths
    labels = {p: int(os.path.basename(os.path.dirname(p)) == "b") for p in train.file_paths}
    first = [labels[p] for p in train.file_paths[:4]]
    np.testing.assert_array_equal(train[0][1], first)
    scaled = train.map(lambda x, y: (x / 255.0, y)).prefetch(2).cache()
    x, _ = scaled[0]
    assert x.max() <= 1.0
    assert len(train.take(1)) == 1 and len(train.skip(1)) == 1
    samples = list(train.unbatch())
    assert len(samples) == 7 and samples[0][0].shape == (6, 8, 3)
    order_before = train._order.copy()
    train.on_epoch_end()
    assert sorted(train._order) == sorted(order_before)


def test_image_dataset_errors(tmp_path):
    (tmp_path / "flat.png").write_bytes(b"")
    with pytest.raises(ValueError, match="image_dataset_from_directory: labels='inferred' needs one subdirectory"):
        U.image_dataset_from_directory(tmp_path, verbose=False)
    with pytest.raises(ValueError, match="does not exist"):
        U.image_dataset_from_directory(tmp_path / "missing", verbose=False)
    bad = tmp_path / "cls"
    bad.mkdir()
    (bad / "broken.png").write_bytes(b"this is not a png")
    ds = U.image_dataset_from_directory(tmp_path, image_size=(4, 4), verbose=False, shuffle=False)
    with pytest.raises(ValueError, match=r"image_dataset_from_directory: cannot read the image file .*broken.png"):
        ds[0]
    with pytest.raises(ValueError, match="pass a `seed`"):
        U.image_dataset_from_directory(tmp_path, validation_split=0.5, subset="training", verbose=False)
    with pytest.raises(ValueError, match="`color_mode` must be"):
        U.image_dataset_from_directory(tmp_path, color_mode="cmyk", verbose=False)
    with pytest.raises(ValueError, match="label_mode='binary' needs exactly 2 classes"):
        U.image_dataset_from_directory(tmp_path, label_mode="binary", verbose=False)


def _write_texts(root):
    texts = {"neg": ["bad film", "awful", "boring plot"], "pos": ["great film", "loved it", "superb"]}
    for cls, items in texts.items():
        (root / cls).mkdir()
        for i, t in enumerate(items):
            (root / cls / f"{i}.txt").write_text(t)
    return texts


def test_text_dataset(tmp_path):
    texts = _write_texts(tmp_path)
    ds = U.text_dataset_from_directory(tmp_path, batch_size=4, shuffle=False, max_length=5, verbose=False)
    assert ds.class_names == ["neg", "pos"]
    x, y = ds[0]
    assert x.dtype == object and list(x) == [t[:5] for t in texts["neg"]] + ["great"]
    np.testing.assert_array_equal(y, [0, 0, 0, 1])
    with pytest.raises(ValueError, match="text_dataset_from_directory: `max_length` must be a positive integer"):
        U.text_dataset_from_directory(tmp_path, max_length=0)


def _write_wav(path, samples, rate=8000, width=2):
    """Mono PCM WAV of 16-bit (width=2) or 32-bit (width=4) samples in [-1, 1]."""
    ints = np.round(np.asarray(samples) * (2 ** (8 * width - 1) - 1)).astype({2: "<i2", 4: "<i4"}[width])
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(ints.tobytes())


def test_audio_dataset(tmp_path):
    (tmp_path / "no").mkdir()
    (tmp_path / "yes").mkdir()
    _write_wav(tmp_path / "no" / "a.wav", [0.5, -0.5, 0.25])
    _write_wav(tmp_path / "yes" / "b.wav", [0.1] * 5, width=4)
    ds = U.audio_dataset_from_directory(tmp_path, batch_size=2, shuffle=False, verbose=False)
    x, y = ds[0]
    assert x.shape == (2, 5, 1) and x.dtype == np.float32
    np.testing.assert_allclose(x[0, :, 0], [0.5, -0.5, 0.25, 0, 0], atol=1e-4)
    np.testing.assert_allclose(x[1, :, 0], [0.1] * 5, atol=1e-6)
    np.testing.assert_array_equal(y, [0, 1])
    fixed = U.audio_dataset_from_directory(tmp_path, output_sequence_length=2, shuffle=False, verbose=False)
    assert fixed[0][0].shape == (2, 2, 1)
    (tmp_path / "no" / "c.wav").write_bytes(b"RIFFjunk")
    broken = U.audio_dataset_from_directory(tmp_path, shuffle=False, verbose=False)
    with pytest.raises(ValueError, match="audio_dataset_from_directory: cannot read the WAV file"):
        broken[0]


@requires_training
def test_fit_on_image_and_text_datasets(tmp_path):
    img_dir = tmp_path / "img"
    _write_images(img_dir, counts=(("a", 4), ("b", 4)), size=(4, 4))
    ds = U.image_dataset_from_directory(img_dir, image_size=(4, 4), batch_size=4, seed=1, verbose=False)
    model = lamina.Sequential([lamina.Input((4, 4, 3)), lamina.layers.Flatten(), lamina.layers.Dense(2)])
    model.compile("sgd", lamina.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds.map(lambda x, y: (x / 255.0, y)), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()

    txt_dir = tmp_path / "txt"
    txt_dir.mkdir()
    _write_texts(txt_dir)
    vocab = {}

    def encode(texts, labels):
        ids = [[vocab.setdefault(w, len(vocab) + 1) for w in t.split()] for t in texts]
        return U.pad_sequences(ids, maxlen=3).astype("float32"), labels

    tds = U.text_dataset_from_directory(txt_dir, batch_size=3, seed=2, verbose=False).map(encode)
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(tds, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
