"""Text classifier: Embedding(10000, 64) + LSTM(64) + Dense, sequences of 100 tokens, batch 64."""

from __future__ import annotations

import numpy as np

NAME = "lstm"
TITLE = "Embedding+LSTM(64), length 100, vocab 10000, batch 64"
BATCH = 64
CLASSES = 2
VOCAB = 10000
LENGTH = 100
EMBED = 64
UNITS = 64
LAYERS = ("Embedding", "LSTM", "Dense")
TORCH_CHANNELS_FIRST = False
QUICK: dict = {}


def make_data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.integers(0, VOCAB, (n, LENGTH)).astype(np.int32), rng.integers(0, CLASSES, n).astype(np.int32)


def build_keras(K):
    return K.Sequential([
        K.Input((LENGTH,), dtype="int32"),
        K.layers.Embedding(VOCAB, EMBED),
        K.layers.LSTM(UNITS),
        K.layers.Dense(CLASSES),
    ], name="lstm_classifier")


def build_torch():
    from torch import nn

    class LSTMClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, EMBED)
            self.lstm = nn.LSTM(EMBED, UNITS, batch_first=True)
            self.head = nn.Linear(UNITS, CLASSES)

        def forward(self, tokens):
            _, (h, _) = self.lstm(self.embedding(tokens))
            return self.head(h[-1])

    return LSTMClassifier()


def build_jax(key):
    import jax

    from benchmarks.workloads import _jax_nn as nn

    k1, k2, k3 = jax.random.split(key, 3)
    params = {"emb": jax.random.uniform(k1, (VOCAB, EMBED), minval=-0.05, maxval=0.05),
              "lstm": nn.lstm_init(k2, EMBED, UNITS), "out": nn.dense_init(k3, UNITS, CLASSES)}

    def apply(params, state, x, training):
        h = nn.lstm_last(params["lstm"], params["emb"][x])
        return nn.dense(params["out"], h), state

    return params, {}, apply
