"""Data adapters: arrays, generators, PyDataset (threads and processes), torch DataLoader, tf.data-like datasets."""

import multiprocessing
import threading
import time

import numpy as np
import pytest

import lamina
from lamina.trainers import data_adapters, py_dataset_adapter
from lamina.trainers.data_adapters import get_data_adapter
from lamina.utils import PyDataset
from tests.conftest import BACKEND

# ----------------------------------------------------------------------------- helpers (module level: picklable)


class RangeDataset(PyDataset):
    """Batch i holds rows i*bs ... of arange(n); records calls to its hooks."""

    def __init__(self, n=23, batch_size=5, delay=0.0, fail_at=None, **kwargs):
        super().__init__(**kwargs)
        self.n, self.batch_size, self.delay, self.fail_at = n, batch_size, delay, fail_at
        self.begins = 0
        self.ends = 0

    def __len__(self):
        return -(-self.n // self.batch_size)

    def __getitem__(self, index):
        if index == self.fail_at:
            raise KeyError(f"broken batch {index}")
        if self.delay:
            time.sleep(self.delay * ((index * 7) % 3))  # finish out of order
        lo, hi = index * self.batch_size, min((index + 1) * self.batch_size, self.n)
        x = np.arange(lo, hi, dtype="float32")[:, None] * np.ones((1, 3), "float32")
        return x, np.arange(lo, hi).astype("int32")

    def on_epoch_begin(self):
        self.begins += 1

    def on_epoch_end(self):
        self.ends += 1


class InfiniteDataset(PyDataset):
    @property
    def num_batches(self):
        return None

    def __getitem__(self, index):
        return np.full((2, 1), index, "float32"), np.zeros((2,), "float32")


def _firsts(adapter):
    """The first x value of each batch of one epoch."""
    return [int(np.asarray(lamina.ops.convert_to_numpy(bx)).reshape(-1)[0]) for bx, _, _ in adapter]


def _gen(n_batches, bs=4):
    for i in range(n_batches):
        yield np.full((bs, 2), i, "float32"), np.full((bs,), i, "int32")


# ----------------------------------------------------------------------------- arrays


def test_array_batches_in_order_with_ragged_last_batch():
    x = np.arange(10, dtype="float32").reshape(10, 1)
    a = get_data_adapter(x, np.arange(10), batch_size=4)
    batches = list(a)
    assert a.num_batches == 3
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), np.arange(10))
    assert all(b[2] is None for b in batches)


def test_array_default_batch_size_and_from_steps():
    x = np.zeros((70, 2))
    assert [len(b[0]) for b in get_data_adapter(x)] == [32, 32, 6]
    a = get_data_adapter(x, steps=3)  # batch size ceil(70 / 3) = 24, as Keras
    assert a.batch_size == 24 and [len(b[0]) for b in a] == [24, 24, 22]


def test_array_shuffle_permutes_samples_each_epoch_and_batch_mode_stays_in_chunks():
    x = np.arange(40).reshape(40, 1)
    a = get_data_adapter(x, x[:, 0], batch_size=8, shuffle=True)
    e1 = np.concatenate([b[1] for b in a])
    e2 = np.concatenate([b[1] for b in a])
    assert sorted(e1) == list(range(40)) and sorted(e2) == list(range(40))
    assert not np.array_equal(e1, np.arange(40)) and not np.array_equal(e1, e2)
    for bx, by, _ in a:  # x and y stay paired
        np.testing.assert_array_equal(bx[:, 0], by)
    b = get_data_adapter(x, batch_size=8, shuffle="batch")
    for i, (bx, _, _) in enumerate(b):
        assert sorted(bx[:, 0]) == list(range(8 * i, 8 * i + 8))


def test_array_steps_continue_across_epochs_like_keras():
    a = get_data_adapter(np.arange(10).reshape(10, 1), batch_size=2, steps=2)
    assert a.num_batches == 2
    assert [_firsts(a), _firsts(a)] == [[0, 2], [4, 6]]
    with pytest.warns(UserWarning, match="ran out of data"):
        assert _firsts(a) == [8]
    assert _firsts(a) == [0, 2]  # a fresh pass after running out
    b = get_data_adapter(np.arange(4).reshape(4, 1), batch_size=2, steps=5)
    with pytest.warns(UserWarning, match="ran out of data"):
        assert _firsts(b) == [0, 2]


def test_array_structures_and_backend_tensors():
    xa = np.ones((6, 2), "float32")
    xb = lamina.ops.convert_to_tensor(np.arange(6, dtype="float32").reshape(6, 1))
    a = get_data_adapter({"a": xa, "b": xb}, [np.zeros(6), np.ones((6, 1))], batch_size=4)
    (bx, by, _), (bx2, _, _) = list(a)
    assert isinstance(bx["b"], np.ndarray) and bx["b"].shape == (4, 1) and bx2["a"].shape == (2, 2)
    assert isinstance(by, list) and by[1].shape == (4, 1)
    np.testing.assert_array_equal(bx2["b"][:, 0], [4, 5])
    # a nested list of numbers is one array
    (bx, _, _), = list(get_data_adapter([[1.0, 2.0], [3.0, 4.0]]))
    assert bx.shape == (2, 2)


@pytest.mark.parametrize("y, sw, match", [
    (np.zeros(9), None, "x has 10 samples but y has 9"),
    (np.zeros(10), np.ones(11), "x has 10 samples but sample_weight has 11"),
    ([np.zeros(10), np.zeros(8)], None, "same number of samples"),
])
def test_array_cardinality_errors(y, sw, match):
    with pytest.raises(ValueError, match=match):
        get_data_adapter(np.zeros((10, 2)), y, sw)


def test_array_bad_values_are_clear_errors():
    with pytest.raises(ValueError, match="expected arrays"):
        get_data_adapter(object())
    with pytest.raises(ValueError, match="batch_size"):
        get_data_adapter(np.zeros((4, 1)), batch_size=0)
    with pytest.raises(ValueError, match="shuffle"):
        get_data_adapter(np.zeros((4, 1)), shuffle="yes")


# ----------------------------------------------------------------------------- class_weight


@pytest.mark.parametrize("y", [
    np.array([0, 2, 1, 2, 5]),
    np.array([[0], [2], [1], [2], [5]], "float32"),
    np.eye(6, dtype="float32")[[0, 2, 1, 2, 5]],
])
def test_class_weight_matches_keras(keras, y):
    from keras.src.trainers.data_adapters.data_adapter_utils import class_weight_to_sample_weights as oracle

    cw = {0: 0.5, 2: 3.0, 5: 1.5}
    got = data_adapters.class_weight_to_sample_weights(y, cw)
    np.testing.assert_allclose(got, oracle(y, cw))
    (_, _, sw), = list(get_data_adapter(np.zeros((5, 1)), y, class_weight=cw))
    np.testing.assert_allclose(sw, [0.5, 3.0, 1.0, 3.0, 1.5])


def test_class_weight_errors():
    x = np.zeros((4, 1))
    with pytest.raises(ValueError, match="single output"):
        get_data_adapter(x, [np.zeros(4), np.zeros(4)], class_weight={0: 1.0})
    with pytest.raises(ValueError, match="single output"):
        list(get_data_adapter(iter([(x, {"a": np.zeros(4), "b": np.zeros(4)})]), class_weight={0: 1.0}))
    with pytest.raises(ValueError, match="class_weight.*sample_weight"):
        get_data_adapter(x, np.zeros(4), np.ones(4), class_weight={0: 1.0})
    with pytest.raises(ValueError, match="needs targets"):
        list(get_data_adapter(iter([(x,)]), class_weight={0: 1.0}))


def test_class_weight_on_generator_batches():
    a = get_data_adapter(_gen(3), class_weight={1: 4.0})
    assert [float(sw[0]) for _, _, sw in a] == [1.0, 4.0, 1.0]


# ----------------------------------------------------------------------------- generators


def test_finite_generator_ends_epoch_then_warns_when_exhausted():
    a = get_data_adapter(_gen(3))
    assert a.num_batches is None
    assert _firsts(a) == [0, 1, 2]
    with pytest.warns(UserWarning, match="ran out of data"):
        assert _firsts(a) == []


def test_generator_with_steps_is_read_across_epochs():
    a = get_data_adapter(_gen(5), steps=2)
    assert a.num_batches == 2
    assert [_firsts(a), _firsts(a)] == [[0, 1], [2, 3]]
    with pytest.warns(UserWarning, match="ran out of data"):
        assert _firsts(a) == [4]


def test_generator_peek_does_not_lose_batches():
    a = get_data_adapter(_gen(3))
    assert int(a.peek()[0][0, 0]) == 0
    assert _firsts(a) == [0, 1, 2]
    # the trainer's older way of peeking (next(iter(adapter))) is also given back
    b = get_data_adapter(_gen(3))
    assert int(next(iter(b))[0][0, 0]) == 0
    assert _firsts(b) == [0, 1, 2]


def test_generator_batch_forms():
    x = np.ones((2, 3), "float32")
    batches = [(x,), (x, np.zeros(2)), (x, np.zeros(2), np.ones(2)), x, {"a": x}, [x, np.zeros(2)],
               ({"a": x, "b": [x, x]}, [1.0, 2.0])]
    out = list(get_data_adapter(iter(batches)))
    assert [tuple(v is None for v in b[1:]) for b in out] == [
        (True, True), (False, True), (False, False), (True, True), (True, True), (False, True), (False, True)]
    assert isinstance(out[4][0], dict) and isinstance(out[6][0]["b"], list)
    np.testing.assert_array_equal(out[6][1], [1.0, 2.0])


@pytest.mark.parametrize("bad, match", [
    ("text", "produced str"),
    (7, "produced int"),
    ((np.ones((2, 1)), np.ones(2), np.ones(2), np.ones(2)), "tuple of 4"),
    ((object(), np.ones(2)), "expected arrays"),
    ((np.ones((2, 1)), np.ones(3)), "different numbers of samples"),
    ((None, np.ones(2)), "x are None"),
])
def test_generator_bad_batches_are_clear_errors(bad, match):
    a = get_data_adapter(iter([bad]))
    with pytest.raises(ValueError, match=match) as info:
        list(a)
    assert "generator" in str(info.value)


def test_y_or_sample_weight_with_a_dataset_is_an_error():
    with pytest.raises(ValueError, match="`y` must not be passed"):
        get_data_adapter(_gen(2), np.zeros(4))
    with pytest.raises(ValueError, match="`sample_weight` must not be passed"):
        get_data_adapter(RangeDataset(), sample_weight=np.zeros(4))


# ----------------------------------------------------------------------------- PyDataset


def test_pydataset_api_and_exports():
    assert lamina.utils.Sequence is lamina.utils.PyDataset is PyDataset
    ds = RangeDataset(workers=3, use_multiprocessing=True, max_queue_size=4)
    assert (ds.workers, ds.use_multiprocessing, ds.max_queue_size) == (3, True, 4)
    ds.workers = 2
    assert ds.workers == 2 and ds.num_batches == 5
    assert [int(b[0][0, 0]) for b in ds] == [0, 5, 10, 15, 20]  # iterating by hand: sequential

    class NoSuper(PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

    with pytest.warns(UserWarning, match="super"):
        assert NoSuper().workers == 1
    with pytest.raises(NotImplementedError, match="__getitem__"):
        PyDataset()[0]

    class NoLen(PyDataset):
        pass

    with pytest.raises(ValueError, match="__len__ or `num_batches`"):
        get_data_adapter(NoLen())


@pytest.mark.parametrize("mode", ["sequential", "threads", "fork", "spawn"])
@pytest.mark.filterwarnings("ignore:os.fork")
def test_pydataset_parallel_modes_give_same_batches_in_order(mode, monkeypatch):
    kwargs = {"sequential": {}, "threads": {"workers": 3}, "fork": {"workers": 2, "use_multiprocessing": True},
              "spawn": {"workers": 2, "use_multiprocessing": True}}[mode]
    if mode in ("fork", "spawn"):
        if mode not in multiprocessing.get_all_start_methods():
            pytest.skip(f"start method {mode} unavailable")
        if mode == "spawn" and BACKEND != "numpy":
            pytest.skip("spawned workers re-import lamina and its framework (slow); checked on numpy")
        monkeypatch.setattr(py_dataset_adapter, "_START_METHOD", mode)
    ds = RangeDataset(delay=0.01 if mode == "threads" else 0.0, **kwargs)
    a = get_data_adapter(ds)
    assert a.parallel == (mode != "sequential")
    expected = list(RangeDataset())
    epochs = 1 if mode == "spawn" else 2  # a spawned pool costs seconds
    for epoch in range(epochs):
        got = list(a)
        assert len(got) == 5 and got[-1][0].shape == (3, 3)  # ragged last batch
        for (gx, gy, _), (ex, ey) in zip(got, expected):
            np.testing.assert_array_equal(gx, ex)
            np.testing.assert_array_equal(gy, ey)
    assert (ds.begins, ds.ends) == (epochs, epochs)
    assert _workers_gone()


def _pool_threads():
    return [t for t in threading.enumerate() if t.name.startswith("lamina_pydataset") and t.is_alive()]


def _workers_gone(timeout=5.0) -> bool:
    """True once no pool thread or worker process is left (shutdown returns at once; workers exit soon after)."""
    deadline = time.time() + timeout
    while _pool_threads() or multiprocessing.active_children():
        if time.time() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_pydataset_shuffle_permutes_batch_order_per_epoch():
    ds = RangeDataset(n=100, batch_size=5, workers=2)
    a = get_data_adapter(ds, shuffle=True)
    e1, e2 = _firsts(a), _firsts(a)
    assert sorted(e1) == sorted(e2) == list(range(0, 100, 5))
    assert e1 != list(range(0, 100, 5)) and e1 != e2
    assert _firsts(get_data_adapter(RangeDataset(n=100), shuffle=False)) == list(range(0, 100, 5))


def test_pydataset_prefetch_is_bounded_by_max_queue_size():
    requested = []

    class Recorder(RangeDataset):
        def __getitem__(self, index):
            requested.append(index)
            return super().__getitem__(index)

    a = get_data_adapter(Recorder(n=200, batch_size=2, workers=2, max_queue_size=3))
    for k, _ in enumerate(a):
        time.sleep(0.002)
        assert max(requested) <= k + 3, (k, max(requested))
    assert sorted(requested) == list(range(100))


def test_infinite_pydataset_needs_steps_and_continues_across_epochs():
    with pytest.raises(ValueError, match="steps_per_epoch"):
        get_data_adapter(InfiniteDataset())
    a = get_data_adapter(InfiniteDataset(workers=2), steps=3, shuffle=True)
    assert a.num_batches == 3
    assert [_firsts(a), _firsts(a)] == [[0, 1, 2], [3, 4, 5]]
    a.close()
    assert _workers_gone()


@pytest.mark.parametrize("mp", [False, True])
@pytest.mark.filterwarnings("ignore:os.fork")
def test_pydataset_worker_error_propagates_and_pool_shuts_down(mp, monkeypatch):
    if mp:
        monkeypatch.setattr(py_dataset_adapter, "_START_METHOD",
                            "fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    a = get_data_adapter(RangeDataset(n=100, batch_size=2, fail_at=4, workers=2, use_multiprocessing=mp))
    start = time.time()
    with pytest.raises(KeyError, match="broken batch 4"):
        for _ in a:
            pass
    assert time.time() - start < 10
    assert _workers_gone()


def test_pydataset_early_stop_shuts_down_and_next_epoch_restarts():
    ds = RangeDataset(n=100, batch_size=2, workers=3)
    a = get_data_adapter(ds)
    for k, _ in enumerate(a):
        if k == 2:
            break
    assert _workers_gone()
    assert ds.ends == 0  # an abandoned epoch is not an ended epoch
    assert _firsts(a)[:3] == [0, 2, 4] and ds.ends == 1


def test_pydataset_batch_forms_and_class_weight():
    class Forms(PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            x = np.ones((2, 1), "float32")
            return [x, np.array([0, 1])] if i == 0 else (x if i == 1 else {"in": x})

    (x0, y0, _), (x1, y1, _), (x2, _, _) = list(get_data_adapter(Forms()))
    assert y0 is not None and y1 is None and isinstance(x2, dict)
    (_, _, sw), _ = list(get_data_adapter(RangeDataset(n=4, batch_size=2), class_weight={1: 2.0, 3: 5.0}))
    np.testing.assert_allclose(sw, [1.0, 2.0])

    class Bad(RangeDataset):
        def __getitem__(self, i):
            return "oops"

    with pytest.raises(ValueError, match=r"Bad.__getitem__\(0\) produced str"):
        list(get_data_adapter(Bad()))


def test_pydataset_unpicklable_with_spawn_is_a_clear_error(monkeypatch):
    if "spawn" not in multiprocessing.get_all_start_methods() or BACKEND != "numpy":
        pytest.skip("spawn checked on the numpy backend only")
    monkeypatch.setattr(py_dataset_adapter, "_START_METHOD", "spawn")
    ds = RangeDataset(workers=2, use_multiprocessing=True)
    ds.lock = threading.Lock()
    with pytest.raises(TypeError, match="must be picklable"):
        list(get_data_adapter(ds))
    assert _workers_gone()


# ----------------------------------------------------------------------------- torch DataLoader, tf.data-like


def test_torch_dataloader_batches():
    torch = pytest.importorskip("torch")
    data = torch.utils.data.TensorDataset(torch.arange(10, dtype=torch.float32)[:, None], torch.arange(10))
    loader = torch.utils.data.DataLoader(data, batch_size=4)
    a = get_data_adapter(loader)
    assert a.num_batches == 3
    for _ in range(2):
        batches = list(a)
        assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    bx, by, sw = batches[0]
    assert sw is None
    if BACKEND == "torch":
        assert isinstance(bx, torch.Tensor)
    else:
        assert isinstance(bx, np.ndarray) and bx.dtype == np.float32 and by.dtype == np.int64
    np.testing.assert_array_equal(np.asarray(lamina.ops.convert_to_numpy(by)), [0, 1, 2, 3])


class FakeTFDataset:
    """Duck-typed tf.data.Dataset: as_numpy_iterator, element_spec, cardinality."""

    element_spec = None

    def __init__(self, n):
        self.n = n

    def cardinality(self):
        return self.n

    def as_numpy_iterator(self):
        return iter([(np.full((2, 1), i, "float32"), np.zeros(2)) for i in range(self.n)])


def test_tf_dataset_is_duck_typed_and_reiterated_each_epoch():
    a = get_data_adapter(FakeTFDataset(3))
    assert a.kind == "tf" and a.num_batches == 3
    assert _firsts(a) == _firsts(a) == [0, 1, 2]
