"""imagenet_utils and _weights: preprocessing, decoding, input-shape rules, the offline weights cache."""

import json
import os
import warnings

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.applications import _weights, imagenet_utils

BACKEND = lamina.config.backend()


def keras_imagenet_utils():
    """Keras's internal imagenet_utils (obtain_input_shape and correct_pad are not public there)."""
    from keras.src.applications import imagenet_utils as keras_utils

    return keras_utils


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """Empty Keras and lamina cache folders (KERAS_HOME / LAMINA_HOME)."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "lamina_home"))
    monkeypatch.setattr(imagenet_utils, "_class_index", None)
    return tmp_path / "keras_home" / "models", tmp_path / "lamina_home" / "models"


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format,shape", [("channels_last", (2, 3, 4, 3)), ("channels_first", (2, 3, 4, 5)),
                                               ("channels_last", (4, 5, 3)), ("channels_first", (3, 4, 5))])
def test_preprocess_numpy_matches_keras(mode, data_format, shape, keras):
    x = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
    expected = keras.applications.imagenet_utils.preprocess_input(x.copy(), data_format=data_format, mode=mode)
    got = imagenet_utils.preprocess_input(x.copy(), data_format=data_format, mode=mode)
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-4)


def test_preprocess_int_array_and_in_place():
    x = np.full((1, 2, 2, 3), 255, dtype="uint8")
    out = imagenet_utils.preprocess_input(x, mode="tf")
    assert out.dtype == np.float32 and np.all(out == 1.0)
    y = np.full((1, 2, 2, 3), 255.0, dtype="float32")
    imagenet_utils.preprocess_input(y, mode="torch")
    assert not np.all(y == 255.0)  # Keras semantics: float arrays are overwritten in place


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_preprocess_tensor_matches_numpy(mode, data_format):
    x = np.random.default_rng(1).uniform(0, 255, (2, 3, 4, 3) if data_format == "channels_last" else (2, 3, 4, 5))
    x = x.astype("float32")
    expected = imagenet_utils.preprocess_input(x.copy(), data_format=data_format, mode=mode)
    got = imagenet_utils.preprocess_input(lamina.ops.convert_to_tensor(x), data_format=data_format, mode=mode)
    assert BACKEND == "numpy" or not isinstance(got, np.ndarray)  # numpy's tensors are arrays
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(got), expected, rtol=1e-5, atol=1e-4)


def test_preprocess_symbolic_and_errors():
    out = imagenet_utils.preprocess_input(layers.Input((None, None, 3)), mode="caffe")
    assert tuple(out.shape) == (None, None, None, 3)
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), mode="bgr")
    with pytest.raises(ValueError, match="data_format"):
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), data_format="NHWC")
    with pytest.raises(ValueError, match="3 color channels"):
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 4)), mode="caffe")


def _write_index(folder, n=1000):
    os.makedirs(folder, exist_ok=True)
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(n)}
    with open(os.path.join(folder, "imagenet_class_index.json"), "w") as f:
        json.dump(index, f)


def test_decode_predictions_reads_cached_index(cache):
    keras_dir, lamina_dir = cache
    _write_index(lamina_dir)
    preds = np.zeros((2, 1000), "float32")
    preds[0, [5, 7, 9]] = [0.2, 0.5, 0.3]
    preds[1, 999] = 1.0
    out = imagenet_utils.decode_predictions(preds, top=3)
    assert [e[:2] for e in out[0]] == [("n00000007", "class_7"), ("n00000009", "class_9"), ("n00000005", "class_5")]
    np.testing.assert_allclose([e[2] for e in out[0]], [0.5, 0.3, 0.2])
    assert out[1][0][:2] == ("n00000999", "class_999") and len(out[1]) == 3
    out_tensor = imagenet_utils.decode_predictions(lamina.ops.convert_to_tensor(preds), top=1)
    assert out_tensor[0][0][1] == "class_7"


def test_decode_predictions_errors(cache):
    keras_dir, lamina_dir = cache
    with pytest.raises(ValueError, match=r"\(samples, 1000\).*\(2, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))
    with pytest.raises(FileNotFoundError) as info:
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
    message = str(info.value)
    assert "imagenet_class_index.json" in message and str(keras_dir) in message and str(lamina_dir) in message


@pytest.mark.parametrize("args", [
    (None, 224, 32, "channels_last", True, None),
    (None, 224, 32, "channels_last", False, None),
    (None, 299, 75, "channels_first", False, "imagenet"),
    ((64, 48, 3), 224, 32, "channels_last", True, None),
    ((3, 64, 64), 224, 32, "channels_first", False, "imagenet"),
    ((None, None, 1), 224, 32, "channels_last", False, None),
    ((224, 224, 3), 224, 32, "channels_last", True, "imagenet"),
    ((100, 100, 3), 224, 32, "channels_last", True, "imagenet"),  # error
    ((16, 16, 3), 224, 32, "channels_last", False, None),  # error
    ((32, 32, 1), 224, 32, "channels_last", False, "imagenet"),  # error
    ((32, 32), 224, 32, "channels_last", False, None),  # error
    ((None, 32, 3), 224, 32, "channels_last", True, None),  # error: include_top needs a static shape
])
def test_obtain_input_shape_matches_keras(args, keras):
    def run(fn):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return fn(*args[:4], require_flatten=args[4], weights=args[5])
        except ValueError:
            return "ValueError"

    assert run(imagenet_utils.obtain_input_shape) == run(keras_imagenet_utils().obtain_input_shape)


def test_obtain_input_shape_messages_and_warning():
    with pytest.raises(ValueError, match="at least 32x32.*16, 16, 3"):
        imagenet_utils.obtain_input_shape((16, 16, 3), 224, 32, "channels_last", False)
    with pytest.warns(UserWarning, match="1 or 3 input channels"):
        imagenet_utils.obtain_input_shape((64, 64, 5), 224, 32, "channels_last", False)


@pytest.mark.parametrize("shape", [(None, 33, 33, 8), (None, 32, 31, 8), (None, None, None, 8)])
@pytest.mark.parametrize("kernel", [3, (5, 3)])
def test_correct_pad_matches_keras(shape, kernel, keras):
    mine = imagenet_utils.correct_pad(layers.Input(batch_shape=shape), kernel)
    theirs = keras_imagenet_utils().correct_pad(keras.Input(batch_shape=shape), kernel)
    assert mine == tuple(tuple(p) for p in theirs)


def test_validate_activation():
    imagenet_utils.validate_activation("softmax", "imagenet")
    imagenet_utils.validate_activation(None, "imagenet")
    imagenet_utils.validate_activation("relu", None)
    with pytest.raises(ValueError, match="classifier_activation"):
        imagenet_utils.validate_activation("relu", "imagenet")


def test_check_weights_argument(tmp_path):
    _weights.check_weights_argument(None, True, 10, "M")
    _weights.check_weights_argument("imagenet", False, 10, "M")
    path = tmp_path / "w.weights.h5"
    path.write_bytes(b"")
    _weights.check_weights_argument(str(path), True, 10, "M")
    with pytest.raises(ValueError, match="M: the `weights` argument.*missing.h5"):
        _weights.check_weights_argument("missing.h5", True, 1000, "M")
    with pytest.raises(ValueError, match="M: .*`classes` must be 1000; received classes=10"):
        _weights.check_weights_argument("imagenet", True, 10, "M")


def _tiny_model():
    from lamina.models.functional import Functional

    inputs = layers.Input((4,))
    return Functional(inputs, layers.Dense(3, name="d")(inputs), name="tiny")


def test_imagenet_weights_found_in_either_cache(cache, tmp_path):
    keras_dir, lamina_dir = cache
    source = _tiny_model()
    os.makedirs(lamina_dir)
    source.save_weights(str(lamina_dir / "tiny_weights.weights.h5"))
    model = _tiny_model()
    _weights.load_application_weights(model, "imagenet", "tiny_weights.weights.h5")
    for a, b in zip(model.weights, source.weights):
        np.testing.assert_array_equal(lamina.ops.convert_to_numpy(a), lamina.ops.convert_to_numpy(b))
    # ~/.keras/models is searched first.
    other = _tiny_model()
    os.makedirs(keras_dir)
    other.save_weights(str(keras_dir / "tiny_weights.weights.h5"))
    assert _weights.find_cached_file("tiny_weights.weights.h5") == str(keras_dir / "tiny_weights.weights.h5")
    _weights.load_application_weights(model, "imagenet", "tiny_weights.weights.h5")
    np.testing.assert_array_equal(lamina.ops.convert_to_numpy(model.weights[0]),
                                  lamina.ops.convert_to_numpy(other.weights[0]))
    # A path is loaded as it is; None leaves the weights alone.
    _weights.load_application_weights(model, str(lamina_dir / "tiny_weights.weights.h5"), None)
    np.testing.assert_array_equal(lamina.ops.convert_to_numpy(model.weights[0]),
                                  lamina.ops.convert_to_numpy(source.weights[0]))
    _weights.load_application_weights(model, None, "ignored.h5")


def test_missing_imagenet_weights_error_names_file_and_folders(cache):
    keras_dir, lamina_dir = cache
    with pytest.raises(FileNotFoundError) as info:
        _weights.load_application_weights(_tiny_model(), "imagenet", "vgg16_notop.h5", url="https://x/vgg16_notop.h5")
    message = str(info.value)
    for part in ("tiny", "vgg16_notop.h5", "https://x/vgg16_notop.h5", str(keras_dir), str(lamina_dir)):
        assert part in message
    from lamina.applications import VGG16

    with pytest.raises(FileNotFoundError, match="vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        VGG16(include_top=False, input_shape=(32, 32, 3))


def test_model_inputs_and_input_tensor():
    from lamina.applications import MobileNetV2

    image = layers.Input((32, 32, 3), name="image")
    scaled = layers.Rescaling(1.0 / 255)(image)
    img_input, inputs = _weights.model_inputs(scaled, None)
    assert img_input is scaled and inputs is image
    model = MobileNetV2(weights=None, alpha=0.35, include_top=False, input_tensor=scaled)
    assert model.inputs[0] is image and model.layers[1].name == "rescaling"
    with pytest.raises(ValueError, match="input_tensor"):
        _weights.model_inputs(np.zeros((1, 32, 32, 3)), None)
    fresh, same = _weights.model_inputs(None, (8, 8, 3))
    assert fresh is same and tuple(fresh.shape) == (None, 8, 8, 3)


def test_top_level_exports():
    import lamina.applications as apps

    for name in ("VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
                 "MobileNet", "MobileNetV2", "MobileNetV3Small", "MobileNetV3Large", "DenseNet121", "DenseNet169",
                 "DenseNet201", "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge"):
        assert callable(getattr(apps, name)) and name in apps.__all__
    for module in ("vgg16", "vgg19", "resnet", "resnet50", "resnet_v2", "mobilenet", "mobilenet_v2", "mobilenet_v3",
                   "densenet", "convnext", "imagenet_utils"):
        mod = getattr(apps, module)
        if module != "imagenet_utils":
            assert callable(mod.preprocess_input) and callable(mod.decode_predictions)
