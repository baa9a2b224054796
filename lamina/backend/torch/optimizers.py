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
