"""TorchModuleWrapper (torch backend), JaxLayer and FlaxLayer (jax backend)."""

import numpy as np
import pytest

import lamina
from lamina.layers.core.jax_layer import FlaxLayer, JaxLayer
from lamina.layers.core.lambda_layer import UnsafeDeserializationError
from lamina.layers.core.torch_module_wrapper import TorchModuleWrapper

BACKEND = lamina.config.backend()
torch_only = pytest.mark.skipif(BACKEND != "torch", reason="TorchModuleWrapper needs the torch backend")
jax_only = pytest.mark.skipif(BACKEND != "jax", reason="JaxLayer/FlaxLayer need the jax backend")

X = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
Y = (X @ np.array([[1.0, -1.0], [0.5, 2.0], [-1.0, 0.0]], "float32")).astype("float32")


def to_np(x):
    return np.asarray(lamina.ops.convert_to_numpy(x))


# ------------------------------------------------------------------ wrong backend
@pytest.mark.skipif(BACKEND == "torch", reason="the error is for other backends")
def test_torch_module_wrapper_refuses_other_backends():
    with pytest.raises(ValueError, match=f"TorchModuleWrapper.*torch backend.*{BACKEND}"):
        TorchModuleWrapper(object())


@pytest.mark.skipif(BACKEND == "jax", reason="the error is for other backends")
@pytest.mark.parametrize("cls", [JaxLayer, FlaxLayer])
def test_jax_layers_refuse_other_backends(cls):
    with pytest.raises(ValueError, match=f"{cls.__name__}.*jax backend.*{BACKEND}"):
        cls(lambda inputs: inputs)


# ------------------------------------------------------------------ TorchModuleWrapper
def _torch_net():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Dropout(0.5),
                               torch.nn.Linear(4, 2))


@torch_only
def test_torch_wrapper_variables_share_module_parameters():
    import torch

    module = _torch_net()
    module[3].bias.requires_grad_(False)
    layer = TorchModuleWrapper(module)
    params = list(module.parameters())
    assert layer.built and len(layer.weights) == len(params) == 6
    assert all(v._value is p for v, p in zip(layer._module_variables, params))
    assert [v.trainable for v in layer._module_variables] == [p.requires_grad for p in params]
    assert len(layer.trainable_weights) == 5 and len(layer.non_trainable_weights) == 1
    layer.weights[0].assign(np.zeros((4, 3), "float32"))  # an assign is seen by the module: same storage
    assert torch.count_nonzero(module[0].weight) == 0
    assert list(layer.parameters()) == params


@torch_only
def test_torch_wrapper_call_and_training_mode():
    import torch

    module = _torch_net()
    layer = TorchModuleWrapper(module)
    out = layer(X, training=False)
    assert not module.training
    with torch.no_grad():
        np.testing.assert_allclose(to_np(out), module(torch.as_tensor(X)).numpy(), atol=1e-6)
    layer(X)  # training=None runs the module in train mode, as Keras does
    assert module.training


@torch_only
def test_torch_wrapper_symbolic_shapes():
    layer = TorchModuleWrapper(_torch_net())
    assert layer(lamina.Input((3,))).shape == (None, 2)
    fixed = TorchModuleWrapper(_torch_net(), output_shape=(None, 2))
    assert fixed.compute_output_shape((None, 3)) == (None, 2)
    bad = TorchModuleWrapper(_torch_net())
    with pytest.raises(ValueError, match="TorchModuleWrapper.*output shape.*output_shape="):
        bad(lamina.Input((5,)))


@torch_only
def test_torch_wrapper_trains_in_fit_and_round_trips_weights(tmp_path):
    import torch

    module = _torch_net()
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, TorchModuleWrapper(module)(inputs))
    model.compile(optimizer="adam", loss="mse")
    before = module[0].weight.detach().clone()
    history = model.fit(X, Y, epochs=3, batch_size=8, verbose=0)
    assert not torch.equal(before, module[0].weight.detach())
    assert np.isfinite(history.history["loss"]).all()
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    expected = to_np(model.predict_on_batch(X))
    module2 = _torch_net()
    inputs2 = lamina.Input((3,))
    model2 = lamina.Model(inputs2, TorchModuleWrapper(module2)(inputs2))
    model2.load_weights(path)
    np.testing.assert_allclose(to_np(model2.predict_on_batch(X)), expected, atol=1e-6)
    np.testing.assert_array_equal(module2[1].running_mean.numpy(), module[1].running_mean.numpy())  # buffers too


@torch_only
def test_torch_wrapper_reads_keras_weights_file(tmp_path, keras):
    theirs_module = _torch_net()
    theirs_module[1].running_mean.fill_(0.25)
    k_in = keras.Input((3,))
    theirs = keras.Model(k_in, keras.layers.TorchModuleWrapper(theirs_module, output_shape=(None, 2))(k_in))
    path = str(tmp_path / "k.weights.h5")
    theirs.save_weights(path)
    import torch

    torch.manual_seed(1)
    ours_module = _torch_net()
    inputs = lamina.Input((3,))
    ours = lamina.Model(inputs, TorchModuleWrapper(ours_module)(inputs))
    ours.load_weights(path)
    np.testing.assert_allclose(to_np(ours.predict_on_batch(X)),
                               keras.ops.convert_to_numpy(theirs.predict_on_batch(X)), atol=1e-6)


@torch_only
def test_torch_wrapper_config_and_unsafe_refusal(keras):
    layer = TorchModuleWrapper(_torch_net(), name="wrap")
    config = layer.get_config()
    keras.utils.clear_session()
    k_config = keras.layers.TorchModuleWrapper(_torch_net(), name="wrap").get_config()
    assert set(config) == set(k_config)
    assert isinstance(config["module"], str) and config["output_shape"] is None
    with pytest.raises(UnsafeDeserializationError, match="TorchModuleWrapper.*pickle.*safe_mode=False"):
        TorchModuleWrapper.from_config(config)
    restored = TorchModuleWrapper.from_config(config, safe_mode=False)
    np.testing.assert_allclose(to_np(restored(X, training=False)), to_np(layer(X, training=False)), atol=1e-6)


@torch_only
def test_torch_wrapper_keras_archive_needs_unsafe_loading(tmp_path):
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, TorchModuleWrapper(_torch_net())(inputs))
    path = str(tmp_path / "m.keras")
    model.save(path)
    with pytest.raises(Exception, match="TorchModuleWrapper.*safe_mode=False"):
        lamina.saving.load_model(path)
    loaded = lamina.saving.load_model(path, safe_mode=False)
    np.testing.assert_allclose(to_np(loaded.predict_on_batch(X)), to_np(model.predict_on_batch(X)), atol=1e-6)


@torch_only
def test_torch_wrapper_bad_module_errors():
    import torch

    with pytest.raises(TypeError, match="TorchModuleWrapper.*torch.nn.Module.*int"):
        TorchModuleWrapper(3)
    with pytest.raises(ValueError, match="TorchModuleWrapper.*LazyModule"):
        TorchModuleWrapper(torch.nn.LazyLinear(2))


@torch_only
def test_torch_wrapper_variable_names_match_keras(keras):
    keras.utils.clear_session()
    theirs = keras.layers.TorchModuleWrapper(_torch_net())
    ours = TorchModuleWrapper(_torch_net())
    assert [v.name for v in ours.weights] == [v.name for v in theirs.weights]
    assert [v.shape for v in ours.weights] == [tuple(v.shape) for v in theirs.weights]


# ------------------------------------------------------------------ JaxLayer
def _linear_init(rng, inputs):
    import jax

    return {"w": jax.random.normal(rng, (inputs.shape[-1], 2)) * 0.1, "b": np.zeros(2, "float32")}


def _linear_call(params, inputs):
    return inputs @ params["w"] + params["b"]


def _counting_call(params, state, rng, inputs, training):
    """Counts its training calls in `state`, and uses `rng` (a raw key) only in training."""
    import jax

    out = inputs @ params["w"]
    if training:
        out = out + 0.0 * jax.random.uniform(rng, out.shape)
        state = {"count": state["count"] + 1}
    return out, state


@jax_only
def test_jax_layer_with_given_params_and_state():
    w = np.arange(6, dtype="float32").reshape(3, 2)
    layer = JaxLayer(_counting_call, params={"w": w}, state={"count": np.int32(0)}, seed=3)
    assert [v.trainable for v in layer.weights] == [True, False]
    assert layer.weights[1].dtype == "int32" and layer.weights[0].dtype == "float32"
    np.testing.assert_allclose(to_np(layer(X, training=False)), X @ w, rtol=1e-6)
    assert int(to_np(layer.state["count"].value)) == 0
    layer(X, training=True)
    layer(X, training=True)
    assert int(to_np(layer.state["count"].value)) == 2
    assert layer.seed_generator is not None


@jax_only
def test_jax_layer_init_fn_and_fit():
    layer = JaxLayer(_linear_call, _linear_init)
    inputs = lamina.Input((3,))
    out = layer(inputs)
    assert out.shape == (None, 2) and out.dtype == "float32"
    assert [v.shape for v in layer.weights] == [(2,), (3, 2)]  # pytree order: "b", "w"
    model = lamina.Model(inputs, out)
    model.compile(optimizer="sgd", loss="mse")
    w0 = layer.params["w"].numpy()
    losses = model.fit(X, Y, epochs=5, batch_size=8, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    assert not np.allclose(w0, layer.params["w"].numpy())


@jax_only
def test_jax_layer_state_updates_inside_jitted_fit():
    layer = JaxLayer(_counting_call, params={"w": np.ones((3, 2), "float32")}, state={"count": np.int32(0)})
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, layer(inputs))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)  # 2 steps per epoch
    assert int(to_np(layer.state["count"].value)) == 4


@jax_only
def test_jax_layer_signature_errors():
    with pytest.raises(ValueError, match="JaxLayer.*unsupported argument in `call_fn`: `x`"):
        JaxLayer(lambda params, inputs, x: x, params={})
    with pytest.raises(ValueError, match="JaxLayer.*missing required argument in `call_fn`: `inputs`"):
        JaxLayer(lambda params: params, params={})
    with pytest.raises(ValueError, match="JaxLayer.*`init_fn`, `params` and `state` cannot all be None"):
        JaxLayer(_linear_call)
    with pytest.raises(ValueError, match="JaxLayer.*unsupported argument in `init_fn`: `shape`"):
        JaxLayer(_linear_call, lambda rng, inputs, shape: {})


@jax_only
def test_jax_layer_config_round_trip(keras, tmp_path):
    lamina.saving.register_keras_serializable(package="test_wrappers")(_linear_call)
    lamina.saving.register_keras_serializable(package="test_wrappers")(_linear_init)
    layer = JaxLayer(_linear_call, _linear_init, name="jl")
    config = layer.get_config()
    k_config = keras.layers.JaxLayer(_linear_call, _linear_init, name="jl").get_config()
    assert set(config) == set(k_config)
    restored = JaxLayer.from_config(config)
    assert restored.call_fn is _linear_call and restored.init_fn is _linear_init
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, layer(inputs))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = lamina.saving.load_model(path)
    np.testing.assert_allclose(to_np(loaded.predict_on_batch(X)), to_np(model.predict_on_batch(X)), atol=1e-6)


# ------------------------------------------------------------------ FlaxLayer
def _flax_module():
    import flax.linen as nn

    class Net(nn.Module):
        @nn.compact
        def __call__(self, x, training):
            x = nn.Dense(4)(x)
            x = nn.BatchNorm(use_running_average=not training)(x)
            x = nn.Dropout(0.5, deterministic=not training)(x)
            return nn.Dense(2)(x)

    return Net()


def _flax_variables(module):
    import jax

    return module.init({"params": jax.random.PRNGKey(0), "dropout": jax.random.PRNGKey(1)},
                       np.ones((1, 3), "float32"), training=False)


@jax_only
def test_flax_layer_matches_keras_and_reads_its_weights(tmp_path, keras):
    module = _flax_module()
    variables = _flax_variables(module)
    keras.utils.clear_session()
    k_in = keras.Input((3,))
    k_layer = keras.layers.FlaxLayer(module, variables=variables)
    theirs = keras.Model(k_in, k_layer(k_in))
    inputs = lamina.Input((3,))
    layer = FlaxLayer(module, variables=variables)
    ours = lamina.Model(inputs, layer(inputs))
    assert [(v.name, v.path, v.shape, v.trainable) for v in layer.weights] == [
        (v.name, v.path, tuple(v.shape), v.trainable) for v in k_layer.weights]
    np.testing.assert_allclose(to_np(ours.predict_on_batch(X)),
                               keras.ops.convert_to_numpy(theirs.predict_on_batch(X)), atol=1e-5)
    # Keras's weights file loads into a freshly initialized lamina FlaxLayer
    path = str(tmp_path / "k.weights.h5")
    theirs.save_weights(path)
    inputs2 = lamina.Input((3,))
    fresh = lamina.Model(inputs2, FlaxLayer(_flax_module())(inputs2))
    fresh.load_weights(path)
    np.testing.assert_allclose(to_np(fresh.predict_on_batch(X)),
                               keras.ops.convert_to_numpy(theirs.predict_on_batch(X)), atol=1e-5)


@jax_only
def test_flax_layer_trains_with_state_and_dropout_rng():
    layer = FlaxLayer(_flax_module(), seed=1)
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, layer(inputs))
    assert [v.trainable for v in layer.weights] == [True] * 6 + [False] * 2
    stats = [v.numpy() for v in layer.non_trainable_weights]
    kernel = layer.trainable_weights[3].numpy()
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    assert not np.allclose(kernel, layer.trainable_weights[3].numpy())
    assert not np.allclose(stats[0], layer.non_trainable_weights[0].numpy())  # batch_stats updated in the step
    a, b = to_np(layer(X, training=True)), to_np(layer(X, training=True))
    assert not np.allclose(a, b)  # dropout draws a new key per call
    np.testing.assert_allclose(to_np(layer(X, training=False)), to_np(layer(X, training=False)))


@jax_only
def test_flax_layer_rejects_non_modules():
    with pytest.raises(ValueError, match="FlaxLayer.*flax.linen.Module.*function"):
        FlaxLayer(lambda x: x)
