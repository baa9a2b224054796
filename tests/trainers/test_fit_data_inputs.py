"""fit / evaluate / predict fed by every kind of data input, end to end.

The same batches in the same order must give the same trained weights whatever carries
them: arrays, backend tensors, a generator, a PyDataset (sequential, threads, processes),
a torch DataLoader or a tf.data-like dataset.
"""

import multiprocessing
import threading

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.trainers import py_dataset_adapter
from lamina.utils import PyDataset
from tests.conftest import requires_training

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 3)).astype("float32")
Y = (X @ RNG.normal(size=(3, 2))).astype("float32")
BS = 8  # batches of 8, 8 and a ragged 4


class ArrayDataset(PyDataset):
    def __init__(self, x, y=None, batch_size=BS, fail_at=None, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size, self.fail_at = x, y, batch_size, fail_at
        self.ends = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        if i == self.fail_at:
            raise RuntimeError(f"cannot read batch {i}")
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return (self.x[s],) if self.y is None else (self.x[s], self.y[s])

    def on_epoch_end(self):
        self.ends += 1


class FakeTFDataset:
    element_spec = None

    def __init__(self, x, y):
        self.x, self.y = x, y

    def as_numpy_iterator(self):
        return iter([(self.x[i:i + BS], self.y[i:i + BS]) for i in range(0, len(self.x), BS)])


def _batches(x, y=None):
    for i in range(0, len(x), BS):
        yield (x[i:i + BS],) if y is None else (x[i:i + BS], y[i:i + BS])


def _cycle(x, y):
    while True:
        yield from _batches(x, y)


class Counter(lamina.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.train = 0

    def on_train_batch_end(self, batch, logs=None):
        self.train += 1


def _model(init=None):
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=lamina.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    if init is not None:
        model.set_weights(init)
    return model


@pytest.fixture(scope="module")
def init_weights():
    return [np.asarray(w) for w in _model().get_weights()]


def _torch_loader(x, y):
    torch = pytest.importorskip("torch")
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                       batch_size=BS)


KINDS = {
    "tensors": lambda: dict(x=lamina.ops.convert_to_tensor(X), y=lamina.ops.convert_to_tensor(Y), batch_size=BS),
    "generator": lambda: dict(x=_cycle(X, Y), steps_per_epoch=3),
    "pydataset": lambda: dict(x=ArrayDataset(X, Y)),
    "pydataset_threads": lambda: dict(x=ArrayDataset(X, Y, workers=2)),
    "pydataset_processes": lambda: dict(x=ArrayDataset(X, Y, workers=2, use_multiprocessing=True)),
    "torch_dataloader": lambda: dict(x=_torch_loader(X, Y)),
    "tf_dataset": lambda: dict(x=FakeTFDataset(X, Y)),
}


@pytest.fixture(scope="module")
def reference(init_weights):
    if not lamina.backend.impl.CAN_TRAIN:
        pytest.skip("the numpy backend cannot train")
    model = _model(init_weights)
    history = model.fit(X, Y, batch_size=BS, epochs=2, shuffle=False, verbose=0)
    return model.get_weights(), history.history


@requires_training
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.filterwarnings("ignore:os.fork")
def test_fit_on_each_input_kind_matches_arrays(kind, init_weights, reference, monkeypatch):
    if kind == "pydataset_processes" and "fork" in multiprocessing.get_all_start_methods():
        monkeypatch.setattr(py_dataset_adapter, "_START_METHOD", "fork")
    model = _model(init_weights)
    counter = Counter()
    history = model.fit(epochs=2, shuffle=False, verbose=0, callbacks=[counter], **KINDS[kind]())
    assert counter.train == 6  # 3 batches per epoch, the last one ragged
    ref_weights, ref_history = reference
    for got, want in zip(model.get_weights(), ref_weights):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history.history["loss"], ref_history["loss"], rtol=1e-5)
    assert _workers_stopped()


def _workers_stopped() -> bool:
    """No prefetching thread or worker process outlives the fit (they exit right after shutdown)."""
    for t in threading.enumerate():
        if t.name.startswith("lamina_pydataset"):
            t.join(timeout=5)
    for p in multiprocessing.active_children():
        p.join(timeout=5)
    return not multiprocessing.active_children() and not any(
        t.is_alive() for t in threading.enumerate() if t.name.startswith("lamina_pydataset"))


@requires_training
def test_finite_generator_trains_on_every_batch(init_weights, reference):
    model = _model(init_weights)
    counter = Counter()
    model.fit(_batches(X, Y), epochs=1, verbose=0, callbacks=[counter])
    assert counter.train == 3  # building the model from the first batch did not consume it
    ref = _model(init_weights)
    ref.fit(X, Y, batch_size=BS, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@requires_training
def test_pydataset_epoch_hooks_and_shuffled_batch_order(init_weights):
    train, val = ArrayDataset(X, Y, workers=2), ArrayDataset(X, Y)
    model = _model(init_weights)
    history = model.fit(train, validation_data=val, epochs=3, verbose=0)  # shuffle=True: batch order shuffled
    assert train.ends == 3 and val.ends == 3
    assert len(history.history["val_loss"]) == 3
    np.testing.assert_allclose(history.history["val_loss"][-1], model.evaluate(X, Y, verbose=0)[0], rtol=1e-5)


@requires_training
def test_validation_generator_with_validation_steps(init_weights):
    val_x, val_y = X[:BS], Y[:BS]

    def same_batch():
        while True:
            yield val_x, val_y

    model = _model(init_weights)
    history = model.fit(X, Y, batch_size=BS, epochs=2, verbose=0, validation_data=same_batch(),
                        validation_steps=2)
    assert len(history.history["val_loss"]) == 2
    np.testing.assert_allclose(history.history["val_loss"][-1], model.evaluate(val_x, val_y, verbose=0)[0],
                               rtol=1e-5)


@requires_training
@pytest.mark.parametrize("source", ["arrays", "generator"])
def test_class_weight_equals_the_matching_sample_weight(source):
    x = RNG.normal(size=(12, 4)).astype("float32")
    y = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0, 1, 2, 0], "int32")
    cw = {0: 0.5, 1: 2.0, 2: 1.0}

    def model():
        lamina.utils.set_random_seed(3)
        m = lamina.Sequential([lamina.Input((4,)), layers.Dense(3, activation="softmax")])
        m.compile(optimizer=lamina.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
        return m

    a = model()
    if source == "arrays":
        a.fit(x, y, class_weight=cw, batch_size=6, shuffle=False, verbose=0)
    else:
        a.fit(((x[i:i + 6], y[i:i + 6]) for i in (0, 6)), class_weight=cw, verbose=0)
    b = model()
    b.fit(x, y, sample_weight=np.array([cw[int(c)] for c in y], "float32"), batch_size=6, shuffle=False,
          verbose=0)
    c = model()
    c.fit(x, y, batch_size=6, shuffle=False, verbose=0)
    for wa, wb, wc in zip(a.get_weights(), b.get_weights(), c.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    assert not all(np.allclose(wa, wc) for wa, wc in zip(a.get_weights(), c.get_weights()))


@requires_training
def test_multi_input_dicts_from_a_generator_and_a_pydataset():
    a_in, b_in = lamina.Input((2,), name="a"), lamina.Input((1,), name="b")
    out = layers.Dense(1)(layers.Concatenate()([a_in, b_in]))
    model = lamina.Model({"a": a_in, "b": b_in}, out)
    model.compile(optimizer="sgd", loss="mse")
    xa, xb, y = X[:, :2], X[:, 2:], Y[:, :1]

    class DictDataset(PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            s = slice(i * BS, (i + 1) * BS)
            return {"a": xa[s], "b": xb[s]}, y[s]

    def gen():
        for i in range(0, 20, BS):
            yield {"a": xa[i:i + BS], "b": xb[i:i + BS]}, y[i:i + BS]

    counter = Counter()
    model.fit(gen(), epochs=1, verbose=0, callbacks=[counter])
    history = model.fit(DictDataset(workers=2), epochs=2, verbose=0, callbacks=[counter])
    assert len(history.history["loss"]) == 2 and counter.train == 9
    np.testing.assert_allclose(model.predict(DictDataset(), verbose=0), model.predict({"a": xa, "b": xb}, verbose=0),
                               rtol=1e-5, atol=1e-6)


@requires_training
def test_worker_error_during_fit_propagates_and_pool_stops(init_weights):
    model = _model(init_weights)
    with pytest.raises(RuntimeError, match="cannot read batch 2"):
        model.fit(ArrayDataset(X, Y, fail_at=2, workers=2), epochs=2, shuffle=False, verbose=0)
    assert _workers_stopped()


# ----------------------------------------------------------------------------- evaluate / predict (every backend)


PREDICT_KINDS = {
    "generator": lambda: _batches(X),
    "generator_xy": lambda: _batches(X, Y),
    "pydataset": lambda: ArrayDataset(X),
    "pydataset_threads": lambda: ArrayDataset(X, workers=3, max_queue_size=2),
    "torch_dataloader": lambda: _torch_loader(X, Y),
    "tf_dataset": lambda: FakeTFDataset(X, Y),
}


@pytest.mark.parametrize("kind", list(PREDICT_KINDS))
def test_predict_and_evaluate_on_each_input_kind(kind, init_weights):
    model = _model(init_weights)
    expected = model.predict(X, batch_size=BS, verbose=0)
    np.testing.assert_allclose(expected, X @ init_weights[0] + init_weights[1], rtol=1e-5, atol=1e-5)
    got = model.predict(PREDICT_KINDS[kind](), verbose=0)
    assert got.shape == (20, 2)  # ragged last batch included, order kept
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    if kind not in ("generator", "pydataset", "pydataset_threads"):
        loss, mae = model.evaluate(PREDICT_KINDS[kind](), verbose=0)
        ref_loss, ref_mae = model.evaluate(X, Y, batch_size=BS, verbose=0)
        np.testing.assert_allclose([loss, mae], [ref_loss, ref_mae], rtol=1e-5)


def test_evaluate_pydataset_with_steps_and_generator_with_steps(init_weights):
    model = _model(init_weights)
    ref = model.evaluate(X[:2 * BS], Y[:2 * BS], batch_size=BS, verbose=0)
    np.testing.assert_allclose(model.evaluate(ArrayDataset(X, Y), steps=2, verbose=0), ref, rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(_cycle(X, Y), steps=2, verbose=0), ref, rtol=1e-5)


# ----------------------------------------------------------------------------- bad input


def test_x_and_y_of_different_lengths_fail_before_training(init_weights):
    model = _model(init_weights)
    with pytest.raises(ValueError, match="x has 20 samples but y has 19"):
        model.evaluate(X, Y[:19], verbose=0)
    if lamina.backend.impl.CAN_TRAIN:
        with pytest.raises(ValueError, match="x has 20 samples but y has 19"):
            model.fit(X, Y[:19], verbose=0)
        for got, want in zip(model.get_weights(), init_weights):
            np.testing.assert_array_equal(got, want)


def test_generator_yielding_non_batches_is_a_clear_error(init_weights):
    model = _model(init_weights)

    def words():
        yield "not a batch"

    with pytest.raises(ValueError, match="generator.*produced str.*tuple"):
        model.predict(words(), verbose=0)
    with pytest.raises(ValueError, match="generator.*different numbers of samples"):
        model.evaluate(iter([(X[:4], Y[:3])]), verbose=0)


@requires_training
def test_class_weight_with_multi_output_is_an_error():
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, [layers.Dense(2, name="p")(inputs), layers.Dense(2, name="q")(inputs)])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    y = np.zeros(20, "int32")
    with pytest.raises(ValueError, match="class_weight.*single output"):
        model.fit(X, [y, y], class_weight={0: 1.0, 1: 2.0}, verbose=0)
