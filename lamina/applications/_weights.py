"""Weights and cached files for the applications (no network access).

``weights="imagenet"`` looks for the file Keras would download, by Keras's own
file name, in ``$KERAS_HOME/models/`` (default ``~/.keras/models/``) and then in
``$LAMINA_HOME/models/`` (default ``~/.lamina/models/``). When it is in neither,
the error names the file, where to get it and both folders.
"""

from __future__ import annotations

import os

KERAS_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"


def keras_home() -> str:
    """Keras's cache root: ``$KERAS_HOME``, else ``~/.keras`` (``/tmp/.keras`` if home is read-only)."""
    if os.environ.get("KERAS_HOME"):
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def lamina_home() -> str:
    """lamina's own cache root: ``$LAMINA_HOME``, else ``~/.lamina``."""
    return os.environ.get("LAMINA_HOME") or os.path.join(os.path.expanduser("~"), ".lamina")


def cache_dirs() -> list:
    """The folders searched for pretrained files, in order."""
    return [os.path.join(keras_home(), "models"), os.path.join(lamina_home(), "models")]


def find_cached_file(file_name: str, what: str = "file", url: str | None = None) -> str:
    """The path of ``file_name`` in the first cache folder that has it; a clear error otherwise."""
    dirs = cache_dirs()
    for d in dirs:
        path = os.path.join(d, file_name)
        if os.path.isfile(path):
            return path
    source = f" (Keras downloads it from {url})" if url else ""
    raise FileNotFoundError(
        f"{what}: the file {file_name!r} was not found and lamina does not download files. "
        f"Download it{source} and put it in one of: {dirs[0]} or {dirs[1]}."
    )


def check_weights_argument(weights, include_top: bool, classes: int, model_name: str) -> None:
    """Validate ``weights`` (None, "imagenet" or an existing file path) against ``include_top``/``classes``."""
    ok = weights is None or weights == "imagenet" or (isinstance(weights, (str, os.PathLike))
                                                       and os.path.exists(weights))
    if not ok:
        raise ValueError(f"{model_name}: the `weights` argument should be None (random initialization), "
                         "'imagenet' (pre-training on ImageNet) or the path to a weights file to load; "
                         f"received weights={weights!r}.")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{model_name}: with weights='imagenet' and include_top=True, `classes` must be 1000; "
                         f"received classes={classes}.")


def load_application_weights(model, weights, file_name: str | None, url: str | None = None) -> None:
    """Load ``weights`` into ``model``: None does nothing, a path is loaded, "imagenet" is found in the cache.

    ``file_name`` is Keras's own file name for this model variant (e.g.
    ``"vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"``).
    """
    if weights is None:
        return
    if weights == "imagenet":
        if file_name is None:
            raise ValueError(f"{model.name}: no pretrained ImageNet weights exist for this configuration.")
        path = find_cached_file(file_name, what=f"{model.name} weights='imagenet'", url=url)
        model.load_weights(path)
        return
    model.load_weights(os.fspath(weights))


def model_inputs(input_tensor, input_shape):
    """``(img_input, inputs)``: the tensor the network starts from and the Functional model's inputs.

    With ``input_tensor=None`` both are a new ``Input(shape=input_shape)``. A
    KerasTensor ``input_tensor`` is used as it is and the model's inputs are the
    Input tensors it derives from; any other tensor becomes an ``Input(tensor=...)``.
    """
    from lamina.core.keras_tensor import KerasTensor
    from lamina.layers import Input

    if input_tensor is None:
        img_input = Input(shape=input_shape)
        return img_input, img_input
    if not isinstance(input_tensor, KerasTensor):
        raise ValueError("Applications: `input_tensor` must be a symbolic tensor made with lamina.Input or a "
                         f"lamina layer; received {type(input_tensor).__name__}.")
    return input_tensor, source_inputs(input_tensor)


def source_inputs(tensor) -> list | object:
    """The Input tensors that ``tensor`` was computed from (``tensor`` itself if it is one)."""
    found, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        history = t._keras_history
        if history is None:
            found.append(t)
            continue
        node = history.operation._inbound_nodes[history.node_index]
        if node.is_input:
            found.append(t)
        else:
            stack.extend(reversed(node.input_tensors))
    return found[0] if len(found) == 1 else found
