"""fit / evaluate / predict end to end, on the backends that train."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

import lamina
from lamina import layers
from tests.conftest import BACKEND, requires_training


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.target))
    x = (d.data[order] / 16.0).astype("float32")
    y = d.target[order].astype("int32")
    return x[:1400], y[:1400], x[1400:], y[1400:]


def _mlp():
    return lamina.Sequential([lamina.Input((64,)), layers.Dense(64, activation="relu"),
                              layers.Dense(10, activation="softmax")])


@requires_training
def test_sequential_reaches_accuracy_on_digits(digits):
    x, y, xt, yt = digits
    model = _mlp()
    model.compile(optimizer=lamina.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0, validation_split=0.1)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 8
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, acc = model.evaluate(xt, yt, verbose=0)
    assert acc > 0.9, acc
    probs = model.predict(xt, verbose=0, batch_size=50)
    assert probs.shape == (len(xt), 10)
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)
    assert abs((probs.argmax(-1) == yt).mean() - acc) < 1e-6


@requires_training
def test_functional_model_trains_on_digits(digits):
    x, y, xt, yt = digits
    inputs = lamina.Input((64,))
    h = layers.Dense(48, activation="relu")(inputs)
    outputs = layers.Dense(10)(h)
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer=lamina.optimizers.SGD(0.1, momentum=0.9),
                  loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(x, y, epochs=6, batch_size=64, verbose=0)
    result = model.evaluate(xt, yt, verbose=0, return_dict=True)
    assert result["accuracy"] > 0.88, result


@requires_training
def test_identical_seeds_give_identical_histories(digits):
    x, y, _, _ = digits

    def run():
        lamina.utils.set_random_seed(7)
        model = lamina.Sequential([lamina.Input((64,)), layers.Dense(16, activation="relu"),
                                   layers.Dropout(0.3, seed=2), layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return model.fit(x[:256], y[:256], epochs=2, batch_size=32, verbose=0, shuffle=False).history["loss"]

    assert run() == run()


@requires_training
def test_multi_output_loss_dict_and_weights_train_each_head():
    lamina.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 6)).astype("float32")
    y_reg = (x @ rng.normal(size=(6, 1))).astype("float32")
    y_cls = (x[:, 0] > 0).astype("int32")
    inputs = lamina.Input((6,))
    h = layers.Dense(16, activation="relu")(inputs)
    reg = layers.Dense(1, name="reg")(h)
    cls = layers.Dense(2, activation="softmax", name="cls")(h)
    model = lamina.Model(inputs, [reg, cls])
    model.compile(optimizer=lamina.optimizers.Adam(0.01), loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 0.5, "cls": 1.0})
    history = model.fit(x, {"reg": y_reg, "cls": y_cls}, epochs=15, batch_size=32, verbose=0)
    h_ = history.history
    assert h_["reg_loss"][-1] < 0.5 * h_["reg_loss"][0]
    assert h_["cls_loss"][-1] < 0.8 * h_["cls_loss"][0]
    np.testing.assert_allclose(h_["loss"][-1], 0.5 * h_["reg_loss"][-1] + h_["cls_loss"][-1], rtol=1e-4)


def test_train_and_evaluate_errors_are_clear(digits):
    x, y, _, _ = digits
    model = _mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    if not lamina.backend.impl.CAN_TRAIN:
        with pytest.raises(RuntimeError, match="numpy backend cannot train"):
            model.fit(x, y, verbose=0)
        return
    with pytest.raises(ValueError, match="x has 1400 samples but y has 1399"):
        model.fit(x, y[:-1], verbose=0)
    with pytest.raises(ValueError, match=r"must be integers in \[0, 10\).*from 0 to 12"):
        model.fit(x, np.where(y == 9, 12, y), verbose=0)
    with pytest.raises(ValueError, match=r"expects data of shape \(None, 64\).*\(1400, 63\)"):
        model.fit(x[:, :63], y, verbose=0)


def test_loss_dict_naming_unknown_output_is_rejected():
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, layers.Dense(1, name="score")(inputs))
    with pytest.raises(ValueError, match=r"names output\(s\) \['scroe'\] that do not exist"):
        model.compile(loss={"scroe": "mse"})


def test_evaluate_and_predict_run_on_every_backend(digits):
    x, y, _, _ = digits
    model = _mlp()
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    result = model.evaluate(x[:100], y[:100], verbose=0, return_dict=True)
    assert set(result) == {"loss", "accuracy"} and np.isfinite(result["loss"])
    assert model.predict(x[:5], verbose=0).shape == (5, 10)
    assert model.predict_on_batch(x[:2]).shape == (2, 10)


@requires_training
def test_train_on_batch_updates_weights():
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(8, 64)).astype("float32")
    y = np.arange(8).astype("int32")
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch(x, y)
    assert np.isfinite(loss)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
