"""lamina.models.clone_model: new layers with the same configs, fresh weights, Keras 3's options."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.models import clone_model
from tests.conftest import assert_close, to_np

X4 = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
X3 = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")


def two_input_model(L=layers, Input=lamina.Input, Model=lamina.Model):
    a, b = Input((4,), name="a"), Input((3,), name="b")
    x = L.Concatenate(name="cat")([L.Dense(5, activation="relu", name="d1")(a), b])
    return Model([a, b], L.Dense(2, name="out")(x), name="net")


def sequential(L=layers, Input=lamina.Input, Sequential=lamina.Sequential):
    return Sequential([Input((4,), name="i"), L.Dense(6, activation="relu", name="d1"), L.Dense(2, name="d2")],
                      name="seq")


def _ids(model):
    return {id(v) for v in model.weights}


def _json(config):
    return json.loads(json.dumps(config))


def test_functional_clone_new_layers_same_config_and_outputs_after_set_weights():
    model = two_input_model()
    clone = clone_model(model)
    assert type(clone) is lamina.models.Functional and clone is not model
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert all(c is not o for c, o in zip(clone.layers, model.layers))
    assert _json(clone.get_config()) == _json(model.get_config())
    assert not _ids(clone) & _ids(model)  # new variables, not shared
    # Weights are fresh (re-initialized), not copied from the original.
    assert not np.allclose(to_np(clone.get_layer("d1").kernel), to_np(model.get_layer("d1").kernel))
    clone.set_weights(model.get_weights())
    assert_close(clone([X4, X3]), to_np(model([X4, X3])))
    # Changing the clone's weights leaves the original alone.
    before = to_np(model([X4, X3]))
    clone.get_layer("out").kernel.assign(np.zeros((8, 2), "float32"))
    assert_close(model([X4, X3]), before)
    assert_close(clone([X4, X3]), np.broadcast_to(to_np(clone.get_layer("out").bias), (5, 2)))


def test_sequential_clone():
    model = sequential()
    clone = clone_model(model)
    assert type(clone) is lamina.Sequential and clone.name == "seq" and clone.built
    assert [l.name for l in clone.layers] == ["d1", "d2"]
    assert _json(clone.get_config()) == _json(model.get_config())
    assert not _ids(clone) & _ids(model)
    clone.set_weights(model.get_weights())
    assert_close(clone(X4), to_np(model(X4)))


def test_sequential_without_input_is_cloned_unbuilt():
    model = lamina.Sequential([layers.Dense(3, name="d")])
    clone = clone_model(model)
    assert not clone.built and [l.name for l in clone.layers] == ["d"]
    assert tuple(clone(X4).shape) == (5, 3)


def test_clone_function_changes_the_activation():
    def relu_to_tanh(layer):
        config = layer.get_config()
        if config.get("activation") == "relu":
            config["activation"] = "tanh"
        return layer.__class__.from_config(config)

    for model in (sequential(), two_input_model()):
        clone = clone_model(model, clone_function=relu_to_tanh)
        assert clone.get_layer("d1").get_config()["activation"] == "tanh"
        assert model.get_layer("d1").get_config()["activation"] == "relu"
        clone.set_weights(model.get_weights())
    # NumPy reference for the Sequential clone: tanh instead of relu.
    model = sequential()
    clone = clone_model(model, clone_function=relu_to_tanh)
    clone.set_weights(model.get_weights())
    k1, b1, k2, b2 = [to_np(w) for w in model.get_weights()]
    assert_close(clone(X4), np.tanh(X4 @ k1 + b1) @ k2 + b2, atol=1e-5)


def test_clone_function_returning_the_layer_shares_it():
    model = sequential()
    clone = clone_model(model, clone_function=lambda layer: layer)
    assert clone.layers[0] is model.layers[0]
    assert _ids(clone) == _ids(model)


def test_clone_function_must_return_a_layer():
    with pytest.raises(ValueError, match="clone_function must return a Layer"):
        clone_model(sequential(), clone_function=lambda layer: None)


def test_input_tensors_functional():
    model = two_input_model()
    a, b = lamina.Input((4,), batch_size=5, name="new_a"), lamina.Input((3,), batch_size=5, name="new_b")
    clone = clone_model(model, input_tensors=[a, b])
    assert clone.inputs[0] is a and clone.inputs[1] is b
    assert clone.input_shape == [(5, 4), (5, 3)] and clone.output_shape == (5, 2)
    clone.set_weights(model.get_weights())
    assert_close(clone([X4, X3]), to_np(model([X4, X3])))
    with pytest.raises(ValueError, match="structure of model.input"):
        clone_model(model, input_tensors=[a])
    with pytest.raises(ValueError, match="symbolic tensor"):
        clone_model(model, input_tensors=[X4, X3])


def test_input_tensors_sequential():
    model = sequential()
    x = lamina.Input((4,), batch_size=5)
    clone = clone_model(model, input_tensors=x)
    assert clone.inputs[0] is x and clone.input_shape == (5, 4)
    clone.set_weights(model.get_weights())
    assert_close(clone(X4), to_np(model(X4)))
    with pytest.raises(ValueError, match="single input"):
        clone_model(model, input_tensors=[x, x])
    with pytest.raises(ValueError, match="symbolic tensor"):
        clone_model(model, input_tensors=X4)


def test_call_function_inserts_a_layer_after_each_dense():
    model = two_input_model()

    def call_function(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        if isinstance(layer, layers.Dense):
            out = layers.Activation("sigmoid")(out)
        return out

    clone = clone_model(model, call_function=call_function)
    assert sum(isinstance(l, layers.Activation) for l in clone.layers) == 2
    clone.set_weights(model.get_weights())
    k1, b1, k2, b2 = [to_np(w) for w in model.get_weights()]
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    hidden = np.concatenate([sig(np.maximum(X4 @ k1 + b1, 0)), X3], axis=1)
    assert_close(clone([X4, X3]), sig(hidden @ k2 + b2), atol=1e-5)
    with pytest.raises(ValueError, match="call_function.*Sequential"):
        clone_model(sequential(), call_function=call_function)


def test_graph_with_plain_ops_and_shared_layer():
    x = lamina.Input((4,))
    shared = layers.Dense(4, name="shared")
    y = lamina.ops.add(shared(x), shared(lamina.ops.multiply(x, 2.0)))
    model = lamina.Model(x, y)
    clone = clone_model(model)
    assert len(clone.layers) == len(model.layers)
    new_shared = clone.get_layer("shared")
    assert new_shared is not shared and len(clone.weights) == 2  # still one shared layer
    clone.set_weights(model.get_weights())
    assert_close(clone(X4), to_np(model(X4)))


def _nested():
    inner = sequential()
    x = lamina.Input((4,), name="x")
    y = layers.Dense(3, name="head")(inner(x))
    return lamina.Model(x, y, name="outer"), inner


@pytest.mark.parametrize("recursive", [False, True])
def test_nested_models(recursive):
    model, inner = _nested()
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        return layer.__class__.from_config(layer.get_config())

    clone = clone_model(model, clone_function=clone_function, recursive=recursive)
    new_inner = clone.get_layer("seq")
    assert isinstance(new_inner, lamina.Sequential) and new_inner is not inner
    assert not _ids(new_inner) & _ids(inner)
    assert [l.name for l in new_inner.layers] == ["d1", "d2"]
    # recursive=False hands the inner model itself to clone_function; recursive=True clones its layers.
    assert seen == (["d1", "d2", "head"] if recursive else ["seq", "head"])
    clone.set_weights(model.get_weights())
    assert_close(clone(X4), to_np(model(X4)))


def _lambda_models():
    seq = lamina.Sequential([lamina.Input((4,)), layers.Dense(3), layers.Lambda(lambda t: t * 2.0)])
    x = lamina.Input((4,))
    func = lamina.Model(x, layers.Lambda(lambda t: t - 1.0)(layers.Dense(3)(x)))
    nested_in = lamina.Input((4,))
    nested = lamina.Model(nested_in, lamina.Sequential([lamina.Input((4,)), layers.Lambda(lambda t: t + 1.0)])(nested_in))
    return {"sequential": seq, "functional": func, "nested": nested}


@pytest.mark.parametrize("kind", ["sequential", "functional", "nested"])
def test_lambda_is_refused_in_safe_mode(kind):
    model = _lambda_models()[kind]
    with pytest.raises(ValueError, match="Lambda.*bytecode.*enable_unsafe_deserialization"):
        clone_model(model)
    # recursive cloning reaches the Lambda itself: still refused.
    with pytest.raises(ValueError, match="Lambda"):
        clone_model(model, recursive=True)


@pytest.mark.parametrize("kind", ["sequential", "functional", "nested"])
def test_lambda_clone_when_unsafe_enabled_or_kept_by_clone_function(kind, monkeypatch):
    model = _lambda_models()[kind]

    def keep_lambdas(layer):
        if isinstance(layer, layers.Lambda):
            return layer
        return layer.__class__.from_config(layer.get_config())

    kept = clone_model(model, clone_function=keep_lambdas, recursive=True)
    kept.set_weights(model.get_weights())
    assert_close(kept(X4), to_np(model(X4)))

    monkeypatch.setitem(lamina.config._unsafe, "enabled", True)
    clone = clone_model(model)
    lambdas = [l for l in clone._flatten_layers() if isinstance(l, layers.Lambda)]
    assert lambdas and all(l not in model._flatten_layers() for l in lambdas)
    clone.set_weights(model.get_weights())
    assert_close(clone(X4), to_np(model(X4)))


@lamina.saving.register_keras_serializable(package="test_cloning")
class Scaled(lamina.Model):
    def __init__(self, units, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.factor = units, factor
        self.dense = layers.Dense(units)

    def call(self, x):
        return self.dense(x) * self.factor

    def get_config(self):
        return {**super().get_config(), "units": self.units, "factor": self.factor}


class NoConfig(lamina.Model):
    def __init__(self, units):
        super().__init__()
        self.dense = layers.Dense(units)

    def call(self, x):
        return self.dense(x)


def test_subclassed_model_cloned_from_config():
    model = Scaled(3, factor=0.5, name="scaled")
    model(X4)
    clone = clone_model(model)
    assert type(clone) is Scaled and clone.units == 3 and clone.factor == 0.5 and clone.name == "scaled"
    assert clone is not model and clone.dense is not model.dense
    clone(X4)
    assert not _ids(clone) & _ids(model)
    clone.set_weights(model.get_weights())
    assert_close(clone(X4), to_np(model(X4)))
    with pytest.raises(ValueError, match="clone_function.*only supported for Sequential and Functional"):
        clone_model(model, clone_function=lambda layer: layer)
    with pytest.raises(ValueError, match="call_function.*only supported for Functional"):
        clone_model(model, call_function=lambda layer, *a, **k: layer(*a, **k))


def test_subclassed_model_without_get_config_is_refused():
    model = NoConfig(2)
    with pytest.raises(NotImplementedError, match="NoConfig.*get_config"):
        clone_model(model)


def test_compiled_model_clone_is_compiled_and_argument_errors():
    model = sequential()
    model.compile(optimizer=lamina.optimizers.Adam(0.01), loss="mse")
    clone = clone_model(model)
    assert clone.compiled and clone.optimizer is not model.optimizer
    assert clone.get_compile_config()["loss"] == model.get_compile_config()["loss"]
    assert not clone_model(sequential()).compiled
    with pytest.raises(ValueError, match="unexpected keyword"):
        clone_model(model, bogus=1)
    with pytest.raises(ValueError, match="expected a lamina Model"):
        clone_model("model")


def test_clone_config_matches_keras(keras):
    ours = clone_model(two_input_model())
    theirs = keras.models.clone_model(two_input_model(keras.layers, keras.Input, keras.Model))
    assert _json(ours.get_config()) == _json(theirs.get_config())

    ours = clone_model(sequential())
    theirs = keras.models.clone_model(sequential(keras.layers, keras.Input, keras.Sequential))
    assert _json(ours.get_config()) == _json(theirs.get_config())

    def relu_to_tanh(layer):
        config = layer.get_config()
        if config.get("activation") == "relu":
            config["activation"] = "tanh"
        return layer.__class__.from_config(config)

    ours = clone_model(two_input_model(), clone_function=relu_to_tanh)
    theirs = keras.models.clone_model(two_input_model(keras.layers, keras.Input, keras.Model),
                                      clone_function=relu_to_tanh)
    assert _json(ours.get_config()) == _json(theirs.get_config())
