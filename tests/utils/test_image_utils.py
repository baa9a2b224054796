"""load_img, img_to_array, array_to_img, save_img: parity with Keras (both use Pillow)."""

import io

import numpy as np
import pytest

import lamina

U = lamina.utils
Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def png(tmp_path):
    arr = np.random.RandomState(0).randint(0, 256, size=(10, 14, 3)).astype("uint8")
    path = tmp_path / "x.png"
    Image.fromarray(arr).save(path)
    return path, arr


@pytest.mark.parametrize("kw", [dict(), dict(color_mode="grayscale"), dict(color_mode="rgba"),
                                dict(target_size=(5, 7)), dict(target_size=(6, 6), interpolation="bilinear"),
                                dict(target_size=(4, 8), keep_aspect_ratio=True, interpolation="bicubic")])
def test_load_img_and_img_to_array_match_keras(keras, png, kw):
    path, _ = png
    got = U.img_to_array(U.load_img(path, **kw))
    want = keras.utils.img_to_array(keras.utils.load_img(path, **kw))
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_load_img_bytesio_and_channels_first(keras, png):
    path, arr = png
    img = U.load_img(io.BytesIO(path.read_bytes()))
    np.testing.assert_array_equal(U.img_to_array(img), arr.astype("float32"))
    cf = U.img_to_array(img, data_format="channels_first", dtype="uint8")
    assert cf.shape == (3, 10, 14) and cf.dtype == np.uint8


@pytest.mark.parametrize("channels, scale", [(3, True), (1, True), (4, False), (1, False)])
def test_array_to_img_matches_keras(keras, channels, scale):
    x = np.random.RandomState(1).uniform(0, 200, size=(5, 6, channels)).astype("float32")
    got = U.array_to_img(x, scale=scale)
    want = keras.utils.array_to_img(x, scale=scale)
    assert got.mode == want.mode and got.size == want.size
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_save_img_roundtrip(tmp_path):
    x = np.random.RandomState(2).randint(0, 256, size=(4, 5, 3)).astype("float32")
    U.save_img(tmp_path / "y.png", x, scale=False)
    np.testing.assert_array_equal(U.img_to_array(U.load_img(tmp_path / "y.png")), x)
    with pytest.warns(UserWarning, match="JPEG cannot store an alpha channel"):
        U.save_img(str(tmp_path / "z.jpg"), np.ones((4, 4, 4)) * 100)
    assert U.load_img(tmp_path / "z.jpg").size == (4, 4)


def test_image_errors(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG not really")
    with pytest.raises(ValueError, match=r"load_img: cannot read the image file .*bad.png"):
        U.load_img(bad)
    with pytest.raises(ValueError, match=r"array_to_img: expected an image array of rank 3"):
        U.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="array_to_img: expected 1, 3 or 4 channels; received 2"):
        U.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="img_to_array: expected an image of rank 2 or 3"):
        U.img_to_array(np.zeros((1, 2, 2, 3)))
    with pytest.raises(ValueError, match="load_img: unknown interpolation 'fancy'"):
        Image.fromarray(np.zeros((3, 3, 3), "uint8")).save(tmp_path / "ok.png")
        U.load_img(tmp_path / "ok.png", target_size=(2, 2), interpolation="fancy")
