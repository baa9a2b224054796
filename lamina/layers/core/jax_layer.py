"""JaxLayer and FlaxLayer: a JAX function (or a ``flax.linen.Module``) as a lamina layer (jax backend only).

The model's ``params`` pytree becomes the layer's trainable variables and its
``state`` pytree the non-trainable ones, so ``model.fit`` trains them inside the
jitted step (variables are read as values there and state updates are recorded
by ``Variable.assign``) and weight files save them.

Example:
    >>> def call_fn(params, inputs):
    ...     return inputs @ params["w"] + params["b"]
    >>> layer = lamina.layers.JaxLayer(call_fn, params={"w": np.ones((3, 2)), "b": np.zeros(2)})
    >>> layer(np.ones((4, 3), "float32")).shape
    (4, 2)
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np

from lamina import config as lamina_config
from lamina.backend.common import scopes
from lamina.backend.common.dtypes import is_float_dtype, standardize_dtype
from lamina.core.keras_tensor import KerasTensor
from lamina.core.variable import Variable
from lamina.layers.layer import Layer
from lamina.saving.serialization import builtin, deserialize_keras_object, serialize_keras_object

_CALL_ARGS = {"params", "state", "rng", "inputs", "training"}
_INIT_ARGS = {"rng", "inputs", "training"}


def _jax_side(cls_name: str):
    backend = lamina_config.backend()
    if backend != "jax":
        raise ValueError(
            f"{cls_name} is only supported with the jax backend; the current backend is {backend!r}. "
            "Set LAMINA_BACKEND=jax (or KERAS_BACKEND=jax)."
        )
    return importlib.import_module("lamina.backend.jax.jax_layer")


def _is_shape(x) -> bool:
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in x)


@builtin("keras.layers")
class JaxLayer(Layer):
    """Wrap a JAX model given as ``call_fn`` (and optionally ``init_fn``) as a layer.

    ``call_fn`` must name its arguments among ``params``, ``state``, ``rng``, ``inputs``
    (required) and ``training``; with ``state`` it returns ``(outputs, new_state)``.
    ``init_fn(rng, inputs[, training])`` returns ``params`` (or ``(params, state)``) and is
    called at build time when neither ``params`` nor ``state`` is given. ``rng`` is a raw
    JAX key (uint32[2]) from the layer's seed generator in training, None in inference.

    Args:
        call_fn: the model's forward function.
        init_fn: the model's initializer, or None when ``params``/``state`` are given.
        params: a pytree of the trainable parameters (arrays become variables).
        state: a pytree of the non-trainable state.
        seed: seed of the generator behind ``rng``.
        native_serialization_platforms: accepted for Keras compatibility (TensorFlow only; unused).

    Example:
        >>> layer = lamina.layers.JaxLayer(lambda params, inputs: inputs * params, params=np.float32(2.0))
    """

    def __init__(self, call_fn, init_fn=None, params=None, state=None, seed=None,
                 native_serialization_platforms=None, **kwargs):
        side = _jax_side(type(self).__name__)
        super().__init__(**kwargs)
        if not callable(call_fn):
            raise ValueError(f'{type(self).__name__} "{self.name}": `call_fn` must be callable; received {call_fn!r}.')
        object.__setattr__(self, "_side", side)
        self.call_fn = call_fn
        self.init_fn = init_fn
        self.seed = seed
        self.jax2tf_native_serialization_platforms = native_serialization_platforms
        object.__setattr__(self, "params", None)
        object.__setattr__(self, "state", None)
        self._create_variables(params, trainable=True)
        self._create_variables(state, trainable=False)
        self.call_fn_arguments = self._validate_signature(call_fn, "call_fn", _CALL_ARGS, {"inputs"})
        self.call_fn_has_params = "params" in self.call_fn_arguments
        self.call_fn_has_state = "state" in self.call_fn_arguments
        self.seed_generator = None
        if "rng" in self.call_fn_arguments:
            from lamina.random.seed_generator import SeedGenerator

            self.seed_generator = SeedGenerator(seed)
        if init_fn is None and params is None and state is None and (self.call_fn_has_params
                                                                      or self.call_fn_has_state):
            raise ValueError(
                f'{type(self).__name__} "{self.name}": `init_fn`, `params` and `state` cannot all be None '
                "when `call_fn` takes a `params` or a `state` argument."
            )
        self.init_fn_arguments = None
        if init_fn is not None:
            self.init_fn_arguments = self._validate_signature(init_fn, "init_fn", _INIT_ARGS, {"inputs"})

    def _validate_signature(self, fn, fn_name: str, allowed: set, required: set) -> list:
        try:
            parameters = inspect.signature(fn).parameters
        except (TypeError, ValueError) as e:
            raise ValueError(f'{type(self).__name__} "{self.name}": cannot inspect `{fn_name}`: {e}') from e
        for name in sorted(required):
            if name not in parameters:
                raise ValueError(
                    f'{type(self).__name__} "{self.name}": missing required argument in `{fn_name}`: `{name}`. '
                    f"Received arguments {list(parameters)}."
                )
        for name in parameters:
            if name not in allowed:
                raise ValueError(
                    f'{type(self).__name__} "{self.name}": unsupported argument in `{fn_name}`: `{name}`; '
                    f"supported arguments are {sorted(allowed)}."
                )
        return list(parameters)

    def _create_variables(self, values, trainable: bool) -> None:
        """Turn the array (and Python number) leaves of ``values`` into weights; keep other leaves."""
        side = self._side

        def create(value):
            if side.is_array(value) or isinstance(value, (bool, int, float)):
                dtype = standardize_dtype(value.dtype if hasattr(value, "dtype") else type(value))
                return self.add_weight(
                    shape=tuple(np.shape(value)), initializer=np.asarray(value),
                    dtype=None if is_float_dtype(dtype) else dtype, trainable=trainable,
                )
            return value

        variables = None if values is None else side.tree_map(create, values)
        object.__setattr__(self, "params" if trainable else "state", variables)

    def build(self, input_shape) -> None:
        if self.params is None and self.state is None and (self.call_fn_has_params or self.call_fn_has_state):
            self._initialize_weights(input_shape)
        self.built = True

    def _initialize_weights(self, input_shape) -> None:
        side = self._side
        inputs = side.placeholder_inputs(input_shape, _is_shape)
        if side.in_tracing_scope(inputs) or scopes._state["stateless"] is not None:
            raise ValueError(f'{type(self).__name__} "{self.name}": cannot be built while JAX traces a function; '
                             "build the layer (or call the model once) before jit/fit.")
        args = []
        for name in self.init_fn_arguments:
            if name == "rng":
                args.append(side.tree_map(side.to_key, self._get_init_rng()))
            elif name == "inputs":
                args.append(inputs)
            elif name == "training":
                args.append(True)
        result = self.init_fn(*args)
        if self.call_fn_has_state:
            params, state = result
        else:
            params, state = result, None
        self._create_variables(params, trainable=True)
        self._create_variables(state, trainable=False)

    def _get_init_seed(self):
        """A fresh seed (uint32, shape (2,)) from the global generator."""
        from lamina.random.seed_generator import draw_seed

        return draw_seed(None)

    def _get_init_rng(self):
        """The ``rng`` passed to ``init_fn``: one key (override for another structure)."""
        return self._get_init_seed()

    def _get_call_seed(self):
        return self.seed_generator.next()

    def _get_call_rng(self, training):
        """The ``rng`` passed to ``call_fn``: a key in training, None in inference (override to change)."""
        if training:
            return self._get_call_seed()
        return None

    def call(self, inputs, training=False):
        side = self._side

        def unwrap(v):
            return v.value if isinstance(v, Variable) else v

        args = []
        for name in self.call_fn_arguments:
            if name == "params":
                args.append(side.tree_map(unwrap, self.params))
            elif name == "state":
                args.append(side.tree_map(unwrap, self.state))
            elif name == "rng":
                args.append(side.tree_map(side.to_key, self._get_call_rng(training)))
            elif name == "inputs":
                args.append(inputs)
            elif name == "training":
                args.append(training)
        if not self.call_fn_has_state:
            return self.call_fn(*args)
        outputs, new_state = self.call_fn(*args)

        def assign(value, variable):
            if not isinstance(variable, Variable):
                raise ValueError(
                    f'{type(self).__name__} "{self.name}": the state returned by `call_fn` does not match the '
                    "structure of the state at initialization."
                )
            variable.assign(value)

        try:
            side.tree_map(assign, new_state, self.state)
        except ValueError as e:
            if type(self).__name__ in str(e):
                raise
            raise ValueError(
                f'{type(self).__name__} "{self.name}": the state returned by `call_fn` does not match the '
                f"structure of the state at initialization: {e}"
            ) from e
        return outputs

    def compute_output_spec(self, inputs, training=False):
        """Output KerasTensors from ``jax.eval_shape`` of the call (unknown dims tried at two sizes)."""
        side = self._side
        with scopes.StatelessScope():  # state and seed updates of the trial calls are discarded
            return side.output_specs(lambda x: self.call(x, training=training), inputs,
                                     lambda shape, dtype: KerasTensor(shape, dtype=dtype), _is_keras_tensor)

    def get_config(self) -> dict:
        base = super().get_config()
        return {**base, "call_fn": serialize_keras_object(self.call_fn),
                "init_fn": serialize_keras_object(self.init_fn),
                "native_serialization_platforms": self.jax2tf_native_serialization_platforms}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("call_fn", "init_fn"):
            if config.get(key) is not None and not callable(config[key]):
                config[key] = deserialize_keras_object(config[key], custom_objects=custom_objects)
        return cls(**config)


def _is_keras_tensor(x) -> bool:
    return isinstance(x, KerasTensor)


@builtin("keras.layers")
class FlaxLayer(JaxLayer):
    """Wrap a ``flax.linen.Module`` as a layer (jax backend only).

    The "params" collection becomes the trainable variables; every other collection
    (e.g. "batch_stats") the non-trainable state, updated on each call as in Keras.

    Args:
        module: a ``flax.linen.Module`` instance.
        method: the method used for init and apply (default ``__call__``); a function not
            bound to the module takes the module as first argument. It may take ``training``.
        variables: the module's variables dict (as returned by ``module.init``); None
            initializes them at build time.

    Example:
        >>> layer = lamina.layers.FlaxLayer(flax.linen.Dense(4))
    """

    def __init__(self, module, method=None, variables=None, **kwargs):
        side = _jax_side(type(self).__name__)
        if not side.is_flax_module(module):
            raise ValueError(
                f"FlaxLayer: `module` must be a flax.linen.Module instance; received {module!r} "
                f"of type {type(module).__name__}."
            )
        if isinstance(method, str):
            method = getattr(module, method)
        self.module = module
        self.method = method
        call_fn, init_fn = side.flax_functions(module, method)
        params, state = side.split_variables(variables)
        super().__init__(call_fn=call_fn, init_fn=init_fn, params=params, state=state, **kwargs)

    def _get_init_rng(self):
        return {"params": self._get_init_seed(), "dropout": self._get_init_seed()}

    def _get_call_rng(self, training):
        if training:
            return {"dropout": self._get_call_seed()}
        return {}

    def get_config(self) -> dict:
        method = self.method
        if getattr(method, "__self__", None) is self.module:
            method = method.__name__
        base = super().get_config()
        base.pop("call_fn")
        base.pop("init_fn")
        return {**base, "module": serialize_keras_object(self.module), "method": serialize_keras_object(method)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        module = deserialize_keras_object(config["module"], custom_objects=custom_objects)
        method = config.get("method")
        if isinstance(method, str):
            method = getattr(module, method)
        elif method is not None:
            method = deserialize_keras_object(method, custom_objects=custom_objects)
        config["module"], config["method"] = module, method
        return cls(**config)
