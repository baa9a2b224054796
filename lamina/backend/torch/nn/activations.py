"""torch kernels: activation functions: relu, gelu, softmax, log_softmax, silu, ...."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lamina.backend.torch._convert import promote, promote_many, t, to_float  # noqa: F401


def relu(x):
    x = t(x)
    if x.dtype == torch.bool:
        return x
    return F.relu(x)


def relu6(x):
    return F.relu6(to_float(x))


def sigmoid(x):
    return torch.sigmoid(to_float(x))


def sparse_sigmoid(x):
    x = to_float(x)
    return torch.clamp(0.5 * (x + 1), 0.0, 1.0)


def softplus(x):
    return F.softplus(to_float(x))


def softsign(x):
    return F.softsign(to_float(x))


def soft_shrink(x, threshold=0.5):
    return F.softshrink(to_float(x), lambd=threshold)


def sparse_plus(x):
    x = to_float(x)
    middle = 0.25 * torch.square(x + 1)
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x < 1, middle, x))


def silu(x):
    return F.silu(to_float(x))


def squareplus(x, b=4):
    x = to_float(x)
    return (x + torch.sqrt(torch.square(x) + b)) / 2


def log_sigmoid(x):
    return F.logsigmoid(to_float(x))


def leaky_relu(x, negative_slope=0.2):
    return F.leaky_relu(to_float(x), negative_slope=negative_slope)


def hard_sigmoid(x):
    return F.hardsigmoid(to_float(x))


def hard_silu(x):
    return F.hardswish(to_float(x))


def elu(x, alpha=1.0):
    return F.elu(to_float(x), alpha=alpha)


def selu(x):
    return F.selu(to_float(x))


def gelu(x, approximate=True):
    return F.gelu(to_float(x), approximate="tanh" if approximate else "none")


def celu(x, alpha=1.0):
    return F.celu(to_float(x), alpha=alpha)


def glu(x, axis=-1):
    x = to_float(x)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: the size of axis {axis} must be divisible by 2. Received: x.shape={tuple(x.shape)}.")
    return F.glu(x, dim=axis)


def tanh_shrink(x):
    return F.tanhshrink(to_float(x))


def hard_tanh(x):
    x = t(x)
    if x.is_floating_point():
        return F.hardtanh(x, -1.0, 1.0)
    return torch.clamp(x, -1, 1)


def hard_shrink(x, threshold=0.5):
    return F.hardshrink(to_float(x), lambd=threshold)


def threshold(x, threshold, default_value):
    x = t(x)
    if x.is_floating_point():
        return F.threshold(x, threshold, default_value)
    return torch.where(x > threshold, x, torch.as_tensor(default_value, dtype=x.dtype, device=x.device))


def _prepare_softmax_input(x):
    x = to_float(x)
    # Half-precision softmax is slow or missing on CPU: compute in float32 there.
    if x.dtype == torch.float16 and x.device.type == "cpu":
        return x.float(), torch.float16
    return x, None


def _over_axes(fn, x, axis):
    """Apply a one-axis ``fn`` over several axes by moving them last and flattening them."""
    if axis is None:
        return fn(x.reshape(-1), dim=0).reshape(x.shape)
    axes = sorted(a % x.ndim for a in axis)
    if len(axes) == 1:
        return fn(x, dim=axes[0])
    keep = [d for d in range(x.ndim) if d not in axes]
    moved = x.permute(*keep, *axes)
    out = fn(moved.reshape(*moved.shape[: len(keep)], -1), dim=-1).reshape(moved.shape)
    inverse = [0] * x.ndim
    for i, d in enumerate(keep + axes):
        inverse[d] = i
    return out.permute(*inverse)


def softmax(x, axis=-1):
    x, back = _prepare_softmax_input(x)
    out = torch.softmax(x, dim=axis) if isinstance(axis, int) else _over_axes(torch.softmax, x, axis)
    return out if back is None else out.to(back)


def log_softmax(x, axis=-1):
    x, back = _prepare_softmax_input(x)
    out = torch.log_softmax(x, dim=axis) if isinstance(axis, int) else _over_axes(torch.log_softmax, x, axis)
    return out if back is None else out.to(back)


def sparsemax(x, axis=-1):
    x = to_float(x)
    z, _ = torch.sort(x, dim=axis, descending=True)
    cumsum = torch.cumsum(z, dim=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    k = torch.arange(1, x.shape[axis] + 1, dtype=x.dtype, device=x.device).view(shape)
    # Support: the sorted entries k with 1 + k z_k > cumsum_k; tau spreads (their sum - 1) over them.
    support = z - (cumsum - 1) / k > 0
    k_z = torch.sum(support, dim=axis, keepdim=True)
    tau = (torch.sum(torch.where(support, z, torch.zeros((), dtype=x.dtype, device=x.device)),
                     dim=axis, keepdim=True) - 1) / k_z
    return torch.clamp(x - tau, min=0.0)
