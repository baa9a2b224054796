"""On jax, the families' end-to-end weight-file parity runs for a sample of families only.

Loading a weight file is the same code on every backend, and every layer these models use is
checked against Keras on jax by tests/layers; what the end-to-end runs add on jax is minutes of XLA
compilation of large graphs. So jax keeps: ResNet50 from Keras's legacy `.h5` layout, MobileNetV3
(hard-swish, squeeze-excite and the in-graph rescaling) and EfficientNet (its `.weights.h5` and the
imagenet-file path). torch runs every family.
"""

import pytest

import lamina

_JAX_SAMPLE = {
    "test_resnet.py::test_resnet50_legacy_h5_parity",
    "test_mobilenet_v3.py::test_weights_file_parity[MobileNetV3Small-kwargs0]",
    "test_efficientnet.py::test_keras_weights_h5_gives_keras_predictions",
    "test_efficientnet.py::test_imagenet_adds_keras_input_rescaling",
}
_END_TO_END = ("parity", "gives_keras_predictions", "end_to_end", "archive_round_trip", "imagenet_adds",
               "imagenet_loads")


def pytest_collection_modifyitems(config, items):
    if lamina.config.backend() != "jax":
        return
    skip = pytest.mark.skip(reason="end-to-end family parity runs on jax for a sample of families (see conftest)")
    for item in items:
        key = f"{item.path.name}::{item.name}"
        if item.path.parent.name == "applications" and any(word in item.name for word in _END_TO_END) \
                and key not in _JAX_SAMPLE:
            item.add_marker(skip)
