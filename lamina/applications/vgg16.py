"""VGG16 (Simonyan & Zisserman, 2015): five blocks of 3x3 convolutions and max-pooling.

Layer names, weight shapes and creation order follow ``keras.applications.vgg16``,
so Keras's weight files (``.weights.h5`` and the legacy ImageNet ``.h5``) load.

Example:
    >>> model = lamina.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
"""

from __future__ import annotations

from lamina import config, layers
from lamina.applications import imagenet_utils
from lamina.applications._weights import check_weights_argument, load_application_weights, model_inputs
from lamina.models.functional import Functional

__all__ = ["VGG16", "preprocess_input", "decode_predictions"]

_FILES = {
    "vgg16": ("vgg16_weights_tf_dim_ordering_tf_kernels.h5", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    "vgg19": ("vgg19_weights_tf_dim_ordering_tf_kernels.h5", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"),
}
_URL = "https://storage.googleapis.com/tensorflow/keras-applications/{}/{}"
_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(convs_per_block, family: str, model_title: str, include_top: bool, weights, input_tensor,
              input_shape, pooling, classes: int, classifier_activation, name: str):
    """The VGG network with ``convs_per_block[i]`` convolutions in block ``i + 1`` (shared by VGG16/VGG19)."""
    check_weights_argument(weights, include_top, classes, model_title)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights,
    )
    img_input, inputs = model_inputs(input_tensor, input_shape)
    x = img_input
    for block, (filters, n_convs) in enumerate(zip(_FILTERS, convs_per_block), start=1):
        for k in range(1, n_convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{k}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)

    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    model = Functional(inputs, x, name=name)
    file_name = _FILES[family][0 if include_top else 1]
    load_application_weights(model, weights, file_name, url=_URL.format(family, file_name))
    return model


def VGG16(include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
          name: str = "vgg16"):
    """Instantiate the VGG16 architecture (default input 224x224x3, smallest 32x32).

    Arguments follow ``keras.applications.VGG16``; ``weights`` is None, ``"imagenet"``
    (read from the local cache, never downloaded) or the path to a weights file.

    Example:
        >>> model = VGG16(weights=None, include_top=False, pooling="avg", input_shape=(64, 64, 3))
    """
    return build_vgg((2, 2, 3, 3, 3), "vgg16", "VGG16", include_top, weights, input_tensor, input_shape,
                     pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """Convert RGB images in [0, 255] to BGR and subtract ImageNet's channel means (``mode="caffe"``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
