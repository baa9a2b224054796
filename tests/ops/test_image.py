"""lamina.ops.image: against NumPy hand computations and against Keras 3 (same framework) as the oracle."""

import numpy as np
import pytest

import lamina
from lamina import ops
from tests.conftest import BACKEND, to_np

I = ops.image
RNG = np.random.default_rng(3)
IM = RNG.uniform(0, 1, (2, 9, 13, 3)).astype("float32")
IM_U8 = (IM * 255).astype("uint8")
IM_CF = np.ascontiguousarray(np.moveaxis(IM, -1, 1))
BIG = RNG.uniform(0, 1, (2, 16, 18, 3)).astype("float32")
NOISY = np.clip(BIG + RNG.normal(0, 0.1, BIG.shape), 0, 1).astype("float32")
# Coefficients chosen so that no output pixel maps exactly half-way between input pixels.
TRANSFORMS = np.array([[0.913, 0.1071, 1.3317, -0.2093, 1.1129, 0.7123, 0, 0],
                       [1.2037, -0.3011, -2.1243, 0.2531, 0.8117, 1.9313, 0, 0]], "float32")
COORDS = RNG.uniform(-3, 12, (2, 5, 6)).astype("float32")
START = np.array([[0, 0], [12, 0], [12, 8], [0, 8]], "float32")
END = START + np.array([[1, 0.5], [0, 1], [-1.5, 0], [0.3, -1]], "float32")
VOLUMES = RNG.uniform(size=(2, 6, 5, 7, 2)).astype("float32")
KT = lamina.KerasTensor


def _np(x):
    return np.asarray(to_np(x))


def _check(actual, expected, atol=1e-5, dtype=None):
    actual, expected = _np(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if dtype is not None:
        assert str(actual.dtype) == dtype, actual.dtype
    np.testing.assert_allclose(actual.astype("float64"), expected.astype("float64"), atol=atol, rtol=atol)


# ----------------------------------------------------------------------------- parity with Keras

RESIZE_CASES = [(interp, size, aa) for interp in ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")
                for size, aa in (((4, 5), False), ((4, 5), True), ((17, 30), False))]


@pytest.mark.parametrize("interp,size,antialias", RESIZE_CASES)
def test_resize_matches_keras(keras, interp, size, antialias):
    if BACKEND == "torch" and interp.startswith("lanczos"):
        pytest.skip("Keras on torch has no Lanczos resize (lamina's is tested against a NumPy reference)")
    if BACKEND == "torch" and interp == "nearest" and antialias:
        pytest.skip("Keras on torch rejects antialias with nearest")
    tol = 0 if interp == "nearest" else 1e-4
    expected = keras.ops.image.resize(IM, size, interpolation=interp, antialias=antialias)
    actual = I.resize(IM, size, interpolation=interp, antialias=antialias)
    _check(actual, keras.ops.convert_to_numpy(expected), atol=tol, dtype="float32")


@pytest.mark.parametrize("interp", ["bilinear", "nearest", "bicubic"])
def test_resize_channels_first_and_uint8_match_keras(keras, interp):
    expected = keras.ops.image.resize(IM_CF, (20, 6), interpolation=interp, data_format="channels_first")
    actual = I.resize(IM_CF, (20, 6), interpolation=interp, data_format="channels_first")
    _check(actual, keras.ops.convert_to_numpy(expected), atol=1e-4, dtype="float32")
    expected = keras.ops.convert_to_numpy(keras.ops.image.resize(IM_U8, (6, 20), interpolation=interp))
    actual = _np(I.resize(IM_U8, (6, 20), interpolation=interp))
    assert actual.dtype == np.uint8
    assert np.abs(actual.astype(int) - expected.astype(int)).max() <= 1  # float32 rounding at .5


@pytest.mark.parametrize("interp", ["bilinear", "nearest"])
@pytest.mark.parametrize("mode", ["crop_to_aspect_ratio", "pad_to_aspect_ratio"])
def test_resize_to_aspect_ratio_matches_keras(keras, interp, mode):
    for size in ((4, 5), (20, 6)):
        kwargs = {mode: True, "interpolation": interp}
        if mode == "pad_to_aspect_ratio":
            kwargs["fill_value"] = 0.5
        for images, fmt in ((IM, "channels_last"), (IM_CF[0], "channels_first")):
            expected = keras.ops.image.resize(images, size, data_format=fmt, **kwargs)
            _check(I.resize(images, size, data_format=fmt, **kwargs), keras.ops.convert_to_numpy(expected), atol=1e-4)


@pytest.mark.parametrize("interp", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
def test_affine_transform_matches_keras(keras, interp, fill_mode):
    kwargs = dict(interpolation=interp, fill_mode=fill_mode, fill_value=0.3)
    expected = keras.ops.image.affine_transform(IM, TRANSFORMS, **kwargs)
    _check(I.affine_transform(IM, TRANSFORMS, **kwargs), keras.ops.convert_to_numpy(expected), atol=1e-4)
    if fill_mode != "constant":
        return
    expected = keras.ops.image.affine_transform(IM_CF[1], TRANSFORMS[1], data_format="channels_first", **kwargs)
    _check(I.affine_transform(IM_CF[1], TRANSFORMS[1], data_format="channels_first", **kwargs),
           keras.ops.convert_to_numpy(expected), atol=1e-4)


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
def test_map_coordinates_matches_keras(keras, order, fill_mode):
    expected = keras.ops.image.map_coordinates(IM[0, :, :, 0], COORDS, order, fill_mode=fill_mode, fill_value=0.2)
    actual = I.map_coordinates(IM[0, :, :, 0], COORDS, order, fill_mode=fill_mode, fill_value=0.2)
    _check(actual, keras.ops.convert_to_numpy(expected), atol=1e-4, dtype="float32")


ORACLE_CASES = [
    ("rgb_to_grayscale", lambda o: o.image.rgb_to_grayscale(IM)),
    ("rgb_to_grayscale_cf", lambda o: o.image.rgb_to_grayscale(IM_CF, data_format="channels_first")),
    ("rgb_to_grayscale_u8", lambda o: o.image.rgb_to_grayscale(IM_U8)),
    ("rgb_to_hsv", lambda o: o.image.rgb_to_hsv(IM)),
    ("rgb_to_hsv_cf", lambda o: o.image.rgb_to_hsv(IM_CF[0], data_format="channels_first")),
    ("hsv_to_rgb", lambda o: o.image.hsv_to_rgb(IM)),
    ("pad_images", lambda o: o.image.pad_images(IM_U8, 1, 2, target_height=12, target_width=20)),
    ("pad_images_cf", lambda o: o.image.pad_images(IM_CF, None, 2, 3, 1, target_height=14,
                                                   data_format="channels_first")),
    ("crop_images", lambda o: o.image.crop_images(IM_U8, 1, 2, target_height=5, target_width=7)),
    ("crop_images_cf", lambda o: o.image.crop_images(IM_CF[0], None, 2, 3, 1, target_height=4,
                                                     data_format="channels_first")),
    ("extract_patches", lambda o: o.image.extract_patches(IM, 3)),
    ("extract_patches_strided", lambda o: o.image.extract_patches(IM, (2, 3), strides=(1, 2))),
    ("extract_patches_same", lambda o: o.image.extract_patches(IM[0], 3, strides=2, padding="same")),
    ("extract_patches_dilated", lambda o: o.image.extract_patches(IM, (3, 2), strides=1, dilation_rate=2)),
    ("extract_patches_cf", lambda o: o.image.extract_patches(IM_CF, 2, data_format="channels_first")),
    ("extract_patches_3d", lambda o: o.image.extract_patches_3d(VOLUMES, 2)),
    ("extract_patches_3d_same", lambda o: o.image.extract_patches_3d(VOLUMES, (2, 3, 2), strides=1,
                                                                      padding="same")),
    ("gaussian_blur", lambda o: o.image.gaussian_blur(IM, data_format="channels_last")),
    ("gaussian_blur_5", lambda o: o.image.gaussian_blur(IM_CF, (5, 5), (2.0, 2.0), data_format="channels_first")),
    ("perspective", lambda o: o.image.perspective_transform(IM, np.stack([START, START]), np.stack([END, END + 0.5]))),
    ("perspective_nearest", lambda o: o.image.perspective_transform(IM[0], START, END, interpolation="nearest",
                                                                    fill_value=0.5)),
    ("ssim", lambda o: o.image.ssim(BIG, NOISY)),
    ("scale_and_translate", lambda o: o.image.scale_and_translate(
        IM, (2, 20, 7, 3), np.array([2.2, 0.5], "float32"), np.array([0.3, -1.0], "float32"), (1, 2), "linear")),
    ("scale_and_translate_cubic", lambda o: o.image.scale_and_translate(
        IM, (2, 20, 7, 3), np.array([2.2, 0.5], "float32"), np.array([0.3, -1.0], "float32"), (1, 2), "cubic",
        antialias=False)),
]


@pytest.mark.parametrize("name,fn", ORACLE_CASES, ids=[c[0] for c in ORACLE_CASES])
def test_matches_keras(keras, name, fn):
    expected = np.asarray(keras.ops.convert_to_numpy(fn(keras.ops)))
    _check(fn(ops), expected, atol=1e-4, dtype=str(expected.dtype))


@pytest.mark.skipif(BACKEND == "numpy", reason="Keras on numpy pads Sobel by reflection; lamina zero-pads everywhere")
def test_sobel_edges_matches_keras(keras):
    expected = keras.ops.image.sobel_edges(IM, data_format="channels_last")
    _check(I.sobel_edges(IM, data_format="channels_last"), keras.ops.convert_to_numpy(expected), atol=1e-4)
    expected = keras.ops.image.sobel_edges(IM_CF, data_format="channels_first")
    _check(I.sobel_edges(IM_CF, data_format="channels_first"), keras.ops.convert_to_numpy(expected), atol=1e-4)


# ----------------------------------------------------------------------------- hand computations


def _ref_weights(in_size, out_size, kernel, antialias):
    """NumPy reference of jax.image.resize's resampling matrix (half-pixel centres)."""
    inv = in_size / out_size
    scale = max(inv, 1.0) if antialias else 1.0
    sample = (np.arange(out_size) + 0.5) * inv - 0.5
    w = kernel(np.abs(sample[None, :] - np.arange(in_size)[:, None]) / scale)
    return w / w.sum(0, keepdims=True)


def _lanczos3(x):
    with np.errstate(invalid="ignore", divide="ignore"):
        y = 3 * np.sin(np.pi * x) * np.sin(np.pi * x / 3) / (np.pi**2 * x**2)
    return np.where(x > 3, 0.0, np.where(x > 1e-3, y, 1.0))


@pytest.mark.parametrize("size,antialias", [((17, 30), False), ((4, 5), True), ((4, 5), False)])
def test_lanczos_resize_against_numpy_reference(size, antialias):
    wh = _ref_weights(9, size[0], _lanczos3, antialias)
    ww = _ref_weights(13, size[1], _lanczos3, antialias)
    expected = np.einsum("bhwc,hH,wW->bHWc", IM.astype("float64"), wh, ww)
    _check(I.resize(IM, size, interpolation="lanczos3", antialias=antialias), expected, atol=1e-4)


def test_resize_by_hand():
    x = np.array([[0.0, 1.0], [2.0, 3.0]], "float32")[None, :, :, None]
    up = _np(I.resize(x, (4, 4)))[0, :, :, 0]
    # half-pixel centres: output 1 samples input 0.25 -> 0.75 * x0 + 0.25 * x1, edges clamp
    np.testing.assert_allclose(up[0], [0.0, 0.25, 0.75, 1.0], atol=1e-6)
    np.testing.assert_allclose(up[:, 0], [0.0, 0.5, 1.5, 2.0], atol=1e-6)
    nearest = _np(I.resize(x, (4, 4), interpolation="nearest"))[0, :, :, 0]
    np.testing.assert_array_equal(nearest, np.repeat(np.repeat(x[0, :, :, 0], 2, 0), 2, 1))
    _check(I.resize(IM, (9, 13)), IM)
    down = _np(I.resize(np.arange(16, dtype="float32").reshape(1, 4, 4, 1), (2, 2)))
    np.testing.assert_allclose(down[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]], atol=1e-5)


def test_pad_and_crop_by_hand():
    x = np.arange(12, dtype="int32").reshape(3, 4, 1)
    padded = _np(I.pad_images(x, 1, 2, 0, 1))
    assert padded.shape == (4, 7, 1) and padded.dtype == np.int32
    np.testing.assert_array_equal(padded[1:, 2:6, 0], x[:, :, 0])
    assert padded.sum() == x.sum()
    cropped = _np(I.crop_images(x, 1, 1, target_height=2, target_width=2))
    np.testing.assert_array_equal(cropped[:, :, 0], [[5, 6], [9, 10]])
    cropped = _np(I.crop_images(x, top_cropping=0, bottom_cropping=1, left_cropping=2, right_cropping=0))
    np.testing.assert_array_equal(cropped[:, :, 0], [[2, 3], [6, 7]])


def test_colour_conversions_by_hand():
    rgb = np.array([[[1.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.2, 0.2, 0.6], [0.3, 0.3, 0.3]]], "float32")
    hsv = _np(I.rgb_to_hsv(rgb))
    np.testing.assert_allclose(hsv[0], [[0.0, 1.0, 1.0], [1 / 3, 1.0, 0.5], [2 / 3, 2 / 3, 0.6], [0.0, 0.0, 0.3]],
                               atol=1e-6)
    _check(I.hsv_to_rgb(I.rgb_to_hsv(IM)), IM, atol=1e-5)
    gray = _np(I.rgb_to_grayscale(rgb))
    np.testing.assert_allclose(gray[0, :, 0], rgb[0] @ np.array([0.2989, 0.587, 0.114]), atol=1e-6)
    _check(I.rgb_to_grayscale(IM[..., :1]), IM[..., :1])


def test_affine_transform_by_hand():
    _check(I.affine_transform(IM, np.array([1, 0, 0, 0, 1, 0, 0, 0], "float32")), IM)
    # output (x, y) reads input (x + 2, y - 1): content moves left by 2 and down by 1
    shifted = _np(I.affine_transform(IM, [1.0, 0.0, 2.0, 0.0, 1.0, -1.0, 0.0, 0.0], fill_value=-1.0))
    np.testing.assert_allclose(shifted[:, 1:, :-2], IM[:, :-1, 2:])
    assert np.all(shifted[:, 0] == -1.0) and np.all(shifted[:, :, -2:] == -1.0)
    # the projective terms divide by c0 x + c1 y + 1
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    out = _np(I.affine_transform(x, [2.0, 0.0, 0.0, 0.0, 2.0, 0.0, 1.0, 0.0], interpolation="nearest"))
    for y in range(4):
        for xx in range(4):
            k = xx + 1.0
            sx, sy = round(2 * xx / k), round(2 * y / k)
            assert out[0, y, xx, 0] == (x[0, sy, sx, 0] if sy < 4 and sx < 4 else 0.0)


def test_map_coordinates_by_hand():
    x = np.arange(12, dtype="float32").reshape(3, 4)
    _check(I.map_coordinates(x, np.array([[0.5, 2.0, 5.0], [1.25, 3.0, 0.0]]), 1), [3.25, 11.0, 0.0])
    _check(I.map_coordinates(x, [np.array([0.5, 2.0, 5.0]), np.array([1.25, 3.0, 0.0])], 1, fill_mode="nearest"),
           [3.25, 11.0, 8.0])
    _check(I.map_coordinates(x, np.array([[-1.0], [0.0]]), 0, fill_mode="wrap"), [8.0])
    _check(I.map_coordinates(x, np.array([[-1.0], [0.0]]), 0, fill_mode="reflect"), [0.0])
    _check(I.map_coordinates(x, np.array([[-1.0], [0.0]]), 0, fill_mode="mirror"), [4.0])
    ints = _np(I.map_coordinates(x.astype("int32"), np.array([[0.5], [0.5]]), 1))
    assert ints.dtype == np.int32 and ints[0] == 3  # 2.5 rounds half away from zero


def test_extract_patches_by_hand():
    x = np.arange(16, dtype="float32").reshape(4, 4, 1)
    patches = _np(I.extract_patches(x, 2))
    assert patches.shape == (2, 2, 4)
    np.testing.assert_array_equal(patches[0, 1], [2, 3, 6, 7])
    np.testing.assert_array_equal(patches[1, 0], [8, 9, 12, 13])
    two = np.concatenate([x, 100 + x], axis=-1)
    np.testing.assert_array_equal(_np(I.extract_patches(two, 2))[0, 0], [0, 100, 1, 101, 4, 104, 5, 105])


def test_filters_by_hand():
    flat = np.full((1, 7, 7, 1), 3.0, "float32")
    blurred = _np(I.gaussian_blur(flat, (3, 3), (1.0, 1.0)))
    np.testing.assert_allclose(blurred[0, 1:-1, 1:-1, 0], 3.0, atol=1e-5)  # interior of a constant image
    assert blurred[0, 0, 0, 0] < 3.0  # zero padding darkens the corners
    g = np.exp(-0.5 * np.arange(-1, 2) ** 2)
    g /= g.sum()
    impulse = np.zeros((1, 5, 5, 1), "float32")
    impulse[0, 2, 2, 0] = 1.0
    _check(I.gaussian_blur(impulse, 3, 1.0)[0, 1:4, 1:4, 0], np.outer(g, g))
    ramp = np.tile(np.arange(6, dtype="float32") * 2, (5, 1))[None, :, :, None]
    edges = _np(I.sobel_edges(ramp))
    assert edges.shape == (1, 5, 6, 1, 2)
    np.testing.assert_allclose(edges[0, 1:-1, 1:-1, 0, 1], 16.0)  # d/dx of 2 x, times the Sobel weight 8
    np.testing.assert_allclose(edges[0, 1:-1, 1:-1, 0, 0], 0.0)
    _check(I.ssim(BIG, BIG), np.ones(2, "float32"))
    assert float(_np(I.ssim(BIG[0], NOISY[0]))) < 1.0


def test_elastic_transform():
    out = _np(I.elastic_transform(IM, seed=3))
    assert out.shape == IM.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out, _np(I.elastic_transform(IM, seed=3)))
    assert not np.allclose(out, IM)
    _check(I.elastic_transform(IM, alpha=0.0, seed=3), IM)
    u8 = _np(I.elastic_transform(IM_U8, alpha=5.0, sigma=2.0, seed=2, interpolation="nearest"))
    assert u8.dtype == np.uint8 and set(np.unique(u8)) <= set(np.unique(IM_U8))


def test_dtypes_are_kept():
    for images in (IM_U8, IM.astype("float16")):
        dtype = str(images.dtype)
        for out in (I.resize(images, (4, 5)), I.affine_transform(images, TRANSFORMS),
                    I.gaussian_blur(images), I.crop_images(images, 1, 1, target_height=3, target_width=3),
                    I.pad_images(images, 1, 1, 1, 1), I.extract_patches(images, 2), I.rgb_to_grayscale(images),
                    I.perspective_transform(images, START, END)):
            assert str(_np(out).dtype) == dtype


# ----------------------------------------------------------------------------- symbolic shapes


def test_symbolic_shapes():
    x = KT((None, 8, 10, 3))
    cf = KT((None, 3, 8, 10))
    assert I.resize(x, (4, 5)).shape == (None, 4, 5, 3)
    assert I.resize(cf, (4, 5), data_format="channels_first").shape == (None, 3, 4, 5)
    assert I.resize(KT((None, None, 3), "uint8"), (4, 5)).dtype == "uint8"
    assert I.extract_patches(x, 3, strides=2, padding="same").shape == (None, 4, 5, 27)
    assert I.extract_patches(cf, 2, data_format="channels_first").shape == (None, 12, 4, 5)
    assert I.extract_patches_3d(KT((None, 6, 5, 7, 2)), 2).shape == (None, 3, 2, 3, 16)
    assert I.pad_images(x, 1, 2, target_height=12, target_width=14).shape == (None, 12, 14, 3)
    assert I.pad_images(KT((None, None, 3)), 1, 1, 1, 1).shape == (None, None, 3)
    assert I.crop_images(x, 1, 2, target_height=5, target_width=6).shape == (None, 5, 6, 3)
    assert I.rgb_to_grayscale(x).shape == (None, 8, 10, 1)
    assert I.rgb_to_hsv(x).shape == (None, 8, 10, 3)
    assert I.affine_transform(x, KT((None, 8))).shape == (None, 8, 10, 3)
    assert I.perspective_transform(x, KT((None, 4, 2)), KT((None, 4, 2))).shape == (None, 8, 10, 3)
    assert I.map_coordinates(KT((5, 6)), KT((2, None, 3)), 1).shape == (None, 3)
    assert I.gaussian_blur(x).shape == (None, 8, 10, 3)
    assert I.sobel_edges(x).shape == (None, 8, 10, 3, 2)
    assert I.ssim(x, x).shape == (None,)
    assert I.ssim(KT((8, 10, 3)), KT((8, 10, 3))).shape == ()
    assert I.elastic_transform(x).shape == (None, 8, 10, 3)
    assert I.scale_and_translate(x, (2, 16, 20, 3), KT((2,)), KT((2,)), (1, 2), "linear").shape == (2, 16, 20, 3)


def test_symbolic_graph_runs():
    inp = lamina.Input((9, 13, 3))
    out = I.rgb_to_grayscale(I.resize(inp, (4, 6)))
    assert out.shape == (None, 4, 6, 1)
    model = lamina.Model(inp, out)
    _check(model(IM), _np(I.rgb_to_grayscale(I.resize(IM, (4, 6)))))


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("call,match", [
    (lambda: I.resize(IM, (4,)), "resize: `size` must be a tuple of two integers"),
    (lambda: I.resize(IM, (0, 4)), "resize: `size` must hold two positive integers"),
    (lambda: I.resize(IM, (4, 4), interpolation="area"), "resize: invalid `interpolation`"),
    (lambda: I.resize(IM, (4, 4), fill_mode="reflect"), "resize: only fill_mode='constant'"),
    (lambda: I.resize(IM, (4, 4), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "only one of"),
    (lambda: I.resize(IM[0, 0], (4, 4)), "resize: `images` must have rank 3 or 4"),
    (lambda: I.affine_transform(IM, np.ones((2, 6))), "affine_transform: `transform` must have shape"),
    (lambda: I.affine_transform(IM, TRANSFORMS, fill_mode="edge"), "affine_transform: invalid `fill_mode`"),
    (lambda: I.affine_transform(IM, np.ones((3, 8))), "batch of transforms"),
    (lambda: I.map_coordinates(IM[0, :, :, 0], COORDS, 3), "map_coordinates: `order` must be 0"),
    (lambda: I.map_coordinates(IM[0], COORDS, 1), "must equal the rank of `inputs`"),
    (lambda: I.pad_images(IM, 1, 1), "pad_images: give exactly two of"),
    (lambda: I.pad_images(IM, 1, 1, target_height=5, target_width=20), "pad_images: `bottom_padding` must be >= 0"),
    (lambda: I.crop_images(IM, 1, 1, target_height=20, target_width=3), "crop_images: `bottom_cropping` must be >= 0"),
    (lambda: I.rgb_to_hsv(IM_U8), "rgb_to_hsv: images must have a float dtype"),
    (lambda: I.rgb_to_grayscale(IM[..., :2]), "rgb_to_grayscale: images must have 3"),
    (lambda: I.extract_patches(IM, (2, 2, 2, 2)), "extract_patches: `size` must be"),
    (lambda: I.extract_patches(IM, 2, padding="full"), "extract_patches: invalid `padding`"),
    (lambda: I.perspective_transform(IM, START[:3], END[:3]), "perspective_transform: `start_points` must have"),
    (lambda: I.sobel_edges(IM[0]), "sobel_edges: `images` must have rank 4"),
    (lambda: I.ssim(IM, IM), "smaller than filter_size"),
    (lambda: I.gaussian_blur(IM, sigma=(1.0, 2.0, 3.0)), "gaussian_blur: `sigma` must be"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
