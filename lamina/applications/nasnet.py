"""NASNet-A (Zoph et al., 2018): architecture-searched normal and reduction cells.

``NASNetMobile`` (224x224) and ``NASNetLarge`` (331x331). Layer names, name scopes (they
prefix the weight paths), weight shapes and creation order follow ``keras.applications.nasnet``,
so Keras's weight files load. Channels-last only, as in Keras.

Example:
    >>> model = lamina.applications.NASNetMobile(weights=None, include_top=False, input_shape=(32, 32, 3))
"""

from __future__ import annotations

from lamina import config, layers
from lamina.applications import imagenet_utils
from lamina.applications._weights import check_weights_argument, load_application_weights, model_inputs
from lamina.applications._top import classifier_or_pooling
from lamina.core.name_scope import name_scope
from lamina.models.functional import Functional

__all__ = ["NASNetMobile", "NASNetLarge", "preprocess_input", "decode_predictions"]

_FILES = {  # (default size, include_top) -> Keras's weight file name
    (224, True): "nasnet_mobile.h5", (224, False): "nasnet_mobile_no_top.h5",
    (331, True): "nasnet_large.h5", (331, False): "nasnet_large_no_top.h5",
}


def _bn(name: str):
    return layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name=name)


def _conv1x1(filters: int, name: str, strides=(1, 1)):
    return layers.Conv2D(filters, (1, 1), strides=strides, padding="same", use_bias=False, name=name,
                         kernel_initializer="he_normal")


def _separable_conv_block(ip, filters: int, kernel_size=(3, 3), strides=(1, 1), block_id: str = ""):
    """Two [ReLU -> SeparableConv2D -> BatchNormalization] blocks; the first may be strided."""
    with name_scope(f"separable_conv_block_{block_id}"):
        x = layers.Activation("relu")(ip)
        if strides == (2, 2):
            pad = imagenet_utils.correct_pad(x, kernel_size)
            x = layers.ZeroPadding2D(padding=pad, name=f"separable_conv_1_pad_{block_id}")(x)
            padding = "valid"
        else:
            padding = "same"
        x = layers.SeparableConv2D(filters, kernel_size, strides=strides, name=f"separable_conv_1_{block_id}",
                                   padding=padding, use_bias=False)(x)
        x = _bn(f"separable_conv_1_bn_{block_id}")(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, kernel_size, name=f"separable_conv_2_{block_id}", padding="same",
                                   use_bias=False)(x)
        return _bn(f"separable_conv_2_bn_{block_id}")(x)


def _adjust_block(p, ip, filters: int, block_id: str):
    """Make the previous cell's output ``p`` match ``ip``'s spatial size and ``filters`` channels."""
    with name_scope("adjust_block"):
        if p is None:
            return ip
        if p.shape[-2] != ip.shape[-2]:
            with name_scope(f"adjust_reduction_block_{block_id}"):
                p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
                p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                             name=f"adjust_avg_pool_1_{block_id}")(p)
                p1 = _conv1x1(filters // 2, f"adjust_conv_1_{block_id}")(p1)
                p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
                p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
                p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                             name=f"adjust_avg_pool_2_{block_id}")(p2)
                p2 = _conv1x1(filters // 2, f"adjust_conv_2_{block_id}")(p2)
                p = layers.concatenate([p1, p2], axis=-1)
                p = _bn(f"adjust_bn_{block_id}")(p)
        elif p.shape[-1] != filters:
            with name_scope(f"adjust_projection_block_{block_id}"):
                p = layers.Activation("relu")(p)
                p = _conv1x1(filters, f"adjust_conv_projection_{block_id}")(p)
                p = _bn(f"adjust_bn_{block_id}")(p)
    return p


def _cell_input(ip, p, filters: int, kind: str, block_id: str):
    """The adjusted ``p`` and the 1x1-projected ``h`` that every cell starts from."""
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = _conv1x1(filters, f"{kind}_conv_1_{block_id}")(h)
    h = _bn(f"{kind}_bn_1_{block_id}")(h)
    return p, h


def _avg3(strides, name: str):
    return layers.AveragePooling2D((3, 3), strides=strides, padding="same" if strides == (1, 1) else "valid",
                                   name=name)


def _normal_a_cell(ip, p, filters: int, block_id: str):
    """NASNet-A normal cell: five branch pairs concatenated with the adjusted previous output."""
    with name_scope(f"normal_A_block_{block_id}"):
        p, h = _cell_input(ip, p, filters, "normal", block_id)
        sep = _separable_conv_block
        with name_scope("block_1"):
            x1 = layers.add([sep(h, filters, (5, 5), block_id=f"normal_left1_{block_id}"),
                             sep(p, filters, block_id=f"normal_right1_{block_id}")],
                            name=f"normal_add_1_{block_id}")
        with name_scope("block_2"):
            x2 = layers.add([sep(p, filters, (5, 5), block_id=f"normal_left2_{block_id}"),
                             sep(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")],
                            name=f"normal_add_2_{block_id}")
        with name_scope("block_3"):
            x3 = _avg3((1, 1), f"normal_left3_{block_id}")(h)
            x3 = layers.add([x3, p], name=f"normal_add_3_{block_id}")
        with name_scope("block_4"):
            x4 = layers.add([_avg3((1, 1), f"normal_left4_{block_id}")(p),
                             _avg3((1, 1), f"normal_right4_{block_id}")(p)], name=f"normal_add_4_{block_id}")
        with name_scope("block_5"):
            x5 = sep(h, filters, block_id=f"normal_left5_{block_id}")
            x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
        x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1, name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_a_cell(ip, p, filters: int, block_id: str):
    """NASNet-A reduction cell: halves the spatial size."""
    with name_scope(f"reduction_A_block_{block_id}"):
        p, h = _cell_input(ip, p, filters, "reduction", block_id)
        h3 = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(h, 3), name=f"reduction_pad_1_{block_id}")(h)
        sep = _separable_conv_block
        s2 = (2, 2)
        with name_scope("block_1"):
            x1 = layers.add([sep(h, filters, (5, 5), s2, block_id=f"reduction_left1_{block_id}"),
                             sep(p, filters, (7, 7), s2, block_id=f"reduction_right1_{block_id}")],
                            name=f"reduction_add_1_{block_id}")
        with name_scope("block_2"):
            x2_1 = layers.MaxPooling2D((3, 3), strides=s2, padding="valid", name=f"reduction_left2_{block_id}")(h3)
            x2_2 = sep(p, filters, (7, 7), s2, block_id=f"reduction_right2_{block_id}")
            x2 = layers.add([x2_1, x2_2], name=f"reduction_add_2_{block_id}")
        with name_scope("block_3"):
            x3_1 = _avg3(s2, f"reduction_left3_{block_id}")(h3)
            x3_2 = sep(p, filters, (5, 5), s2, block_id=f"reduction_right3_{block_id}")
            x3 = layers.add([x3_1, x3_2], name=f"reduction_add3_{block_id}")
        with name_scope("block_4"):
            x4 = _avg3((1, 1), f"reduction_left4_{block_id}")(x1)
            x4 = layers.add([x2, x4])
        with name_scope("block_5"):
            x5_1 = sep(x1, filters, (3, 3), block_id=f"reduction_left4_{block_id}")
            x5_2 = layers.MaxPooling2D((3, 3), strides=s2, padding="valid", name=f"reduction_right5_{block_id}")(h3)
            x5 = layers.add([x5_1, x5_2], name=f"reduction_add4_{block_id}")
        x = layers.concatenate([x2, x3, x4, x5], axis=-1, name=f"reduction_concat_{block_id}")
    return x, ip


def NASNet(input_shape=None, penultimate_filters: int = 4032, num_blocks: int = 6, stem_block_filters: int = 96,
           skip_reduction: bool = True, filter_multiplier: int = 2, include_top: bool = True, weights="imagenet",
           input_tensor=None, pooling: str | None = None, classes: int = 1000, default_size: int | None = None,
           classifier_activation="softmax", name: str = "NASNet"):
    """The generic NASNet-A builder behind ``NASNetMobile`` and ``NASNetLarge`` (Keras's arguments)."""
    if config.image_data_format() == "channels_first":
        raise ValueError("NASNet supports only the 'channels_last' image data format; the current "
                         "image_data_format is 'channels_first'.")
    check_weights_argument(weights, include_top, classes, name)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError("NASNet: with weights='imagenet' the input_shape must be static (no None entries); "
                         f"received input_shape={input_shape}.")
    default_size = 331 if default_size is None else default_size
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format="channels_last",
        require_flatten=include_top, weights=weights,
    )
    if penultimate_filters % (24 * filter_multiplier ** 2) != 0:
        raise ValueError("NASNet: `penultimate_filters` must be a multiple of 24 * filter_multiplier ** 2 = "
                         f"{24 * filter_multiplier ** 2}; received penultimate_filters={penultimate_filters}.")
    img_input, inputs = model_inputs(input_tensor, input_shape)
    filters = penultimate_filters // 24

    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid", use_bias=False,
                      name="stem_conv1", kernel_initializer="he_normal")(img_input)
    x = _bn("stem_bn1")(x)
    x, p = _reduction_a_cell(x, None, filters // filter_multiplier ** 2, block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for stage in range(3):
        width = filters * filter_multiplier ** stage
        if stage:
            x, p0 = _reduction_a_cell(x, p, width, block_id=f"reduce_{stage * num_blocks}")
            p = p if skip_reduction else p0
        for i in range(num_blocks):
            x, p = _normal_a_cell(x, p, width, block_id=str(stage * num_blocks + i + (1 if stage else 0)))
    x = layers.Activation("relu")(x)

    x = classifier_or_pooling(x, include_top=include_top, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation, weights=weights, top_pool_name=None)

    model = Functional(inputs, x, name=name)
    if weights == "imagenet" and default_size not in (224, 331):
        raise ValueError("NASNet: ImageNet weights exist only for NASNetMobile (224) and NASNetLarge (331).")
    load_application_weights(model, weights, _FILES.get((default_size, bool(include_top))))
    return model


def NASNetMobile(input_shape=None, include_top: bool = True, weights="imagenet", input_tensor=None,
                 pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
                 name: str = "nasnet_mobile"):
    """Instantiate NASNet-A Mobile (4 @ 1056; default input 224x224x3, smallest 32x32).

    Arguments follow ``keras.applications.NASNetMobile`` (``input_shape`` comes first, and
    defaults to 224x224x3 also without the top). Unlike Keras, it also works on torch.

    Example:
        >>> model = NASNetMobile(weights=None, classes=10)
    """
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                  skip_reduction=False, filter_multiplier=2, include_top=include_top, weights=weights,
                  input_tensor=input_tensor, pooling=pooling, classes=classes, default_size=224,
                  classifier_activation=classifier_activation, name=name)


def NASNetLarge(input_shape=None, include_top: bool = True, weights="imagenet", input_tensor=None,
                pooling: str | None = None, classes: int = 1000, classifier_activation="softmax",
                name: str = "nasnet_large"):
    """Instantiate NASNet-A Large (6 @ 4032; default input 331x331x3, smallest 32x32).

    Arguments follow ``keras.applications.NASNetLarge``.

    Example:
        >>> model = NASNetLarge(weights=None, include_top=False, input_shape=(64, 64, 3))
    """
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                  skip_reduction=True, filter_multiplier=2, include_top=include_top, weights=weights,
                  input_tensor=input_tensor, pooling=pooling, classes=classes, default_size=331,
                  classifier_activation=classifier_activation, name=name)


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (``mode="tf"``), as NASNet was trained.

    Example:
        >>> preprocess_input(np.array([[[0.0, 127.5, 255.0]]]))  # -> [[[-1., 0., 1.]]]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top: int = 5):
    """The ``top`` ImageNet classes of each row of ``preds`` as (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
