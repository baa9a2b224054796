"""The torch side of ``lamina.layers.TorchModuleWrapper``: adopt a ``torch.nn.Module``'s parameters.

The wrapper's lamina Variables hold the module's own ``torch.nn.Parameter`` objects as
their storage (lamina's torch Variables store a Parameter and assign in place), so the
optimizer's updates are the module's parameters: no copy per step.

Example:
    >>> module = prepare_module(torch.nn.Linear(3, 2), "torch_module_wrapper")
    >>> [name for name, _ in module.named_parameters()]
    ['weight', 'bias']
"""

from __future__ import annotations

import base64
import io

import torch

from lamina.backend.torch import core


def prepare_module(module, layer_name: str):
    """Check ``module`` is an initialized ``torch.nn.Module`` and move it to lamina's device."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(
            f'TorchModuleWrapper "{layer_name}": `module` must be a torch.nn.Module instance; '
            f"received {module!r} of type {type(module).__name__}."
        )
    lazy = torch.nn.modules.lazy.LazyModuleMixin
    if isinstance(module, lazy) and module.has_uninitialized_params():
        raise ValueError(
            f'TorchModuleWrapper "{layer_name}": LazyModules are only supported once initialized '
            f"(call the module once on data first). Received an uninitialized LazyModule: {module}"
        )
    return module.to(core.default_device())


def adopt_parameters(module, make_variable) -> list:
    """``(parameter name, Variable)`` per parameter of ``module``, the Variable sharing its storage.

    ``make_variable(initial_value, trainable)`` creates the Variable (it holds a temporary
    copy); its storage is then replaced by the parameter itself.
    """
    variables = []
    for name, param in module.named_parameters():
        variable = make_variable(param.detach(), param.requires_grad)
        variable._value = param  # lamina's torch Variable storage is a Parameter: share it
        variables.append((name, variable))
    return variables


def call_module(module, args, kwargs, training, param_values=None):
    """Run ``module`` in train mode unless ``training is False`` (as Keras does).

    ``param_values`` (name -> tensor), given inside a stateless scope, replaces the
    module's parameters for this call only (``torch.func.functional_call``).
    """
    module.train(training is not False)
    if param_values is not None:
        return torch.func.functional_call(module, param_values, tuple(args), dict(kwargs))
    return module(*args, **kwargs)


def infer_output_shapes(module, input_specs, layer_name: str):
    """Output shapes of ``module`` for inputs ``[(shape, dtype), ...]`` with None dims.

    The module runs twice on zeros in eval mode without gradients, unknown dims set to 2
    then 3; output dims that differ between the runs are unknown (None).
    """
    was_training = module.training
    results = []
    try:
        module.eval()
        with torch.no_grad():
            for size in (2, 3):
                xs = [
                    torch.zeros([size if d is None else d for d in shape], dtype=core.to_native_dtype(dtype),
                                device=core.default_device())
                    for shape, dtype in input_specs
                ]
                results.append(module(*xs))
    except Exception as e:
        raise ValueError(
            f'TorchModuleWrapper "{layer_name}": could not infer the output shape by running the module on '
            f"zeros of shapes {[s for s, _ in input_specs]} ({type(e).__name__}: {e}). "
            "Pass `output_shape=` to the layer."
        ) from e
    finally:
        module.train(was_training)
    return _merge_shapes(results[0], results[1])


def _merge_shapes(a, b):
    if isinstance(a, torch.Tensor):
        dtype = core.dtype_of(a)
        return tuple(x if x == y else None for x, y in zip(a.shape, b.shape)), dtype
    if isinstance(a, (list, tuple)):
        return type(a)(_merge_shapes(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return {k: _merge_shapes(a[k], b[k]) for k in a}
    raise TypeError(f"TorchModuleWrapper: unsupported module output type {type(a).__name__}.")


def state_dict_arrays(module) -> dict:
    """The module's ``state_dict`` (parameters and buffers) as NumPy arrays."""
    return {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}


def load_state_dict_arrays(module, arrays: dict, layer_name: str) -> None:
    """Load NumPy arrays into ``module`` in place (parameter objects are kept, so Variables stay shared)."""
    state = module.state_dict()
    missing = sorted(set(state) - set(arrays))
    unexpected = sorted(set(arrays) - set(state))
    if missing or unexpected:
        raise ValueError(
            f'TorchModuleWrapper "{layer_name}": the saved state does not match the module: '
            f"missing keys {missing}, unexpected keys {unexpected}."
        )
    with torch.no_grad():
        for key, target in state.items():
            value = torch.as_tensor(arrays[key])
            if tuple(value.shape) != tuple(target.shape):
                raise ValueError(
                    f'TorchModuleWrapper "{layer_name}": saved value for {key!r} has shape {tuple(value.shape)}, '
                    f"the module expects {tuple(target.shape)}."
                )
            target.copy_(value.to(dtype=target.dtype, device=target.device))


def serialize_module(module) -> str:
    """``torch.save`` of the module, base64-encoded (Keras's config format)."""
    buffer = io.BytesIO()
    torch.save(module, buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def deserialize_module(data: str):
    """The module from :func:`serialize_module` output. Runs pickle: callers must check safe mode first."""
    buffer = io.BytesIO(base64.b64decode(data.encode("ascii")))
    return torch.load(buffer, weights_only=False, map_location=core.default_device())
