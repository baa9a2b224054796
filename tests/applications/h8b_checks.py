"""Checks shared by the application tests of Xception, Inception, NASNet and EfficientNet.

``check_structure`` builds a model in lamina and in real Keras (the oracle) and
compares parameter counts, layer names and the ordered weight paths/shapes.
``keras_reference`` has Keras build a model with weights=None, randomizes its
normalization statistics (so inference-mode batch norm is not an identity) and
saves the weights; ``assert_lamina_matches`` checks that lamina loads that file
through the model function's ``weights=`` argument and predicts the same.
"""

import os

import numpy as np
import pytest

import lamina
from lamina.utils.naming import reset_names

BACKEND = lamina.config.backend()

structure_backend_only = pytest.mark.skipif(
    BACKEND != "numpy", reason="construction checks are backend-independent; they run on the numpy backend"
)


def describe(model):
    """(parameter count, layer names, ordered (weight path, shape)) of a lamina or Keras model."""
    weights = [(w.path, tuple(int(d) for d in w.shape)) for w in model.weights]
    return model.count_params(), [layer.name for layer in model.layers], weights


def check_structure(keras, lamina_fn, keras_fn, **kwargs):
    """Build both models from fresh name counters and assert they match exactly."""
    keras.utils.clear_session()
    reset_names()
    expected = describe(keras_fn(weights=None, **kwargs))
    reset_names()
    got = describe(lamina_fn(weights=None, **kwargs))
    assert got[0] == expected[0], f"parameter count {got[0]} != Keras's {expected[0]}"
    assert got[1] == expected[1], _first_diff(got[1], expected[1], "layer names")
    assert got[2] == expected[2], _first_diff(got[2], expected[2], "weights")
    return got


def _first_diff(a, b, what):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"{what} differ first at #{i}: lamina {x!r} vs Keras {y!r} (lengths {len(a)}, {len(b)})"
    return f"{what}: lengths {len(a)} vs Keras's {len(b)}"


def randomize_keras_weights(model, seed=0):
    """Give batch-norm gamma/beta/moving statistics (and biases) non-trivial random values."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        shape = tuple(w.shape)
        leaf = w.path.split("/")[-1]
        if leaf == "moving_variance":
            value = rng.uniform(0.5, 1.5, shape)
        elif leaf == "gamma":
            value = rng.uniform(0.8, 1.2, shape)
        elif leaf in ("beta", "moving_mean", "bias"):
            value = rng.normal(0.0, 0.1, shape)
        else:
            continue
        w.assign(value.astype(np.float32))


def save_keras_weights(keras, model, path, legacy=False):
    """Write ``model``'s weights as a Keras 3 ``.weights.h5`` or a legacy (ImageNet-style) ``.h5`` file."""
    if not legacy:
        model.save_weights(path)
        return path
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    return path


def keras_reference(keras, keras_fn, directory, input_shape, legacy=False, batch=2, seed=0, **kwargs):
    """Keras builds ``keras_fn(weights=None, ...)``, randomizes it and saves its weights.

    ``keras_fn`` is a name in ``keras.applications`` (or a callable, run in this process).
    Returns ``(x, expected, paths)``: an input batch, Keras's inference output on it, and
    the written files (``.weights.h5``, plus a legacy ``.h5`` when ``legacy``).

    On the jax backend Keras runs eagerly op by op, compiling every op for every new shape
    (minutes for an Inception network on a busy machine), so there the oracle runs in a
    subprocess on Keras's numpy backend: the files and the math are backend-independent.
    """
    directory = str(directory)
    if BACKEND == "jax" and isinstance(keras_fn, str):
        return _keras_reference_subprocess(keras_fn, directory, input_shape, legacy, batch, seed, kwargs)
    if isinstance(keras_fn, str):
        keras_fn = getattr(keras.applications, keras_fn)
    keras.utils.clear_session()
    kmodel = keras_fn(weights=None, input_shape=input_shape, **kwargs)
    randomize_keras_weights(kmodel, seed)
    paths = [save_keras_weights(keras, kmodel, os.path.join(directory, "model.weights.h5"))]
    if legacy:
        paths.append(save_keras_weights(keras, kmodel, os.path.join(directory, "model.h5"), legacy=True))
    x = np.random.default_rng(seed + 1).uniform(-1.0, 1.0, (batch,) + tuple(input_shape)).astype(np.float32)
    expected = np.asarray(keras.ops.convert_to_numpy(kmodel(x, training=False)))
    return x, expected, paths


_SUBPROCESS = """
import json, sys
import numpy as np
import keras
from tests.applications import h8b_checks as c
fn_name, directory, input_shape, legacy, batch, seed, kwargs = json.loads(sys.argv[1])
x, expected, paths = c.keras_reference(keras, getattr(keras.applications, fn_name), directory,
                                       tuple(input_shape), legacy, batch, seed, **kwargs)
np.savez(directory + "/reference.npz", x=x, expected=expected)
print(json.dumps(paths))
"""


def _keras_reference_subprocess(fn_name, directory, input_shape, legacy, batch, seed, kwargs):
    import json
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, KERAS_BACKEND="numpy", LAMINA_BACKEND="numpy")
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    args = json.dumps([fn_name, directory, list(input_shape), legacy, batch, seed, kwargs])
    done = subprocess.run([sys.executable, "-c", _SUBPROCESS, args], env=env, cwd=root, capture_output=True,
                          text=True)
    assert done.returncode == 0, f"Keras reference subprocess failed:\n{done.stderr[-3000:]}"
    paths = json.loads(done.stdout.strip().splitlines()[-1])
    data = np.load(os.path.join(directory, "reference.npz"))
    return data["x"], data["expected"], paths


def assert_lamina_matches(lamina_fn, weights_path, x, expected, atol=1e-4, **kwargs):
    """``lamina_fn(weights=weights_path, ...)`` predicts ``expected`` on ``x``."""
    reset_names()
    model = lamina_fn(weights=weights_path, input_shape=tuple(x.shape[1:]), **kwargs)
    got = lamina.ops.convert_to_numpy(model(x, training=False))
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got, expected, atol=atol * scale, rtol=1e-4)
    return model
