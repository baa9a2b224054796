"""run_layer_test: the checks every layer must pass, on every backend, and against Keras when asked.

Example:
    run_layer_test(layers.Conv2D, {"filters": 4, "kernel_size": 3}, input_shape=(2, 8, 8, 3), keras=keras)
"""

from __future__ import annotations

import numpy as np

import lamina
from lamina import ops

BACKEND = lamina.config.backend()


def _random_input(shape, dtype, rng, low=0, high=10):
    if dtype.startswith("int"):
        return rng.integers(low, high, size=shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


def _shapes(x):
    if isinstance(x, (list, tuple)):
        return [tuple(np.shape(ops.convert_to_numpy(v))) for v in x]
    return tuple(np.shape(ops.convert_to_numpy(x)))


def _np(x):
    if isinstance(x, (list, tuple)):
        return [ops.convert_to_numpy(v) for v in x]
    return ops.convert_to_numpy(x)


def _jsonish(x):
    if isinstance(x, dict):
        return {k: _jsonish(v) for k, v in x.items() if k != "name"}
    if isinstance(x, (list, tuple)):
        return [_jsonish(v) for v in x]
    return x


def run_layer_test(layer_cls, init_kwargs, input_shape, input_dtype="float32", *, keras=None,
                   call_kwargs=None, input_data=None, expected_output_shape=None,
                   expected_num_trainable_weights=None, expected_num_non_trainable_weights=None,
                   run_training_check=True, training_modes=(False,), atol=1e-5, rtol=1e-5,
                   compare_config=True, seed=0):
    """Check one layer configuration; returns the lamina layer and its output (inference mode).

    * The output shape equals ``compute_output_shape`` and the shape inferred on KerasTensors.
    * ``get_config`` / ``from_config`` round-trips.
    * With ``keras`` (the oracle module): the same constructor arguments and weights give the
      same outputs in every mode of ``training_modes``, the same weight shapes, and the same config.
    * On backends that train: one SGD step on a squared-output loss changes every trainable weight
      (gradients reach each of them).
    """
    rng = np.random.default_rng(seed)
    call_kwargs = dict(call_kwargs or {})
    if input_data is None:
        if isinstance(input_shape, list):
            input_data = [_random_input(s, input_dtype, rng) for s in input_shape]
        else:
            input_data = _random_input(input_shape, input_dtype, rng)
    layer = layer_cls(**init_kwargs)
    output = layer(input_data, **call_kwargs)
    out_shape = _shapes(output)
    if expected_output_shape is not None:
        assert out_shape == (list(map(tuple, expected_output_shape)) if isinstance(expected_output_shape, list)
                             else tuple(expected_output_shape)), (out_shape, expected_output_shape)

    # compute_output_shape and the symbolic spec agree with the real output.
    in_shapes = [tuple(s) for s in input_shape] if isinstance(input_shape, list) else tuple(input_shape)
    computed = layer.compute_output_shape(in_shapes)
    norm = (lambda s: [tuple(v) for v in s]) if isinstance(out_shape, list) else tuple
    assert norm(computed) == out_shape, f"compute_output_shape {computed} != real {out_shape}"
    fresh = layer_cls(**init_kwargs)
    if isinstance(input_shape, list):
        sym_in = [lamina.KerasTensor((None,) + tuple(s[1:]), dtype=input_dtype) for s in input_shape]
    else:
        sym_in = lamina.KerasTensor((None,) + tuple(input_shape[1:]), dtype=input_dtype)
    sym_out = fresh(sym_in, **{k: v for k, v in call_kwargs.items() if k != "training"})
    sym_shapes = [t.shape for t in sym_out] if isinstance(sym_out, (list, tuple)) else sym_out.shape
    real = out_shape if isinstance(out_shape, list) else [out_shape]
    sym = sym_shapes if isinstance(sym_shapes, list) else [sym_shapes]
    for s, r in zip(sym, real):
        assert len(s) == len(r) and all(a is None or a == b for a, b in zip(s[1:], r[1:])), (s, r)

    # Config round trip.
    config = layer.get_config()
    clone = layer_cls.from_config(config)
    assert _jsonish(clone.get_config()) == _jsonish(config)

    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights

    if keras is not None:
        theirs = getattr(keras.layers, layer_cls.__name__)(**init_kwargs)
        theirs(input_data, **{k: v for k, v in call_kwargs.items() if k != "training"})
        assert [tuple(w.shape) for w in layer.weights] == [tuple(w.shape) for w in theirs.weights], (
            [w.shape for w in layer.weights], [w.shape for w in theirs.weights])
        theirs.set_weights(layer.get_weights())
        for training in training_modes:
            kw = dict(call_kwargs, training=training) if training else dict(call_kwargs)
            ours_out = _np(layer(input_data, **kw))
            theirs_out = theirs(input_data, **kw)
            theirs_out = [keras.ops.convert_to_numpy(t) for t in theirs_out] if isinstance(theirs_out, (list, tuple)) \
                else keras.ops.convert_to_numpy(theirs_out)
            for a, b in zip(ours_out if isinstance(ours_out, list) else [ours_out],
                            theirs_out if isinstance(theirs_out, list) else [theirs_out]):
                np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)
        if training_modes and any(training_modes):
            # Stateful effects of training (e.g. moving statistics) match too.
            for ours_w, theirs_w in zip(layer.get_weights(), theirs.get_weights()):
                np.testing.assert_allclose(ours_w, theirs_w, atol=atol, rtol=rtol)
        if compare_config:
            assert _jsonish(layer.get_config()) == _jsonish(theirs.get_config())

    if run_training_check and lamina.backend.impl.CAN_TRAIN and layer.trainable_weights:
        _check_gradients_reach_every_weight(layer_cls, init_kwargs, input_data, input_shape, input_dtype,
                                            call_kwargs)
    return layer, output


def _check_gradients_reach_every_weight(layer_cls, init_kwargs, input_data, input_shape, input_dtype, call_kwargs):
    if isinstance(input_shape, list):
        inputs = [lamina.Input(tuple(s[1:]), dtype=input_dtype) for s in input_shape]
    else:
        inputs = lamina.Input(tuple(input_shape[1:]), dtype=input_dtype)
    layer = layer_cls(**init_kwargs)
    outputs = layer(inputs, **{k: v for k, v in call_kwargs.items() if k != "training"})
    flat_out = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    total = None
    for o in flat_out:
        if not str(o.dtype).startswith(("float", "bfloat")):
            continue
        term = ops.mean(ops.square(o))
        total = term if total is None else total + term
    assert total is not None, "layer has no float output to train on"
    model = lamina.Model(inputs, total)
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.5),
                  loss=lambda y_true, y_pred: y_pred)
    batch = input_data
    n = (batch[0] if isinstance(batch, list) else batch).shape[0]
    before = [w.numpy().copy() for w in layer.trainable_weights]
    model.train_on_batch(batch, np.zeros((n,), "float32"))
    after = [w.numpy() for w in layer.trainable_weights]
    unchanged = [w.path for w, b, a in zip(layer.trainable_weights, before, after) if np.array_equal(b, a)]
    assert not unchanged, f"no gradient reached {unchanged}"
