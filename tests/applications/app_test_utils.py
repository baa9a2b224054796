"""Shared checks for the applications tests: architecture vs Keras, and weight-file parity.

Example:
    check_architecture(lamina.applications.vgg16.VGG16, keras.applications.VGG16, {"weights": None})
    check_weight_parity(vgg16.VGG16, keras.applications.VGG16, {"input_shape": (32, 32, 3)}, tmp_path)
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import lamina

BACKEND = lamina.config.backend()

# Construction checks are backend-independent: run them once, on the cheapest backend.
construction_only = pytest.mark.skipif(BACKEND != "numpy", reason="architecture checks run on the numpy backend only")
# Weight parity runs where the forward pass is a real framework (numpy is optional and slow for big convs).
parity_backends = pytest.mark.skipif(BACKEND not in ("torch", "jax"), reason="weight parity runs on torch and jax")
# The very largest default-argument models are checked only when LAMINA_SLOW_TESTS is set.
slow = pytest.mark.skipif(not os.environ.get("LAMINA_SLOW_TESTS"),
                          reason="very large model; set LAMINA_SLOW_TESTS=1 to run")


def keras_fresh(keras):
    """Reset Keras's auto-generated names so they start at 'add', 'conv2d' ... like lamina's per test."""
    keras.backend.clear_session()
    return keras


def architecture(model) -> dict:
    """What must match Keras: layer names, weight shapes (in creation order), parameter counts."""
    return {
        "name": model.name,
        "layers": [layer.name for layer in model.layers],
        "weight_shapes": [tuple(w.shape) for w in model.weights],
        "trainable": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "non_trainable": int(sum(np.prod(w.shape) for w in model.non_trainable_weights)),
        "output_shape": tuple(model.outputs[0].shape),
    }


def check_architecture(lamina_fn, keras_fn, kwargs: dict, keras) -> dict:
    """Build both models with ``kwargs`` and assert identical architecture; returns lamina's summary."""
    from lamina.utils.naming import reset_names

    reset_names()
    mine = architecture(lamina_fn(**kwargs))
    keras_fresh(keras)
    theirs = architecture(keras_fn(**kwargs))
    assert mine["layers"] == theirs["layers"]
    assert mine["weight_shapes"] == theirs["weight_shapes"]
    assert (mine["trainable"], mine["non_trainable"]) == (theirs["trainable"], theirs["non_trainable"])
    assert mine == theirs
    return mine


def randomize_keras_weights(model, seed: int = 0) -> None:
    """Give normalization statistics and biases non-trivial values so parity tests exercise them."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        name = w.name
        shape = tuple(w.shape)
        if name in ("moving_variance", "variance"):
            value = rng.uniform(0.5, 1.5, shape)
        elif name in ("gamma",):
            value = rng.uniform(0.8, 1.2, shape)
        elif name in ("beta", "moving_mean", "bias", "mean"):
            value = rng.normal(0.0, 0.1, shape)
        else:
            continue
        w.assign(value.astype(np.float32))


def check_weight_parity(lamina_fn, keras_fn, kwargs: dict, tmp_path, keras, legacy: bool = False,
                        batch: int = 2, atol: float = 1e-4, rtol: float = 1e-4, seed: int = 0, scale: float = 255.0,
                        use_predict: bool = True):
    """Keras builds with weights=None and saves its weights; lamina loads the file and predicts the same.

    ``legacy=True`` writes Keras's legacy ``.h5`` layout (as the ImageNet files are) instead of ``.weights.h5``.
    ``use_predict=False`` calls the models eagerly instead (slower on jax: every op compiles on its own).
    """
    from lamina.utils.naming import reset_names

    keras_fresh(keras)
    ref = keras_fn(weights=None, **kwargs)
    randomize_keras_weights(ref, seed)
    if legacy:
        import h5py
        from keras.src.legacy.saving import legacy_h5_format

        path = str(tmp_path / "ref.h5")
        with h5py.File(path, "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, ref)
    else:
        path = str(tmp_path / "ref.weights.h5")
        ref.save_weights(path)

    shape = (batch,) + tuple(int(d) for d in ref.inputs[0].shape[1:])
    x = np.random.default_rng(seed + 1).uniform(0.0, scale, shape).astype("float32")
    if use_predict:
        expected = np.asarray(ref.predict(x, verbose=0))
    else:
        expected = keras.ops.convert_to_numpy(ref(x, training=False))

    reset_names()
    model = lamina_fn(weights=path, **kwargs)
    if use_predict:
        got = np.asarray(model.predict(x, verbose=0))
    else:
        got = lamina.ops.convert_to_numpy(model(x, training=False))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol)
    return model
