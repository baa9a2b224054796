"""What fit/evaluate/predict skip for speed changes nothing a user can see: a one-batch predict equals
the batched path and never aliases its input, input shapes accepted once are still checked when they
change, and repeated calls leave no objects behind (counted with gc, not timed)."""

import gc

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training

RNG = np.random.default_rng(7)


def _mlp():
    model = lamina.Sequential([lamina.Input((6,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
    model.compile("adam", lamina.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def test_one_batch_predict_equals_the_batched_path():
    model = _mlp()
    x = RNG.normal(size=(5, 6)).astype("float32")
    fast = model.predict(x, verbose=0)
    batched = model.predict(x, batch_size=2, verbose=0)  # three batches: the general path
    assert isinstance(fast, np.ndarray) and fast.shape == (5, 3)
    np.testing.assert_allclose(fast, batched, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(model.predict(x[:1], verbose=0), batched[:1], rtol=1e-6, atol=1e-6)


def test_one_batch_predict_does_not_alias_the_input():
    inputs = lamina.Input((4,))
    identity = lamina.Model(inputs, inputs)
    x = np.ones((2, 4), dtype="float32")
    out = identity.predict(x, verbose=0)
    out[0, 0] = 99.0
    assert x[0, 0] == 1.0


def test_one_batch_predict_still_rejects_bad_batch_sizes():
    with pytest.raises(ValueError, match="batch_size"):
        _mlp().predict(np.zeros((2, 6), "float32"), batch_size=0, verbose=0)


def test_a_new_input_shape_is_checked_after_an_accepted_one():
    dense = layers.Dense(2)
    dense(np.zeros((3, 4), "float32"))
    dense(np.zeros((5, 4), "float32"))
    with pytest.raises(ValueError, match=r'layer "dense".*axis -1'):
        dense(np.zeros((3, 5), "float32"))
    dense.input_spec = lamina.layers.InputSpec(ndim=3)  # a new spec is checked afresh
    with pytest.raises(ValueError, match="ndim=3"):
        dense(np.zeros((3, 4), "float32"))


def _live_objects() -> int:
    gc.collect()
    return len(gc.get_objects())


def _growth(call, repeats: int = 12) -> int:
    for _ in range(3):
        call()
    before = _live_objects()
    for _ in range(repeats):
        call()
    return _live_objects() - before


@requires_training
def test_repeated_fit_does_not_grow_live_objects():
    model = _mlp()
    x, y = RNG.normal(size=(64, 6)).astype("float32"), RNG.integers(0, 3, size=64)
    growth = _growth(lambda: model.fit(x, y, batch_size=16, epochs=1, verbose=0, validation_split=0.25))
    assert growth <= 0, f"{growth} objects more after 12 more fit calls"


def test_repeated_predict_and_evaluate_do_not_grow_live_objects():
    model = _mlp()
    x, y = RNG.normal(size=(64, 6)).astype("float32"), RNG.integers(0, 3, size=64)
    assert _growth(lambda: model.predict(x[:4], verbose=0)) <= 0
    assert _growth(lambda: model.predict(x, batch_size=16, verbose=0)) <= 0
    assert _growth(lambda: model.evaluate(x, y, batch_size=16, verbose=0)) <= 0


@pytest.mark.skipif(lamina.config.backend() == "jax", reason="under jax.jit XLA plans the buffers; tracers live on")
def test_a_forward_pass_frees_intermediates_after_their_last_reader():
    import weakref

    class Record(layers.Layer):
        def call(self, x):
            out = x * 3.0
            self.ref = weakref.ref(out)
            return out

    class Probe(layers.Layer):
        def call(self, x):
            self.first_alive = self.first.ref() is not None
            return x + 1.0

    inputs = lamina.Input((4,))
    first = Record()
    middle = layers.Dense(4)(first(inputs))  # the last reader of Record's output
    probe = Probe()
    probe.first = first
    model = lamina.Model(inputs, probe(middle))
    x = RNG.normal(size=(2, 4)).astype("float32")
    predicted = model.predict(x, verbose=0)  # no gradient tape (torch autograd would keep the tensor)
    assert probe.first_alive is False
    np.testing.assert_allclose(predicted, lamina.ops.convert_to_numpy(model(x)), rtol=1e-6)


class _BatchLogs(lamina.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.train, self.test = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.train.append(dict(logs))

    def on_test_batch_end(self, batch, logs=None):
        self.test.append(dict(logs))


@requires_training
def test_logs_are_the_same_whether_or_not_a_callback_reads_each_batch():
    x, y = RNG.normal(size=(40, 6)).astype("float32"), RNG.integers(0, 3, size=40)
    results = []
    for reader in (None, _BatchLogs()):
        lamina.utils.set_random_seed(3)
        model = _mlp()
        history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False, validation_data=(x, y),
                            callbacks=[reader] if reader else None)
        evaluated = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True,
                                   callbacks=[reader] if reader else None)
        results.append((history.history, evaluated, reader))
    (h0, e0, _), (h1, e1, reader) = results
    assert h0.keys() == h1.keys() and e0.keys() == e1.keys() == {"loss", "accuracy"}
    for key in h0:
        np.testing.assert_allclose(h0[key], h1[key], rtol=1e-6)
    for key in e0:
        np.testing.assert_allclose(e0[key], e1[key], rtol=1e-6)
    assert len(reader.train) == 10 and set(reader.train[-1]) == {"loss", "accuracy"}
    assert len(reader.test) == 2 * 5 + 5 and set(reader.test[-1]) == {"loss", "accuracy"}
    np.testing.assert_allclose(reader.test[-1]["loss"], e1["loss"], rtol=1e-6)


def _tensors_left_in_cycles(call) -> int:
    """How many tensors ``call`` leaves reachable only through reference cycles (kept until gc runs;
    on torch such a tensor can hold a whole step's autograd graph)."""
    call()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        call()
        gc.collect()
        return sum(1 for o in gc.garbage if lamina.ops.is_tensor(o))
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


@requires_training
def test_training_steps_leave_no_tensors_in_reference_cycles():
    model = _mlp()
    x, y = RNG.normal(size=(32, 6)).astype("float32"), RNG.integers(0, 3, size=32)
    assert _tensors_left_in_cycles(lambda: model.fit(x, y, batch_size=8, epochs=1, verbose=0)) == 0
    assert _tensors_left_in_cycles(lambda: model.evaluate(x, y, batch_size=8, verbose=0)) == 0
    assert _tensors_left_in_cycles(lambda: model.predict(x, batch_size=8, verbose=0)) == 0


def test_pack_sequence_as_makes_no_reference_cycle():
    from lamina.utils import tree

    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        packed = tree.pack_sequence_as({"a": [0, (0, 0)], "b": 0}, [1, 2, 3, 4])
        gc.collect()
        leftovers = len(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert packed == {"a": [1, (2, 3)], "b": 4}
    assert leftovers == 0
