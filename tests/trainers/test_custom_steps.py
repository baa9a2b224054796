"""Overridable steps, as Keras 3's custom-training guides write them, and the step options of compile."""

import numpy as np
import pytest

import lamina
import lamina as keras
from lamina import layers
from tests.conftest import BACKEND, requires_training

rng = np.random.default_rng(0)
X = rng.normal(size=(96, 5)).astype("float32")
Y = (X @ rng.normal(size=(5, 1)) + 0.1).astype("float32")


def _dense_net(cls=keras.Model):
    inputs = keras.Input((5,))
    outputs = layers.Dense(1, kernel_initializer="ones", name="out")(layers.Dense(8, name="hidden")(inputs))
    return cls(inputs, outputs)


def _reference_weights(epochs=2, **compile_kwargs):
    """Weights after a plain fit with the built-in step (deterministic: fixed init, no shuffle)."""
    lamina.utils.set_random_seed(1)
    model = _dense_net()
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"], **compile_kwargs)
    history = model.fit(X, Y, batch_size=16, epochs=epochs, shuffle=False, verbose=0)
    return model.get_weights(), history.history


if BACKEND == "torch":
    import torch

    class GuideModel(keras.Model):
        """Keras's "customizing what happens in fit() with PyTorch" train step, unchanged."""

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

elif BACKEND == "jax":
    import jax

    class GuideModel(keras.Model):
        """Keras's "customizing what happens in fit() with JAX" stateless train step, unchanged."""

        def compute_loss_and_updates(self, trainable_variables, non_trainable_variables, x, y, training=False):
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=training)
            loss = self.compute_loss(x, y, y_pred)
            return loss, (y_pred, non_trainable_variables)

        def train_step(self, state, data):
            trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables = state
            x, y = data
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, y, training=True)
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables)
            new_metrics_vars, logs = [], {}
            for metric in self.metrics:
                this_metric_vars = metrics_variables[
                    len(new_metrics_vars): len(new_metrics_vars) + len(metric.variables)]
                if metric.name == "loss":
                    this_metric_vars = metric.stateless_update_state(this_metric_vars, loss)
                else:
                    this_metric_vars = metric.stateless_update_state(this_metric_vars, y, y_pred)
                logs[metric.name] = metric.stateless_result(this_metric_vars)
                new_metrics_vars += this_metric_vars
            state = (trainable_variables, non_trainable_variables, optimizer_variables, new_metrics_vars)
            return logs, state


@requires_training
def test_keras_guide_train_step_matches_the_built_in_step():
    expected_weights, expected_history = _reference_weights()
    lamina.utils.set_random_seed(1)
    model = _dense_net(GuideModel)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"])
    history = model.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), expected_weights):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history.history["loss"], expected_history["loss"], rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"], expected_history["mae"], rtol=1e-5)


@requires_training
def test_overridden_compute_loss_drives_training_and_logs():
    class Penalised(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            base = super().compute_loss(x, y, y_pred, sample_weight, training=training)
            return lamina.ops.add(base, lamina.ops.mean(lamina.ops.square(y_pred)))

    lamina.utils.set_random_seed(1)
    model = _dense_net(Penalised)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    loss = model.evaluate(X, Y, batch_size=96, verbose=0)
    pred = model.predict(X, verbose=0)
    expected = np.mean((pred - Y) ** 2) + np.mean(pred ** 2)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    _, plain = _reference_weights(epochs=1)
    history = model.fit(X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert history.history["loss"][0] != pytest.approx(plain["loss"][0], rel=1e-3)


def test_add_loss_and_weight_regularizers_are_part_of_the_loss():
    class ActivityPenalty(layers.Layer):
        def call(self, x):
            self.add_loss(0.5 * lamina.ops.sum(lamina.ops.abs(x)))
            return x

    inputs = keras.Input((5,))
    h = layers.Dense(3, kernel_regularizer=lamina.regularizers.L2(0.1), name="reg")(inputs)
    model = keras.Model(inputs, layers.Dense(1, name="head")(ActivityPenalty()(h)))
    model.compile(optimizer="sgd", loss="mse")
    loss = model.evaluate(X[:8], Y[:8], batch_size=8, verbose=0)
    hidden = X[:8] @ model.get_layer("reg").get_weights()[0] + model.get_layer("reg").get_weights()[1]
    pred = model.predict(X[:8], verbose=0)
    kernel = model.get_layer("reg").get_weights()[0]
    expected = np.mean((pred - Y[:8]) ** 2) + 0.5 * np.abs(hidden).sum() + 0.1 * np.square(kernel).sum()
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


def test_overridden_test_and_predict_steps_are_used():
    class Custom(keras.Model):
        def test_step(self, data):
            x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
            y_pred = self(x, training=False)
            return {"max_error": lamina.ops.max(lamina.ops.abs(y_pred - y))}

        def predict_step(self, data):
            x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
            return {"value": self(x), "doubled": 2 * self(x)}

    model = _dense_net(Custom)
    model.compile(loss="mse")
    # Written once for every backend: on jax, steps that take only `data` run traced in a pure scope.
    pred = model.predict(X, batch_size=32, verbose=0)
    assert set(pred) == {"value", "doubled"} and pred["value"].shape == (96, 1)
    np.testing.assert_allclose(pred["doubled"], 2 * pred["value"], rtol=1e-6)
    logs = model.evaluate(X[:32], Y[:32], batch_size=32, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["max_error"], np.abs(pred["value"][:32] - Y[:32]).max(), rtol=1e-5)


def test_stateless_call_reads_given_values_and_changes_nothing():
    class Counter(layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
            self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False, name="calls")

        def call(self, x):
            self.calls.assign(self.calls + 1.0)
            return x * self.scale

    layer = Counter()
    x = np.ones((2, 3), "float32")
    layer(x)
    before = [np.array(w) for w in layer.get_weights()]
    out, ntv = layer.stateless_call([lamina.ops.convert_to_tensor(3.0)], [lamina.ops.convert_to_tensor(10.0)], x)
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(out), 3 * x)
    assert float(lamina.ops.convert_to_numpy(ntv[0])) == 11.0
    for w, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(w, b)
    with pytest.raises(ValueError, match="expected 1 trainable variable values"):
        layer.stateless_call([], [lamina.ops.convert_to_tensor(0.0)], x)


@requires_training
def test_steps_per_execution_trains_identically_and_calls_callbacks_per_execution():
    expected_weights, _ = _reference_weights(epochs=1)

    class Count(keras.callbacks.Callback):
        ends = []

        def on_train_batch_end(self, batch, logs=None):
            self.ends.append(batch)

    lamina.utils.set_random_seed(1)
    model = _dense_net()
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"], steps_per_execution=4)
    model.fit(X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0, callbacks=[Count()])
    assert Count.ends == [3, 5]  # 6 batches: one execution of 4 steps, then the last 2
    for got, want in zip(model.get_weights(), expected_weights):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(BACKEND != "torch", reason="jit_compile=True means torch.compile on torch (jax always jits)")
def test_torch_jit_compile_gives_the_eager_result():
    expected_weights, _ = _reference_weights(epochs=1)
    lamina.utils.set_random_seed(1)
    model = _dense_net()
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"], jit_compile=True)
    model.fit(X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), expected_weights):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@requires_training
def test_verbose_2_prints_one_line_per_epoch(capsys):
    model = _dense_net()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, batch_size=32, epochs=3, verbose=2)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.strip()]
    epoch_lines = [l for l in lines if l.startswith("Epoch ")]
    assert [l.split()[1] for l in epoch_lines] == ["1/3", "2/3", "3/3"]
    assert sum("loss:" in l for l in lines) == 3 and not any("━" in l for l in lines)
