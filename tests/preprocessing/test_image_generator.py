"""lamina.preprocessing.image.ImageDataGenerator against Keras's legacy implementation (deterministic parts)."""

import os

import numpy as np
import pytest

import lamina
from lamina.preprocessing import image as L
from tests.conftest import requires_training

pytest.importorskip("scipy")
Image = pytest.importorskip("PIL.Image")

RNG = np.random.RandomState(0)
X = RNG.uniform(0, 255, size=(6, 5, 7, 3)).astype("float32")
Y = np.array([0, 1, 0, 1, 0, 1])


@pytest.fixture
def K(keras):
    from keras.src.legacy.preprocessing import image

    return image


@pytest.mark.parametrize("kw", [dict(tx=2, ty=1), dict(theta=30), dict(shear=10, zx=1.2, zy=0.8),
                                dict(theta=15, tx=1, ty=-2, zx=0.9, fill_mode="constant", cval=7.0),
                                dict(tx=1.5, fill_mode="reflect", order=0)])
def test_apply_affine_transform_matches_keras(K, kw):
    x = X[0]
    axes = dict(row_axis=0, col_axis=1, channel_axis=2)
    np.testing.assert_allclose(L.apply_affine_transform(x, **kw, **axes), K.apply_affine_transform(x, **kw, **axes),
                               atol=1e-4)
    xc = x.transpose(2, 0, 1)
    axes = dict(row_axis=1, col_axis=2, channel_axis=0)
    np.testing.assert_allclose(L.apply_affine_transform(xc, **kw, **axes),
                               K.apply_affine_transform(xc, **kw, **axes), atol=1e-4)


def test_fixed_shift_moves_pixels():
    img = np.zeros((4, 4, 1), "float32")
    img[1, 1, 0] = 1.0
    # Keras 2's convention: tx moves content along the columns, ty along the rows (tx=-1 -> one column right).
    out = L.apply_affine_transform(img, tx=-1, row_axis=0, col_axis=1, channel_axis=2, fill_mode="constant")
    assert out[1, 2, 0] == 1.0 and out.sum() == 1.0


GEN_KWARGS = dict(rotation_range=20, width_shift_range=0.2, height_shift_range=[1, 2], shear_range=5,
                  zoom_range=0.1, channel_shift_range=3.0, horizontal_flip=True, vertical_flip=True,
                  brightness_range=(0.5, 1.5))


@pytest.mark.parametrize("seed", [0, 3, 11])
def test_seeded_random_transform_matches_keras(K, seed):
    ours, theirs = L.ImageDataGenerator(**GEN_KWARGS), K.ImageDataGenerator(**GEN_KWARGS)
    p, q = ours.get_random_transform(X[0].shape, seed=seed), theirs.get_random_transform(X[0].shape, seed=seed)
    assert p.keys() == q.keys()
    for key in p:
        np.testing.assert_allclose(p[key], q[key])
    np.testing.assert_allclose(ours.random_transform(X[0], seed=seed), theirs.random_transform(X[0], seed=seed),
                               atol=1e-3)


@pytest.mark.parametrize("kw", [dict(rescale=1 / 255.0), dict(featurewise_center=True),
                                dict(featurewise_center=True, featurewise_std_normalization=True, rescale=0.5),
                                dict(samplewise_center=True, samplewise_std_normalization=True),
                                dict(zca_whitening=True)])
def test_fit_standardize_and_flow_match_keras(K, kw):
    ours, theirs = L.ImageDataGenerator(**kw), K.ImageDataGenerator(**kw)
    ours.fit(X)
    theirs.fit(X)
    for attr in ("mean", "std", "zca_whitening_matrix"):
        a, b = getattr(ours, attr), getattr(theirs, attr)
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.standardize(X.copy()), theirs.standardize(X.copy()), rtol=1e-4, atol=1e-4)
    got = ours.flow(X, Y, batch_size=4, shuffle=False)
    want = theirs.flow(X, Y, batch_size=4, shuffle=False)
    assert len(got) == len(want) == 2
    for i in range(2):
        np.testing.assert_allclose(got[i][0], want[i][0], rtol=1e-4, atol=1e-3)
        np.testing.assert_array_equal(got[i][1], want[i][1])


def test_flow_validation_split_sample_weight_and_next():
    gen = L.ImageDataGenerator(validation_split=1 / 3, horizontal_flip=True)
    val = gen.flow(X, Y, batch_size=2, shuffle=False, subset="validation")
    train = gen.flow(X, Y, batch_size=2, shuffle=False, subset="training", sample_weight=np.arange(6.0))
    assert val.n == 2 and train.n == 4  # validation = the first fraction, as Keras 2
    x, y, w = train[0]
    np.testing.assert_array_equal(y, Y[2:4])
    np.testing.assert_array_equal(w, [2.0, 3.0])
    assert np.allclose(x[0], X[2]) or np.allclose(x[0], X[2][:, ::-1])  # horizontal_flip: as is, or mirrored
    batches = [next(train) for _ in range(3)]  # cycles forever
    assert [len(b[0]) for b in batches] == [2, 2, 2]
    shuffled = gen.flow(X, Y, batch_size=6, seed=1)
    assert sorted(shuffled[0][1].tolist()) == sorted(Y.tolist())
    with pytest.raises(ValueError, match="different classes after the split"):
        gen.flow(X, np.array([0, 0, 1, 1, 1, 1]), subset="training")
    with pytest.raises(ValueError, match="ImageDataGenerator.flow: expected images of rank 4"):
        gen.flow(X[0])
    with pytest.raises(ValueError, match="`x` \\(images\\) and `y` \\(labels\\) must have the same length"):
        gen.flow(X, Y[:3])
    with pytest.raises(ValueError, match="ImageDataGenerator: `zoom_range` must be a float or a pair"):
        L.ImageDataGenerator(zoom_range=[1, 2, 3])
    with pytest.raises(ValueError, match="`validation_split` must be strictly between 0 and 1"):
        L.ImageDataGenerator(validation_split=1.5)


def _image_folder(root, per_class=3):
    for c, cls in enumerate(["cats", "dogs"]):
        os.makedirs(root / cls)
        for i in range(per_class):
            arr = np.full((6, 6, 3), 40 * c + 10 * i, dtype="uint8")
            Image.fromarray(arr).save(root / cls / f"{i}.png")


def test_flow_from_directory_matches_keras(K, tmp_path):
    _image_folder(tmp_path)
    kw = dict(rescale=1 / 255.0, validation_split=1 / 3)
    ours, theirs = L.ImageDataGenerator(**kw), K.ImageDataGenerator(**kw)
    for subset in ("training", "validation"):
        args = dict(target_size=(4, 4), batch_size=3, shuffle=False, subset=subset)
        a, b = ours.flow_from_directory(tmp_path, **args), theirs.flow_from_directory(str(tmp_path), **args)
        assert a.filenames == b.filenames and a.class_indices == b.class_indices
        np.testing.assert_array_equal(a.classes, b.classes)
        for i in range(len(b)):
            np.testing.assert_allclose(a[i][0], b[i][0], atol=1e-6)
            np.testing.assert_array_equal(a[i][1], b[i][1])
    sparse = ours.flow_from_directory(tmp_path, target_size=(6, 6), class_mode="sparse", shuffle=False,
                                      color_mode="grayscale")
    x, y = sparse[0]
    assert x.shape == (6, 6, 6, 1) and y.tolist() == [0, 0, 0, 1, 1, 1]
    assert ours.flow_from_directory(tmp_path, target_size=(6, 6), class_mode=None)[0].shape == (6, 6, 6, 3)
    empty = tmp_path / "empty"
    (empty).mkdir()
    with pytest.raises(ValueError, match="flow_from_directory: .* has no subdirectories"):
        ours.flow_from_directory(empty)
    with pytest.raises(ValueError, match="`class_mode` must be one of"):
        ours.flow_from_directory(tmp_path, class_mode="multi")


def test_flow_from_dataframe(K, tmp_path):
    pd = pytest.importorskip("pandas")
    _image_folder(tmp_path)
    df = pd.DataFrame({"filename": ["cats/0.png", "dogs/1.png", "cats/2.png", "missing.png"],
                       "class": ["cat", "dog", "cat", "cat"], "w": [1.0, 2.0, 3.0, 4.0]})
    ours, theirs = L.ImageDataGenerator(rescale=0.5), K.ImageDataGenerator(rescale=0.5)
    args = dict(directory=str(tmp_path), target_size=(3, 3), batch_size=2, shuffle=False, weight_col="w")
    with pytest.warns(UserWarning, match="1 invalid image file name"):
        a = ours.flow_from_dataframe(df, **args)
    b = theirs.flow_from_dataframe(df, **args)
    assert a.filenames == b.filenames and a.class_indices == b.class_indices
    for i in range(len(b)):
        for u, v in zip(a[i], b[i]):
            np.testing.assert_allclose(u, v)
    raw = ours.flow_from_dataframe(df.iloc[:3].assign(score=[0.1, 0.2, 0.3]), directory=tmp_path, y_col="score",
                                   class_mode="raw", target_size=(3, 3), shuffle=False)
    np.testing.assert_allclose(raw[0][1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="class_mode='binary' needs exactly 2 classes"):
        ours.flow_from_dataframe(df.assign(**{"class": ["a", "b", "c", "a"]}), directory=tmp_path,
                                 class_mode="binary")


@requires_training
def test_fit_on_augmented_flow():
    gen = L.ImageDataGenerator(rescale=1 / 255.0, rotation_range=10, horizontal_flip=True)
    model = lamina.Sequential([lamina.Input((5, 7, 3)), lamina.layers.Flatten(), lamina.layers.Dense(2)])
    model.compile("sgd", lamina.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(gen.flow(X, Y, batch_size=3, seed=0), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
