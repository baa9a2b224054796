"""compile() arguments in their Keras forms, checked against real Keras for names, order and values."""

import numpy as np
import pytest

import lamina
from tests.conftest import requires_training

rng = np.random.default_rng(0)
X = rng.normal(size=(120, 4)).astype("float32")
Y_CLS = (X[:, 0] > 0).astype("int32")
Y_REG = X[:, 1:2] * 2.0


def _two_heads(k, dict_outputs):
    """The same two-output model in lamina or Keras (``k`` is the module)."""
    inputs = k.Input((4,), name="features")
    hidden = k.layers.Dense(8, activation="relu", kernel_initializer="glorot_uniform", name="hidden")(inputs)
    a = k.layers.Dense(2, activation="softmax", name="a")(hidden)
    b = k.layers.Dense(1, name="b")(hidden)
    return k.Model(inputs, {"a": a, "b": b} if dict_outputs else [a, b])


def _copy_weights(src, dst):
    dst.set_weights([np.asarray(w) for w in src.get_weights()])


def _compile_both(keras, dict_outputs, kwargs):
    ours, theirs = _two_heads(lamina, dict_outputs), _two_heads(keras, dict_outputs)
    _copy_weights(ours, theirs)
    ours.compile(**kwargs(lamina))
    theirs.compile(**kwargs(keras))
    return ours, theirs


def _targets(dict_outputs):
    return {"a": Y_CLS, "b": Y_REG} if dict_outputs else [Y_CLS, Y_REG]


@pytest.mark.parametrize("dict_outputs", [False, True])
def test_per_output_losses_metrics_and_weights_match_keras(keras, dict_outputs):
    def kwargs(k):
        if dict_outputs:
            return dict(optimizer="sgd", loss={"a": "sparse_categorical_crossentropy", "b": k.losses.MeanSquaredError()},
                        loss_weights={"a": 1.0, "b": 0.5},
                        metrics={"a": ["acc", k.metrics.SparseTopKCategoricalAccuracy(k=1)], "b": ["mae"]},
                        weighted_metrics={"b": ["mse"]})
        return dict(optimizer="sgd", loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
                    metrics=[["acc"], [k.metrics.mean_absolute_error]])

    ours, theirs = _compile_both(keras, dict_outputs, kwargs)
    weights = np.linspace(0.5, 1.5, len(X)).astype("float32")
    y = _targets(dict_outputs)
    got = ours.evaluate(X, y, sample_weight=weights, verbose=0, return_dict=True)
    want = theirs.evaluate(X, y, sample_weight=weights, verbose=0, return_dict=True)
    assert list(got) == list(want)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-6, err_msg=name)
    # The list form keeps Keras's metric order (loss first, then per-output losses, then metrics).
    np.testing.assert_allclose(ours.evaluate(X, y, sample_weight=weights, verbose=0),
                               theirs.evaluate(X, y, sample_weight=weights, verbose=0), rtol=1e-5, atol=1e-6)


def test_losses_and_metrics_given_as_classes_functions_and_subclasses(keras):
    class HalfAbs(lamina.losses.Loss):
        def call(self, y_true, y_pred):
            return 0.5 * lamina.ops.mean(lamina.ops.abs(y_true - y_pred), axis=-1)

    class KHalfAbs(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return 0.5 * keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)

    def kwargs(k):
        return dict(loss=[k.losses.SparseCategoricalCrossentropy, HalfAbs() if k is lamina else KHalfAbs()],
                    metrics=[[k.metrics.sparse_categorical_accuracy], [k.metrics.RootMeanSquaredError]])

    ours, theirs = _compile_both(keras, False, kwargs)
    got = ours.evaluate(X, _targets(False), verbose=0, return_dict=True)
    want = theirs.evaluate(X, _targets(False), verbose=0, return_dict=True)
    assert list(got) == list(want)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-6, err_msg=name)


@requires_training
def test_history_keys_validation_freq_and_initial_epoch(keras):
    model = _two_heads(lamina, True)
    model.compile(optimizer="adam", loss={"a": "sparse_categorical_crossentropy", "b": "mse"},
                  metrics={"a": ["accuracy"]})
    history = model.fit(X, _targets(True), epochs=5, initial_epoch=1, batch_size=32, verbose=0,
                        validation_data=(X[:40], {"a": Y_CLS[:40], "b": Y_REG[:40]}), validation_freq=2)
    assert history.epoch == [1, 2, 3, 4]
    train_keys = ["a_accuracy", "a_loss", "b_loss", "loss"]
    assert list(history.history) == train_keys + ["val_" + k for k in train_keys]
    assert all(len(history.history[k]) == 4 for k in train_keys)
    # validation runs after epochs whose 1-based number divides by validation_freq: 2 and 4
    assert all(len(history.history["val_" + k]) == 2 for k in train_keys)


@requires_training
def test_steps_per_epoch_and_ragged_last_batch():
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    seen = []

    class Batches(lamina.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    model.fit(X, Y_CLS, batch_size=50, epochs=1, verbose=0, callbacks=[Batches()])
    assert seen == [0, 1, 2]  # 120 samples: 50 + 50 + a ragged 20
    seen.clear()
    model.fit(X, Y_CLS, batch_size=10, steps_per_epoch=4, epochs=2, verbose=0, callbacks=[Batches()])
    assert seen == [0, 1, 2, 3, 0, 1, 2, 3]


@requires_training
def test_mixed_float16_wraps_the_optimizer_in_loss_scaling_and_trains():
    previous = lamina.config.dtype_policy()
    lamina.config.set_dtype_policy("mixed_float16")
    try:
        lamina.utils.set_random_seed(0)
        model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(16, activation="relu"),
                                   lamina.layers.Dense(2), lamina.layers.Activation("softmax", dtype="float32")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    finally:
        lamina.config.set_dtype_policy(previous)
    assert type(model.optimizer).__name__ == "LossScaleOptimizer"
    assert model.layers[0].compute_dtype == "float16" and model.layers[0].kernel.dtype == "float32"
    history = model.fit(X, Y_CLS, epochs=8, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_output_masks_weight_the_loss_as_in_keras_on_every_backend(keras):
    """Masked time steps are left out of the loss, also where tensors cannot carry a mask (NumPy, jax)."""
    x = np.random.default_rng(0).normal(size=(16, 5, 3)).astype("float32")
    x[:, 3:, :] = 0.0
    y = np.random.default_rng(1).normal(size=(16, 5, 2)).astype("float32")

    def build(k):
        return k.Sequential([k.Input((5, 3)), k.layers.Masking(), k.layers.Dense(2)])

    ours, theirs = build(lamina), build(keras)
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    got = ours.evaluate(x, y, verbose=0, return_dict=True)
    want = theirs.evaluate(x, y, verbose=0, return_dict=True)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-5, err_msg=name)
    if lamina.backend.impl.CAN_TRAIN:
        ours.fit(x, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
        theirs.fit(x, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, keras.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6)
