"""The three ways a workload is run: through a Keras-API library (lamina or real Keras 3),
as a hand-written PyTorch loop, and as a hand-written JAX loop.

Every side offers the same primitives, which the worker times:

    prepare_x(x) / prepare_y(y)       data in the side's own form, converted once
    build()                           a fresh model + optimizer (+ compile)
    fit_epoch(x, y, timer_from=None)  one epoch; returns (time at the start of step
                                      ``timer_from`` or None, final mean loss as a float)
    evaluate(x, y) -> float           mean loss over x
    predict(x) -> np.ndarray          logits for x, batched
    predict_one(x1) -> np.ndarray     logits for one sample

Every primitive returns only once its work is done (a float or a NumPy array), so
asynchronous dispatch (JAX) is accounted for. All sides train with Adam(1e-3) on
sparse softmax cross-entropy from logits and track loss and accuracy while training.
"""

from __future__ import annotations

import time

import numpy as np

LEARNING_RATE = 1e-3


class Unavailable(Exception):
    """The side cannot run this workload (e.g. a lamina layer that is not written yet)."""


class KerasAPISide:
    """A workload through the Keras API: ``K`` is the ``lamina`` or the ``keras`` module."""

    def __init__(self, K, label: str, workload, seed: int):
        self.K, self.label, self.wl, self.seed = K, label, workload, seed
        missing = [name for name in workload.LAYERS if not hasattr(K.layers, name)]
        if missing:
            raise Unavailable(f"{label}.layers.{', '.join(missing)}: layer not available yet")
        self.model = None

        class StepTimer(K.callbacks.Callback):
            """Records the time at which batch ``start`` begins (a begin hook: no logs are converted)."""

            def __init__(self, start):
                super().__init__()
                self.start, self.t0 = start, None

            def on_train_batch_begin(self, batch, logs=None):
                if batch == self.start:
                    self.t0 = time.perf_counter()

        self._timer_cls = StepTimer

    def prepare_x(self, x):
        return x

    def prepare_y(self, y):
        return y

    def build(self):
        K = self.K
        K.utils.set_random_seed(self.seed)
        try:
            model = self.wl.build_keras(K)
        except (ImportError, NotImplementedError) as e:
            raise Unavailable(f"{self.label} cannot build {self.wl.NAME}: {type(e).__name__}: {e}") from e
        model.compile(optimizer=K.optimizers.Adam(LEARNING_RATE),
                      loss=K.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        self.model = model

    def fit_epoch(self, x, y, timer_from=None):
        timer = self._timer_cls(timer_from) if timer_from is not None else None
        history = self.model.fit(x, y, batch_size=self.wl.BATCH, epochs=1, verbose=0, shuffle=True,
                                 callbacks=[timer] if timer else None)
        return (timer.t0 if timer else None), float(history.history["loss"][-1])

    def evaluate(self, x, y) -> float:
        return float(self.model.evaluate(x, y, batch_size=self.wl.BATCH, verbose=0)[0])

    def predict(self, x) -> np.ndarray:
        return self.model.predict(x, batch_size=self.wl.BATCH, verbose=0)

    def predict_one(self, x1) -> np.ndarray:
        return self.model.predict(x1, verbose=0)


class RawTorchSide:
    """An idiomatic hand-written PyTorch loop: nn.Module, torch.optim.Adam, nn.CrossEntropyLoss."""

    label = "raw"

    def __init__(self, workload, seed: int):
        import torch

        self.torch, self.wl, self.seed = torch, workload, seed
        self.model = None

    def prepare_x(self, x):
        t = self.torch.from_numpy(np.ascontiguousarray(x))
        if self.wl.TORCH_CHANNELS_FIRST:
            t = t.permute(0, 3, 1, 2).contiguous()
        return t

    def prepare_y(self, y):
        return self.torch.from_numpy(np.asarray(y, dtype=np.int64))

    def build(self):
        torch = self.torch
        torch.manual_seed(self.seed)
        self.model = self.wl.build_torch()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)
        self.loss_fn = torch.nn.CrossEntropyLoss()

    def fit_epoch(self, x, y, timer_from=None):
        torch, model, optimizer, loss_fn, batch = self.torch, self.model, self.optimizer, self.loss_fn, self.wl.BATCH
        model.train()
        n = x.shape[0]
        order = torch.randperm(n)
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.int64)
        t0 = None
        for i, start in enumerate(range(0, n, batch)):
            if i == timer_from:
                t0 = time.perf_counter()
            idx = order[start:start + batch]
            xb, yb = x[idx], y[idx]
            optimizer.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                loss_sum += loss.detach() * len(idx)
                correct += (logits.argmax(1) == yb).sum()
        return t0, float(loss_sum) / n

    def evaluate(self, x, y) -> float:
        torch, batch = self.torch, self.wl.BATCH
        self.model.eval()
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.int64)
        with torch.no_grad():
            for start in range(0, x.shape[0], batch):
                xb, yb = x[start:start + batch], y[start:start + batch]
                logits = self.model(xb)
                loss_sum += self.loss_fn(logits, yb) * len(yb)
                correct += (logits.argmax(1) == yb).sum()
        return float(loss_sum) / x.shape[0]

    def predict(self, x) -> np.ndarray:
        batch = self.wl.BATCH
        self.model.eval()
        with self.torch.no_grad():
            outs = [self.model(x[start:start + batch]).numpy() for start in range(0, x.shape[0], batch)]
        return np.concatenate(outs)

    def predict_one(self, x1) -> np.ndarray:
        self.model.eval()
        with self.torch.no_grad():
            return self.model(x1).numpy()


def _fallback_adam(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-7):
    """A hand-written Adam (init, update), used when optax is not installed."""
    import jax
    import jax.numpy as jnp

    def init(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return {"m": zeros, "v": jax.tree.map(jnp.zeros_like, params), "t": jnp.zeros((), jnp.int32)}

    def update(grads, state, params=None):
        t = state["t"] + 1
        m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, state["m"], grads)
        v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, state["v"], grads)
        scale = lr * jnp.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        updates = jax.tree.map(lambda m, v: -scale * m / (jnp.sqrt(v) + eps), m, v)
        return updates, {"m": m, "v": v, "t": t}

    return init, update


class RawJaxSide:
    """A hand-written JAX loop: pure functions, optax Adam, one jitted step with donated buffers."""

    label = "raw"

    def __init__(self, workload, seed: int):
        import jax
        import jax.numpy as jnp

        self.jax, self.jnp, self.wl, self.seed = jax, jnp, workload, seed
        try:
            import optax
        except ImportError:
            optax = None
        self.optax = optax
        self.rng = np.random.default_rng(seed)

    def prepare_x(self, x):
        return x

    def prepare_y(self, y):
        return y

    def build(self):
        jax, jnp, optax = self.jax, self.jnp, self.optax
        params, state, apply = self.wl.build_jax(jax.random.PRNGKey(self.seed))
        if optax is not None:
            tx = optax.adam(LEARNING_RATE)
            opt_init, opt_update, apply_updates = tx.init, tx.update, optax.apply_updates
            xent = optax.softmax_cross_entropy_with_integer_labels
        else:
            opt_init, opt_update = _fallback_adam(LEARNING_RATE)

            def apply_updates(params, updates):
                return jax.tree.map(lambda p, u: p + u, params, updates)

            def xent(logits, labels):
                logp = jax.nn.log_softmax(logits)
                return -jnp.take_along_axis(logp, labels[:, None].astype(jnp.int32), axis=-1)[:, 0]

        def loss_of(params, state, x, y):
            logits, new_state = apply(params, state, x, True)
            return jnp.mean(xent(logits, y)), (logits, new_state)

        def train_step(params, state, opt_state, totals, x, y):
            (loss, (logits, state)), grads = jax.value_and_grad(loss_of, has_aux=True)(params, state, x, y)
            updates, opt_state = opt_update(grads, opt_state, params)
            params = apply_updates(params, updates)
            n = x.shape[0]
            totals = (totals[0] + loss * n, totals[1] + jnp.sum(jnp.argmax(logits, -1) == y), totals[2] + n)
            return params, state, opt_state, totals

        def eval_step(params, state, x, y):
            logits, _ = apply(params, state, x, False)
            return jnp.sum(xent(logits, y)), jnp.sum(jnp.argmax(logits, -1) == y)

        def forward(params, state, x):
            return apply(params, state, x, False)[0]

        self.params, self.state, self.opt_state = params, state, opt_init(params)
        self.train_step = jax.jit(train_step, donate_argnums=(0, 1, 2, 3))
        self.eval_step = jax.jit(eval_step)
        self.forward = jax.jit(forward)

    def fit_epoch(self, x, y, timer_from=None):
        jnp, batch = self.jnp, self.wl.BATCH
        n = x.shape[0]
        order = self.rng.permutation(n)
        totals = (jnp.zeros((), jnp.float32), jnp.zeros((), jnp.int32), jnp.zeros((), jnp.float32))
        params, state, opt_state = self.params, self.state, self.opt_state
        t0 = None
        for i, start in enumerate(range(0, n, batch)):
            if i == timer_from:
                t0 = time.perf_counter()
            idx = order[start:start + batch]
            params, state, opt_state, totals = self.train_step(params, state, opt_state, totals, x[idx], y[idx])
        self.params, self.state, self.opt_state = params, state, opt_state
        return t0, float(totals[0] / totals[2])

    def evaluate(self, x, y) -> float:
        batch = self.wl.BATCH
        loss_sum, correct = 0.0, 0
        for start in range(0, x.shape[0], batch):
            l, c = self.eval_step(self.params, self.state, x[start:start + batch], y[start:start + batch])
            loss_sum, correct = loss_sum + l, correct + c
        return float(loss_sum) / x.shape[0]

    def predict(self, x) -> np.ndarray:
        batch = self.wl.BATCH
        outs = [self.forward(self.params, self.state, x[start:start + batch]) for start in range(0, x.shape[0], batch)]
        return np.concatenate([np.asarray(o) for o in outs])

    def predict_one(self, x1) -> np.ndarray:
        return np.asarray(self.forward(self.params, self.state, x1))


def make_side(side: str, backend: str, workload, seed: int):
    """The side object for ``side`` in ("lamina", "raw", "keras") on ``backend`` in ("torch", "jax")."""
    if side == "lamina":
        import lamina

        if lamina.config.backend() != backend:
            raise RuntimeError(f"lamina runs on {lamina.config.backend()!r}, expected {backend!r}; "
                               "set LAMINA_BACKEND")
        return KerasAPISide(lamina, "lamina", workload, seed)
    if side == "keras":
        import keras

        if keras.backend.backend() != backend:
            raise RuntimeError(f"keras runs on {keras.backend.backend()!r}, expected {backend!r}; "
                               "set KERAS_BACKEND")
        return KerasAPISide(keras, "keras", workload, seed)
    if side == "raw":
        if backend == "torch":
            return RawTorchSide(workload, seed)
        if backend == "jax":
            return RawJaxSide(workload, seed)
    raise ValueError(f"Unknown benchmark side {side!r} on backend {backend!r}.")
