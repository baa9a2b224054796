"""Layer: the base class of every layer and model.

A layer owns variables (created in ``build`` on its first call), may own other
layers (tracked when assigned as attributes), and runs ``call`` on real tensors
or, to build a Functional model, on KerasTensors.

Example:
    >>> class Scale(lamina.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.w
    >>> Scale()(np.ones((2, 3))).shape
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from lamina.backend import impl as B
from lamina.backend.common.dtypes import FLOAT_TYPES, standardize_dtype
from lamina.core import dtype_policy as dtype_policies
from lamina.core import name_scope as _ns
from lamina.core.name_scope import _stack as _scope_stack
from lamina.backend.common import scopes
from lamina.core.keras_tensor import KerasTensor
from lamina.core.node import Node
from lamina.core.operation import Operation, any_symbolic
from lamina import ops
from lamina.core.variable import Variable
from lamina.layers.input_spec import assert_input_compatibility
from lamina.saving.serialization import builtin, serialize_keras_object
from lamina.utils import tree

_UNSET = object()
_LEGACY_SHAPE_KWARGS = ("input_shape", "batch_input_shape", "batch_size", "input_dim")
_layers_with_losses: list = []


class _CallSignature:
    """What a layer class's ``call`` accepts, inspected once per class."""

    def __init__(self, cls):
        params = inspect.signature(cls.call).parameters
        names = [n for n in params if n != "self"]
        self.has_training = "training" in params
        self.has_mask = "mask" in params
        self.has_var_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
        self.parameters = frozenset(names)
        self.first_arg = names[0] if names else None
        self.positional = [
            n for n, p in params.items()
            if n != "self" and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        build_params = [n for n in inspect.signature(cls.build).parameters if n != "self"]
        self.build_params = build_params


def _signature_of(cls) -> _CallSignature:
    sig = cls.__dict__.get("_lamina_call_signature")
    if sig is None:
        sig = _CallSignature(cls)
        cls._lamina_call_signature = sig
    return sig


def _is_overridden(obj, name: str) -> bool:
    return getattr(type(obj), name) is not getattr(Layer, name)


@builtin("keras.layers")
class Layer(Operation):
    """Base class of all layers.

    Args:
        activity_regularizer: a regularizer applied to the layer's output (its penalty joins ``losses``).
        trainable: whether the layer's variables are updated in training.
        dtype: a dtype policy (``"float32"``, ``"mixed_float16"``, a DTypePolicy) or None for the global one.
        autocast: whether float inputs are cast to the compute dtype.
        name: the layer's name; unique default names are generated from the class name.
    """

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        # Tracking containers exist before any subclass __init__ assigns attributes.
        object.__setattr__(obj, "_trainable_variables", [])
        object.__setattr__(obj, "_non_trainable_variables", [])
        object.__setattr__(obj, "_seed_generators", [])
        object.__setattr__(obj, "_layers", [])
        object.__setattr__(obj, "_losses", [])
        object.__setattr__(obj, "_tracking", True)
        object.__setattr__(obj, "_parent_path", None)  # where the layer's name scope was first opened
        object.__setattr__(obj, "_path", None)
        object.__setattr__(obj, "_scope_entry", None)  # cached name-scope entry (lamina.core.name_scope)
        object.__setattr__(obj, "_auto_config", _auto_config(cls, args, kwargs))
        return obj

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Run every overriding ``build`` (a mixin's included) inside the layer's name scope, once per class.
        build = getattr(cls, "build", None)
        if build is not None and build is not Layer.build and not getattr(build, "_lamina_scoped", False):
            cls.build = _scoped_build(build)

    def __init__(self, *, activity_regularizer=None, trainable: bool = True, dtype=None,
                 autocast: bool = True, name: str | None = None, **kwargs):
        shape_kwargs = {k: kwargs.pop(k) for k in _LEGACY_SHAPE_KWARGS if k in kwargs}
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(f"{type(self).__name__}: name must be a string without '/', received {name!r}.")
        super().__init__(name=name)
        self._dtype_policy = dtype_policies.get(dtype)
        self._trainable = bool(trainable)
        self.autocast = autocast
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self._build_shapes = None
        self._input_shape_arg = _legacy_input_shape(shape_kwargs)
        self.activity_regularizer = None
        if activity_regularizer is not None:
            from lamina import regularizers

            self.activity_regularizer = regularizers.get(activity_regularizer)
        self._signature = _signature_of(type(self))

    # ------------------------------------------------------------------ tracking
    def __setattr__(self, name, value):
        if self.__dict__.get("_tracking", False) and not name.startswith("__"):
            self._track(value)
        object.__setattr__(self, name, value)

    def _track(self, value):
        if isinstance(value, Layer):
            if value is not self and not any(value is l for l in self._layers):
                self._layers.append(value)
        elif isinstance(value, Variable):
            target = self._trainable_variables if value.trainable else self._non_trainable_variables
            if not any(value is v for v in self._trainable_variables + self._non_trainable_variables):
                target.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                if isinstance(v, (Layer, Variable, list, tuple, dict)) or _is_seed_generator(v):
                    self._track(v)
        elif isinstance(value, dict):
            for v in value.values():
                if isinstance(v, (Layer, Variable, list, tuple, dict)) or _is_seed_generator(v):
                    self._track(v)
        elif _is_seed_generator(value):
            if not any(value is s for s in self._seed_generators):
                self._seed_generators.append(value)

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True) -> list:
        out, seen = [], set()
        stack = [self] if include_self else list(reversed(self._layers))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            if recursive:
                stack.extend(reversed(layer._layers))
        return out

    # ------------------------------------------------------------------ dtypes
    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self._dtype_policy = dtype_policies.get(value)

    @property
    def dtype(self) -> str:
        """The dtype of the layer's variables."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype_policy.variable_dtype

    # ------------------------------------------------------------------ weights
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable: bool = True,
                   autocast: bool = True, regularizer=None, constraint=None, aggregation: str = "none",
                   overwrite_with_gradient: bool = False, name: str | None = None) -> Variable:
        """Create a variable owned by this layer (usually in ``build``).

        Example:
            >>> self.kernel = self.add_weight(shape=(3, 4), initializer="glorot_uniform", name="kernel")
        """
        from lamina import initializers

        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = standardize_dtype(dtype) if dtype is not None else self.variable_dtype
        if initializer is None:
            initializer = "glorot_uniform" if dtype in FLOAT_TYPES else "zeros"
        with _ns.name_scope(self.name, caller=self):
            variable = Variable(
                initializers.get(initializer), shape=shape, dtype=dtype, trainable=trainable,
                autocast=autocast, aggregation=aggregation, name=name,
                constraint=_get_optional("constraints", constraint),
                regularizer=_get_optional("regularizers", regularizer),
            )
        variable.overwrite_with_gradient = overwrite_with_gradient
        (self._trainable_variables if trainable else self._non_trainable_variables).append(variable)
        return variable

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True,
                     regularizer=None, constraint=None, name=None):
        """Alias of :meth:`add_weight` with positional shape and initializer."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype, trainable=trainable,
                               autocast=autocast, regularizer=regularizer, constraint=constraint, name=name)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool):
        value = bool(value)
        self._trainable = value
        for v in self._trainable_variables:
            v.trainable = value
        for layer in self._layers:
            layer.trainable = value

    def _own_weights(self) -> list:
        return self._trainable_variables + self._non_trainable_variables

    @property
    def weights(self) -> list:
        """All weight variables: this layer's own, then each sub-layer's, in creation order."""
        out, seen = [], set()
        for layer in self._flatten_layers():
            for v in layer._own_weights():
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def variables(self) -> list:
        """Weights plus other state (seed generator states, metric variables)."""
        out, seen = [], set()
        for layer in self._flatten_layers():
            own = layer._own_weights() + [g.state for g in layer._seed_generators]
            for v in own:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self) -> list:
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    @property
    def trainable_variables(self) -> list:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:
        trainable_ids = {id(v) for v in self.trainable_weights}
        return [v for v in self.variables if id(v) not in trainable_ids]

    def get_weights(self) -> list:
        """The weights as NumPy arrays, in :attr:`weights` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights) -> None:
        """Set the weights from NumPy arrays given in :attr:`weights` order."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f'Layer "{self.name}" expects {len(own)} weights, but set_weights received {len(weights)}. '
                f"Expected shapes: {[v.shape for v in own]}"
            )
        for v, w in zip(own, weights):
            w = np.asarray(w)
            if tuple(w.shape) != tuple(v.shape):
                raise ValueError(
                    f'Layer "{self.name}": weight {v.path} has shape {v.shape}, '
                    f"but set_weights received an array of shape {w.shape}."
                )
            v.assign(w)

    def count_params(self) -> int:
        """The number of scalars in the layer's weights (the layer must be built)."""
        if not self.built:
            raise ValueError(
                f'You tried to call count_params on layer "{self.name}", but the layer isn\'t built. '
                "Build it first by calling it on data or with build(input_shape)."
            )
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    # ------------------------------------------------------------------ losses
    def add_loss(self, loss) -> None:
        """Add a scalar loss term; it is included in ``losses`` and in training."""
        self._losses.append(loss)
        if not any(self is l for l in _layers_with_losses):
            _layers_with_losses.append(self)

    @property
    def losses(self) -> list:
        """Losses added in the latest call (add_loss, activity regularizers) plus weight penalties."""
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
        for v in self.trainable_weights:
            if v.regularizer is not None:
                out.append(v.regularizer(v.value))
        return out

    def _clear_losses(self) -> None:
        for layer in _layers_with_losses:
            layer._losses.clear()


    # ------------------------------------------------------------------ pure calls
    def stateless_call(self, trainable_variables, non_trainable_variables, *args, return_losses: bool = False,
                       **kwargs):
        """Call the layer with the given variable values, changing no variable.

        Returns ``(outputs, non_trainable_variables)`` with the updated non-trainable
        values (e.g. BatchNormalization statistics), plus the losses the call added when
        ``return_losses`` is true. This is what a JAX ``train_step`` differentiates.

        Example:
            >>> y, ntv = layer.stateless_call([v.value for v in layer.trainable_variables],
            ...                               [v.value for v in layer.non_trainable_variables], x)
        """
        from lamina.backend.common.scopes import StatelessScope

        trainable, non_trainable = self.trainable_variables, self.non_trainable_variables
        for given, own, kind in ((trainable_variables, trainable, "trainable"),
                                 (non_trainable_variables, non_trainable, "non-trainable")):
            if len(given) != len(own):
                raise ValueError(
                    f'Layer "{self.name}".stateless_call: expected {len(own)} {kind} variable values '
                    f"(one per variable in `{kind.replace('-', '_')}_variables`), received {len(given)}."
                )
        mapping = list(zip(trainable, trainable_variables)) + list(zip(non_trainable, non_trainable_variables))
        with StatelessScope(mapping, collect_losses=return_losses) as scope:
            self._clear_losses()
            outputs = self(*args, **kwargs)
            losses = self.losses if return_losses else None
            self._clear_losses()
        new_non_trainable = [scope.get_current_value(v) for v in non_trainable]
        if return_losses:
            return outputs, new_non_trainable, losses
        return outputs, new_non_trainable
    # ------------------------------------------------------------------ building
    def build(self, input_shape) -> None:
        """Create the layer's variables for inputs of ``input_shape``. The default creates none."""
        self.built = True

    def _maybe_build(self, args, kwargs) -> None:
        if self.built:
            return
        if self._path is None:
            object.__setattr__(self, "_path", _ns.current_path() or self.name)
        shapes = _shapes_of_call_args(self._signature, args, kwargs)
        if not shapes:
            self.built = True
            return
        params = self._signature.build_params
        # Variables are real even when the build happens during a symbolic trace of an outer layer.
        depth, scopes._state["symbolic"] = scopes._state["symbolic"], 0
        try:
            self._build_with_shapes(shapes, params)
        finally:
            scopes._state["symbolic"] = depth
        self.built = True

    def _build_with_shapes(self, shapes, params) -> None:
        with scopes.AutocastScope(None):
            if len(params) <= 1 or _is_overridden(self, "build") is False:
                first = next(iter(shapes.values()))
                self._build_shapes = {"input_shape": first}
                self.build(first)
            else:
                wanted = {k: v for k, v in shapes.items() if k in params}
                if not wanted:
                    wanted = {params[0]: next(iter(shapes.values()))}
                self._build_shapes = wanted
                self.build(**wanted)

    def get_build_config(self):
        if self._build_shapes is not None:
            return {k: _shape_to_json(v) for k, v in self._build_shapes.items()}
        return None

    def build_from_config(self, config) -> None:
        if not config:
            return
        shapes = {k: _shape_from_json(v) for k, v in config.items()}
        if len(shapes) == 1 and "input_shape" in shapes:
            self._build_shapes = shapes
            self.build(shapes["input_shape"])
        else:
            self._build_shapes = shapes
            self.build(**shapes)
        self.built = True

    # ------------------------------------------------------------------ calling
    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} ({self.name}) does not implement call().")

    def __call__(self, *args, **kwargs):
        if any_symbolic(args, kwargs):
            return self._symbolic_call(args, kwargs)
        return self._call_impl(args, kwargs, _UNSET)[0]

    def _call_impl(self, args, kwargs, input_mask):
        """Run the layer on real tensors; returns ``(outputs, output_mask)``."""
        # Open the layer's name scope (inlined lamina.core.name_scope.enter_layer_scope: hot path).
        if _scope_stack and _scope_stack[-1][1] is self:
            pushed = False
        else:
            entry = self._scope_entry
            if entry is None or entry[0] is not self.name:
                entry = _ns.layer_entry(self)
            _scope_stack.append(entry)
            pushed = True
        try:
            sig = self._signature
            if args:
                first = _convert_inputs(args[0], self._dtype_policy.compute_dtype if self.autocast else None)
                args = (first,) + args[1:]
            else:
                first = kwargs.get(sig.first_arg)
            if not self.built:
                self._maybe_build(args, kwargs)
            spec = self.input_spec
            if spec is not None:
                # A shape once accepted by this spec object is accepted again: check each new one once.
                shape = getattr(first, "shape", None)
                accepted = self.__dict__.get("_accepted_input")
                if accepted is None or accepted[0] is not spec or accepted[1] != shape or shape is None:
                    assert_input_compatibility(spec, first, self.name)
                    if shape is not None:
                        self.__dict__["_accepted_input"] = (spec, shape)
            stack = scopes._state["call_stack"]
            if not stack and _layers_with_losses:
                self._clear_losses()
            # training: explicit argument, else the enclosing call's, else the call's own default.
            if sig.has_training:
                training = kwargs.get("training")
            elif "training" in kwargs and not sig.has_var_kwargs:
                # call() takes no `training`: it is not passed, but inner layers still see it (as in Keras).
                kwargs = dict(kwargs)
                training = kwargs.pop("training")
            else:
                training = None
            if training is None and stack:
                training = stack[-1]
            if sig.has_training and training is not None:
                kwargs["training"] = training
            if sig.has_mask and kwargs.get("mask") is None:
                if input_mask is _UNSET:
                    input_mask = _mask_of(first)
                if input_mask is not None:
                    kwargs["mask"] = input_mask
            elif input_mask is _UNSET:
                input_mask = None
            mixed = self.autocast and self._dtype_policy.compute_dtype != self._dtype_policy.variable_dtype
            stack.append(training)
            try:
                if mixed:
                    with scopes.AutocastScope(self._dtype_policy.compute_dtype):
                        outputs = self.call(*args, **kwargs)
                else:
                    outputs = self.call(*args, **kwargs)
            finally:
                stack.pop()
            if self.activity_regularizer is not None:
                for o in tree.flatten(outputs):
                    penalty = self.activity_regularizer(o)
                    if len(o.shape) > 0:  # Keras 3 averages the penalty over the batch
                        penalty = ops.divide_no_nan(penalty, ops.cast(ops.shape(o)[0], ops.dtype(penalty)))
                    self.add_loss(penalty)
            out_mask = None
            if self.supports_masking or _is_overridden(self, "compute_mask"):
                mask_arg = kwargs.get("mask", input_mask if input_mask is not _UNSET else None)
                out_mask = self.compute_mask(first, mask_arg)
                if out_mask is not None:
                    _attach_mask(outputs, out_mask)
            return outputs, out_mask
        finally:
            if pushed:
                _scope_stack.pop()

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs: the input mask when the layer supports masking, else None."""
        if not self.supports_masking:
            return None
        return mask

    def _symbolic_call(self, args, kwargs):
        pushed = _ns.enter_layer_scope(self)
        try:
            if not self.built:
                self._maybe_build(args, kwargs)
            sig = self._signature
            first = args[0] if args else kwargs.get(sig.first_arg)
            if self.input_spec is not None:
                assert_input_compatibility(self.input_spec, first, self.name)
            spec_kwargs = kwargs
            input_mask = _mask_of(first) if (sig.has_mask or self.supports_masking
                                             or _is_overridden(self, "compute_mask")) else None
            if sig.has_mask and kwargs.get("mask") is None and input_mask is not None:
                spec_kwargs = dict(kwargs, mask=input_mask)
            outputs = _fresh_outputs(self.compute_output_spec(*args, **spec_kwargs), args, kwargs)
            if self.supports_masking or _is_overridden(self, "compute_mask"):
                with scopes.SymbolicScope():
                    out_mask = self.compute_mask(first, spec_kwargs.get("mask", input_mask))
                if out_mask is not None:
                    _attach_mask(outputs, out_mask)
            if not scopes.in_symbolic_scope():
                Node(self, args, kwargs, outputs)
            return outputs
        finally:
            if pushed:
                _ns.exit_scope()

    def compute_output_spec(self, *args, **kwargs):
        """KerasTensors describing the outputs, inferred without computing anything."""
        dtype = self._dtype_policy.compute_dtype
        if _is_overridden(self, "compute_output_shape"):
            first = args[0] if args else next(iter(kwargs.values()))
            shapes = tree.map_structure(lambda t: t.shape, first) if tree.is_nested(first) else first.shape
            out_shape = self.compute_output_shape(shapes)
            return _shapes_to_tensors(out_shape, dtype)
        kwargs = dict(kwargs)
        sig = self._signature
        training = kwargs.get("training")
        if (sig.has_training and training is None) or (not sig.has_training and not sig.has_var_kwargs):
            kwargs.pop("training", None)
        if args and self.autocast:
            args = (_cast_symbolic(args[0], dtype),) + tuple(args[1:])
        mixed = self.autocast and dtype != self._dtype_policy.variable_dtype
        stack = scopes._state["call_stack"]
        stack.append(training)
        try:
            with scopes.SymbolicScope():
                if mixed:
                    with scopes.AutocastScope(dtype):
                        return self.call(*args, **kwargs)
                return self.call(*args, **kwargs)
        finally:
            stack.pop()

    def compute_output_shape(self, *args, **kwargs):
        """Output shape(s) for input shape(s); by default inferred by a symbolic call."""
        if _is_overridden(self, "compute_output_spec"):
            specs = self.compute_output_spec(*tree.map_structure(_shape_to_tensor, args))
        else:
            inputs = _shapes_to_tensors(args[0], self._dtype_policy.compute_dtype)
            specs = self.compute_output_spec(inputs, *args[1:], **kwargs)
        return tree.map_structure(lambda t: t.shape, specs)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """The constructor arguments, with the same keys Keras 3 writes."""
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": serialize_keras_object(self._dtype_policy),
        }
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = serialize_keras_object(self.activity_regularizer)
        if type(self).get_config is Layer.get_config and type(self).__init__ is not Layer.__init__:
            if self._auto_config is None:
                raise NotImplementedError(
                    f"Layer {type(self).__name__} has constructor arguments that are not JSON-serializable; "
                    "implement get_config() to make it serializable."
                )
            config.update(self._auto_config)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = dtype_policies.get(config["dtype"])
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using config={config}. Exception: {e}"
            ) from e

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    @property
    def path(self) -> str:
        """The layer's full name-scope path (``outer/inner``) once built; its name before that."""
        return self._path or self.name

    @property
    def input(self):
        """The symbolic input of the layer's first call in a graph."""
        if not self._inbound_nodes:
            raise AttributeError(f'Layer "{self.name}" has never been called on a symbolic input.')
        node = self._inbound_nodes[0]
        return node.input_tensors[0] if len(node.input_tensors) == 1 else node.input_tensors

    @property
    def output(self):
        """The symbolic output of the layer's first call in a graph."""
        if not self._inbound_nodes:
            raise AttributeError(f'Layer "{self.name}" has never been called on a symbolic input.')
        outs = self._inbound_nodes[0].outputs
        return outs[0] if len(outs) == 1 else outs


# ---------------------------------------------------------------------- helpers
def _scoped_build(build):
    """``build`` run inside the layer's name scope, so the variables it creates (and those of
    sub-layers it builds) get the layer's path as a prefix, as in Keras."""

    @functools.wraps(build)
    def scoped(self, *args, **kwargs):
        pushed = _ns.enter_layer_scope(self)
        try:
            if self._path is None:
                object.__setattr__(self, "_path", _ns.current_path())
            return build(self, *args, **kwargs)
        finally:
            if pushed:
                _ns.exit_scope()

    scoped._lamina_scoped = True
    return scoped


def _get_optional(namespace: str, identifier):
    if identifier is None:
        return None
    import importlib

    return importlib.import_module(f"lamina.{namespace}").get(identifier)


def _is_seed_generator(value) -> bool:
    return type(value).__name__ == "SeedGenerator" and isinstance(getattr(value, "state", None), Variable)


def _auto_config(cls, args, kwargs):
    """The constructor arguments, if they are all plain JSON values (used by the default get_config)."""
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:
        return None
    config = {}
    for name, value in list(bound.arguments.items())[1:]:
        param = inspect.signature(cls.__init__).parameters[name]
        if param.kind is param.VAR_KEYWORD:
            value = {k: v for k, v in value.items() if k not in ("name", "trainable", "dtype")}
            if not _json_simple(value):
                return None
            config.update(value)
        elif param.kind is param.VAR_POSITIONAL:
            if value:
                return None
        else:
            if not _json_simple(value):
                return None
            config[name] = value
    return config


def _json_simple(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_json_simple(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_simple(v) for k, v in value.items())
    return False


def _legacy_input_shape(kwargs):
    if "batch_input_shape" in kwargs:
        return tuple(kwargs["batch_input_shape"])
    if "input_shape" in kwargs:
        return (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
    if "input_dim" in kwargs:
        return (kwargs.get("batch_size"), kwargs["input_dim"])
    return None


def _convert_inputs(x, compute_dtype):
    """Backend tensors for the first call argument, float inputs cast to the compute dtype."""
    if B.core.is_tensor(x):
        if compute_dtype is not None:
            d = B.core.dtype_of(x)
            if d != compute_dtype and d in FLOAT_TYPES:
                return B.core.cast(x, compute_dtype)
        return x
    if isinstance(x, (list, tuple, dict)):
        return tree.map_structure(lambda v: _convert_inputs(v, compute_dtype), x)
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind in "USO":
        return x  # strings stay NumPy arrays: only string-aware layers (StringLookup, ...) take them
    if isinstance(x, np.ndarray) or hasattr(x, "__array__") or isinstance(x, Variable):
        t = B.core.convert_to_tensor(x)
        return _convert_inputs(t, compute_dtype)
    return x


def _cast_symbolic(x, dtype):
    if isinstance(x, KerasTensor):
        if x.dtype in FLOAT_TYPES and x.dtype != dtype:
            return KerasTensor(x.shape, dtype=dtype, sparse=x.sparse, name=x.name)
        return x
    if isinstance(x, (list, tuple, dict)):
        return tree.map_structure(lambda v: _cast_symbolic(v, dtype), x)
    return x


def _fresh_outputs(outputs, args, kwargs):
    """Outputs with any input tensor returned as-is (``return x``) replaced by a copy, so that
    the layer's node gets tensors of its own and the graph has no cycle."""
    inputs = {id(t) for t in tree.flatten((args, kwargs)) if isinstance(t, KerasTensor)}

    def fresh(t):
        if isinstance(t, KerasTensor) and id(t) in inputs:
            copy = KerasTensor(t.shape, dtype=t.dtype, sparse=t.sparse, ragged=t.ragged)
            copy._keras_mask = t._keras_mask
            return copy
        return t

    return tree.map_structure(fresh, outputs)


def _mask_of(x):
    if isinstance(x, (list, tuple)):
        masks = [getattr(v, "_keras_mask", None) for v in x]
        return None if all(m is None for m in masks) else masks
    return getattr(x, "_keras_mask", None)


def _attach_mask(outputs, mask):
    if isinstance(outputs, (list, tuple)):
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(outputs)
        for o, m in zip(outputs, masks):
            _attach_mask(o, m)
        return
    try:
        outputs._keras_mask = mask
    except (AttributeError, TypeError):
        pass  # numpy and jax arrays take no attributes; Functional models track masks themselves


def _shapes_of_call_args(sig, args, kwargs) -> dict:
    shapes = {}
    names = sig.positional
    for i, a in enumerate(args):
        name = names[i] if i < len(names) else f"arg{i}"
        s = _shape_structure(a)
        if s is not None:
            shapes[f"{name}_shape"] = s
    for k, v in kwargs.items():
        if k in ("training", "mask"):
            continue
        s = _shape_structure(v)
        if s is not None:
            shapes[f"{k}_shape"] = s
    return shapes


def _shape_structure(x):
    if isinstance(x, (list, tuple)):
        inner = [_shape_structure(v) for v in x]
        return None if all(s is None for s in inner) else inner
    if isinstance(x, dict):
        inner = {k: _shape_structure(v) for k, v in x.items()}
        return None if all(s is None for s in inner.values()) else inner
    shape = getattr(x, "shape", None)
    if shape is None or isinstance(x, (int, float, bool)):
        return None
    return tuple(None if d is None else int(d) for d in shape)


def _is_shape(x) -> bool:
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in x)


def _shapes_to_tensors(shapes, dtype):
    if _is_shape(shapes):
        return KerasTensor(tuple(shapes), dtype=dtype)
    if isinstance(shapes, dict):
        return {k: _shapes_to_tensors(v, dtype) for k, v in shapes.items()}
    return [_shapes_to_tensors(s, dtype) for s in shapes]


def _shape_to_tensor(x):
    return KerasTensor(tuple(x)) if _is_shape(x) else x


def _shape_to_json(s):
    if _is_shape(s):
        return list(s)
    if isinstance(s, dict):
        return {k: _shape_to_json(v) for k, v in s.items()}
    return [_shape_to_json(v) for v in s]


def _shape_from_json(s):
    if _is_shape(s):
        return tuple(s)
    if isinstance(s, dict):
        return {k: _shape_from_json(v) for k, v in s.items()}
    return [_shape_from_json(v) for v in s]
