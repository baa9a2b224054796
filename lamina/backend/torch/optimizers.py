"""Fused optimizer updates on torch: one ``torch._foreach_*`` kernel per step of the update rule for all
variables at once, instead of a dozen small ops per variable (the per-variable rule in
lamina/optimizers stays the reference, and is what runs traced or inside a StatelessScope)."""

from __future__ import annotations

import torch

from lamina.backend.torch.core import convert_to_tensor


def adam_update(variables, grads, momentums, velocities, velocity_hats, learning_rate, iterations,
                beta_1: float, beta_2: float, epsilon: float) -> None:
    """Keras's Adam rule, in place on the variables' storage:

    m += (g - m) * (1 - beta_1); v += (g**2 - v) * (1 - beta_2); (v_hat = max(v_hat, v));
    var -= m * lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) / (sqrt(v) + epsilon), with t = iterations + 1.
    """
    params = [v._value for v in variables]
    dtype = params[0].dtype
    with torch.no_grad():
        grads = [g if g.dtype == dtype else g.to(dtype) for g in grads]
        ms = [m._value for m in momentums]
        vs = [v._value for v in velocities]
        if _fused_adam(params, grads, ms, vs, velocity_hats, learning_rate, iterations, beta_1, beta_2, epsilon):
            return
        step = convert_to_tensor(iterations).to(dtype) + 1
        lr = convert_to_tensor(learning_rate).to(dtype)
        alpha = lr * torch.sqrt(1 - beta_2 ** step) / (1 - beta_1 ** step)
        torch._foreach_lerp_(ms, grads, 1 - beta_1)
        torch._foreach_lerp_(vs, torch._foreach_mul(grads, grads), 1 - beta_2)
        if velocity_hats is not None:
            hats = [h._value for h in velocity_hats]
            torch._foreach_maximum_(hats, vs)
            vs = hats
        denominators = torch._foreach_sqrt(vs)
        torch._foreach_add_(denominators, epsilon)
        updates = torch._foreach_mul(ms, alpha)
        torch._foreach_div_(updates, denominators)
        torch._foreach_sub_(params, updates)


_FUSED_ADAM = getattr(torch, "_fused_adam_", None)


def _fused_adam(params, grads, ms, vs, velocity_hats, learning_rate, iterations, beta_1, beta_2, epsilon) -> bool:
    """The whole Adam step as torch's fused kernel (``torch._fused_adam_``, what
    ``torch.optim.Adam(fused=True)`` runs), where it applies; False otherwise.

    torch adds epsilon after dividing sqrt(v) by sqrt(1 - beta_2**t); Keras adds it before. Passing
    ``epsilon / sqrt(1 - beta_2**t)`` makes the two the same rule.
    """
    device = params[0].device
    if _FUSED_ADAM is None or device.type not in ("cpu", "cuda") or any(p.device != device for p in params):
        return False
    t = float(convert_to_tensor(iterations)) + 1.0
    bias_2 = 1.0 - beta_2 ** t
    if bias_2 <= 0.0:
        return False
    step = torch.tensor(t, dtype=torch.float32, device=device)
    # The kernel walks memory linearly: strided tensors (a gradient through a transpose) made dense.
    grads = [g if g.is_contiguous() else g.contiguous() for g in grads]
    if not all(p.is_contiguous() for p in params):
        return False
    hats = [h._value for h in velocity_hats] if velocity_hats is not None else []
    _FUSED_ADAM(params, grads, ms, vs, hats, [step] * len(params), lr=float(convert_to_tensor(learning_rate)),
                beta1=float(beta_1), beta2=float(beta_2), weight_decay=0.0, eps=float(epsilon) / bias_2 ** 0.5,
                amsgrad=velocity_hats is not None, maximize=False)
    return True


def _prepare(variables, grads, learning_rate):
    params = [v._value for v in variables]
    dtype = params[0].dtype
    grads = [g if g.dtype == dtype else g.to(dtype) for g in grads]
    return params, grads, convert_to_tensor(learning_rate).to(dtype)


def sgd_update(variables, grads, momentums, learning_rate, momentum: float, nesterov: bool) -> None:
    """Keras's SGD rule: ``step = g * lr``; without momentum ``var -= step``; else
    ``m = m * momentum - step`` and ``var += m`` (Nesterov: ``var += m * momentum - step``)."""
    with torch.no_grad():
        params, grads, lr = _prepare(variables, grads, learning_rate)
        steps = torch._foreach_mul(grads, lr)
        if momentums is None:
            torch._foreach_sub_(params, steps)
            return
        ms = [m._value for m in momentums]
        torch._foreach_mul_(ms, momentum)
        torch._foreach_sub_(ms, steps)
        if nesterov:
            updates = torch._foreach_mul(ms, momentum)
            torch._foreach_sub_(updates, steps)
            torch._foreach_add_(params, updates)
        else:
            torch._foreach_add_(params, ms)


def rmsprop_update(variables, grads, velocities, averages, momentums, learning_rate, rho: float,
                   momentum: float, epsilon: float) -> None:
    """Keras's RMSprop rule: ``v = rho v + (1 - rho) g**2``; centered: ``a = rho a + (1 - rho) g`` and
    ``denominator = v - a**2 + epsilon`` (else ``v + epsilon``); ``increment = lr g / sqrt(denominator)``;
    with momentum ``m = momentum m + increment`` and ``var -= m``, else ``var -= increment``."""
    with torch.no_grad():
        params, grads, lr = _prepare(variables, grads, learning_rate)
        vs = [v._value for v in velocities]
        torch._foreach_mul_(vs, rho)
        torch._foreach_add_(vs, torch._foreach_mul(torch._foreach_mul(grads, grads), 1 - rho))
        if averages is not None:
            avgs = [a._value for a in averages]
            torch._foreach_mul_(avgs, rho)
            torch._foreach_add_(avgs, torch._foreach_mul(grads, 1 - rho))
            denominators = torch._foreach_sub(vs, torch._foreach_mul(avgs, avgs))
            torch._foreach_add_(denominators, epsilon)
        else:
            denominators = torch._foreach_add(vs, epsilon)
        increments = torch._foreach_mul(grads, lr)
        torch._foreach_div_(increments, torch._foreach_sqrt(denominators))
        if momentums is None:
            torch._foreach_sub_(params, increments)
            return
        ms = [m._value for m in momentums]
        torch._foreach_mul_(ms, momentum)
        torch._foreach_add_(ms, increments)
        torch._foreach_sub_(params, ms)


def weight_decay_update(variables, learning_rate, weight_decay: float) -> None:
    """Decoupled weight decay: ``var -= var * weight_decay * lr``."""
    if not variables:
        return
    with torch.no_grad():
        params = [v._value for v in variables]
        lr = convert_to_tensor(learning_rate).to(params[0].dtype)
        torch._foreach_sub_(params, torch._foreach_mul(torch._foreach_mul(params, weight_decay), lr))
