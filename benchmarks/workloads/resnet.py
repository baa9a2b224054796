"""Small ResNet-style convnet on 32x32x3 images, batch 64: a 16-filter stem and three residual
blocks (16, 32, 64 filters; the last two downsample with a 1x1 projection shortcut),
each two 3x3 Conv2D + BatchNormalization, then global average pooling and Dense."""

from __future__ import annotations

import numpy as np

NAME = "resnet"
TITLE = "ResNet-style convnet (3 residual blocks, BatchNorm) 32x32x3, batch 64"
BATCH = 64
CLASSES = 10
STAGES = ((16, 1), (32, 2), (64, 2))  # (filters, stride) of each residual block
LAYERS = ("Conv2D", "BatchNormalization", "Activation", "Add", "GlobalAveragePooling2D", "Dense")
TORCH_CHANNELS_FIRST = True
QUICK = {"train_steps": 6, "first_epoch_steps": 4, "eval_samples": 1000}  # the slowest workload on a CPU


def make_data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.random((n, 32, 32, 3), dtype=np.float32), rng.integers(0, CLASSES, n).astype(np.int32)


def build_keras(K):
    L = K.layers

    def conv_bn(x, filters, size, stride):
        x = L.Conv2D(filters, size, strides=stride, padding="same", use_bias=False)(x)
        return L.BatchNormalization()(x)

    def block(x, filters, stride):
        shortcut = x
        y = L.Activation("relu")(conv_bn(x, filters, 3, stride))
        y = conv_bn(y, filters, 3, 1)
        if stride != 1 or x.shape[-1] != filters:
            shortcut = conv_bn(x, filters, 1, stride)
        return L.Activation("relu")(L.Add()([y, shortcut]))

    images = K.Input((32, 32, 3))
    x = L.Activation("relu")(conv_bn(images, 16, 3, 1))
    for filters, stride in STAGES:
        x = block(x, filters, stride)
    x = L.GlobalAveragePooling2D()(x)
    return K.Model(images, L.Dense(CLASSES)(x), name="small_resnet")


def build_torch():
    import torch.nn.functional as F
    from torch import nn

    def conv_bn(c_in, c_out, size, stride):
        return nn.Sequential(nn.Conv2d(c_in, c_out, size, stride, padding=size // 2, bias=False),
                             nn.BatchNorm2d(c_out))

    class Block(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.a = conv_bn(c_in, c_out, 3, stride)
            self.b = conv_bn(c_out, c_out, 3, 1)
            self.shortcut = conv_bn(c_in, c_out, 1, stride) if stride != 1 or c_in != c_out else nn.Identity()

        def forward(self, x):
            return F.relu(self.b(F.relu(self.a(x))) + self.shortcut(x))

    class SmallResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = conv_bn(3, 16, 3, 1)
            blocks, c_in = [], 16
            for filters, stride in STAGES:
                blocks.append(Block(c_in, filters, stride))
                c_in = filters
            self.blocks = nn.Sequential(*blocks)
            self.head = nn.Linear(c_in, CLASSES)

        def forward(self, x):
            x = self.blocks(F.relu(self.stem(x)))
            return self.head(x.mean(dim=(2, 3)))

    return SmallResNet()


def build_jax(key):
    import jax

    from benchmarks.workloads import _jax_nn as nn

    keys = iter(jax.random.split(key, 16))
    params, state = {}, {}

    def add_conv_bn(name, c_in, c_out, size):
        params[name] = {"conv": nn.conv_init(next(keys), size, c_in, c_out, bias=False)}
        params[name]["bn"], state[name] = nn.bn_init(c_out)

    add_conv_bn("stem", 3, 16, 3)
    c_in = 16
    for i, (filters, stride) in enumerate(STAGES):
        add_conv_bn(f"b{i}a", c_in, filters, 3)
        add_conv_bn(f"b{i}b", filters, filters, 3)
        if stride != 1 or c_in != filters:
            add_conv_bn(f"b{i}s", c_in, filters, 1)
        c_in = filters
    params["out"] = nn.dense_init(next(keys), c_in, CLASSES)

    def apply(params, state, x, training):
        new_state = {}

        def conv_bn(name, x, stride):
            y = nn.conv(params[name]["conv"], x, stride, "SAME")
            y, new_state[name] = nn.batch_norm(params[name]["bn"], state[name], y, training)
            return y

        h = jax.nn.relu(conv_bn("stem", x, 1))
        for i, (filters, stride) in enumerate(STAGES):
            y = jax.nn.relu(conv_bn(f"b{i}a", h, stride))
            y = conv_bn(f"b{i}b", y, 1)
            shortcut = conv_bn(f"b{i}s", h, stride) if f"b{i}s" in params else h
            h = jax.nn.relu(y + shortcut)
        return nn.dense(params["out"], h.mean(axis=(1, 2))), new_state

    return params, state, apply
