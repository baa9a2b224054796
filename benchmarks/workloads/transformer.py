"""Transformer encoder block for sequence classification: Embedding(10000, 64), one post-norm
encoder block (4-head self-attention, feed-forward 128), mean pooling, Dense; length 100, batch 64."""

from __future__ import annotations

import numpy as np

NAME = "transformer"
TITLE = "Transformer encoder block (d 64, 4 heads, ff 128), length 100, batch 64"
BATCH = 64
CLASSES = 2
VOCAB = 10000
LENGTH = 100
DIM = 64
HEADS = 4
FF = 128
LAYERS = ("Embedding", "MultiHeadAttention", "Add", "LayerNormalization", "Dense", "GlobalAveragePooling1D")
TORCH_CHANNELS_FIRST = False
QUICK: dict = {}


def make_data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.integers(0, VOCAB, (n, LENGTH)).astype(np.int32), rng.integers(0, CLASSES, n).astype(np.int32)


def build_keras(K):
    L = K.layers
    tokens = K.Input((LENGTH,), dtype="int32")
    x = L.Embedding(VOCAB, DIM)(tokens)
    attended = L.MultiHeadAttention(num_heads=HEADS, key_dim=DIM // HEADS)(x, x)
    x = L.LayerNormalization()(L.Add()([x, attended]))
    ff = L.Dense(FF, activation="relu")(x)
    ff = L.Dense(DIM)(ff)
    x = L.LayerNormalization()(L.Add()([x, ff]))
    x = L.GlobalAveragePooling1D()(x)
    return K.Model(tokens, L.Dense(CLASSES)(x), name="transformer_classifier")


def build_torch():
    from torch import nn

    class EncoderClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, DIM)
            self.block = nn.TransformerEncoderLayer(DIM, HEADS, FF, dropout=0.0, batch_first=True,
                                                    layer_norm_eps=1e-3)
            self.head = nn.Linear(DIM, CLASSES)

        def forward(self, tokens):
            return self.head(self.block(self.embedding(tokens)).mean(dim=1))

    return EncoderClassifier()


def build_jax(key):
    import jax

    from benchmarks.workloads import _jax_nn as nn

    k = jax.random.split(key, 5)
    params = {"emb": jax.random.uniform(k[0], (VOCAB, DIM), minval=-0.05, maxval=0.05),
              "mha": nn.mha_init(k[1], DIM, HEADS, DIM // HEADS), "ln1": nn.ln_init(DIM),
              "ff1": nn.dense_init(k[2], DIM, FF), "ff2": nn.dense_init(k[3], FF, DIM), "ln2": nn.ln_init(DIM),
              "out": nn.dense_init(k[4], DIM, CLASSES)}

    def apply(params, state, x, training):
        h = params["emb"][x]
        h = nn.layer_norm(params["ln1"], h + nn.mha(params["mha"], h))
        ff = nn.dense(params["ff2"], jax.nn.relu(nn.dense(params["ff1"], h)))
        h = nn.layer_norm(params["ln2"], h + ff)
        return nn.dense(params["out"], h.mean(axis=1)), state

    return params, {}, apply
