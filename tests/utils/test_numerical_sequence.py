"""to_categorical, normalize, pad_sequences, timeseries_dataset_from_array, split_dataset: parity with Keras."""

import numpy as np
import pytest

import lamina
from tests.conftest import to_np

U = lamina.utils


@pytest.mark.parametrize("x, n", [([0, 2, 1], None), ([[1], [3], [0]], 5), (np.array([[0, 1], [2, 0]]), 3), ([], 2)])
def test_to_categorical_matches_keras(keras, x, n):
    got = U.to_categorical(x, num_classes=n)
    want = keras.utils.to_categorical(x, num_classes=n)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_to_categorical_tensor_and_errors():
    t = lamina.ops.convert_to_tensor(np.array([2, 0], "int32"))
    out = U.to_categorical(t, 3)
    assert lamina.backend.is_tensor(out)
    np.testing.assert_array_equal(to_np(out), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"to_categorical: class indices must be in \[0, 2\)"):
        U.to_categorical([0, 3], 2)
    with pytest.raises(ValueError, match="to_categorical: expected integer class indices"):
        U.to_categorical(["a"])


@pytest.mark.parametrize("axis, order", [(-1, 2), (1, 1), (1, 2), (None, 2)])
def test_normalize_matches_keras(keras, axis, order):
    x = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(U.normalize(x, axis, order), keras.utils.normalize(x, axis, order))


def test_normalize_axis_0():
    # Keras turns axis=0 into -1 (`axis or -1`) and then fails to broadcast; lamina normalizes columns.
    x = np.array([[3.0, 1.0, 0.0], [4.0, 1.0, 0.0]])
    norms = np.array([5.0, np.sqrt(2.0), 1.0])
    np.testing.assert_allclose(U.normalize(x, axis=0), x / norms)


def test_normalize_tensor():
    x = np.array([[3.0, 4.0]], "float32")
    out = U.normalize(lamina.ops.convert_to_tensor(x))
    np.testing.assert_allclose(to_np(out), [[0.6, 0.8]], rtol=1e-6)


PAD_CASES = [
    dict(),
    dict(maxlen=2),
    dict(maxlen=4, padding="post"),
    dict(maxlen=2, truncating="post"),
    dict(maxlen=3, padding="post", truncating="post", value=-1),
    dict(dtype="float32", value=0.5),
]


@pytest.mark.parametrize("kwargs", PAD_CASES)
def test_pad_sequences_matches_keras(keras, kwargs):
    seqs = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9]]
    got = U.pad_sequences(seqs, **kwargs)
    want = keras.utils.pad_sequences(seqs, **kwargs)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_pad_sequences_multidim_strings_and_errors(keras):
    seqs = [np.ones((2, 3)), np.zeros((1, 3))]
    np.testing.assert_array_equal(U.pad_sequences(seqs, dtype="float32"), keras.utils.pad_sequences(seqs, dtype="float32"))
    words = [["a", "b"], ["c"]]
    got = U.pad_sequences(words, dtype=object, value="")
    np.testing.assert_array_equal(got, keras.utils.pad_sequences(words, dtype=object, value=""))
    with pytest.raises(ValueError, match="pad_sequences: `padding` must be 'pre' or 'post'"):
        U.pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="pad_sequences: `sequences` must be a list of sequences"):
        U.pad_sequences([1, 2])
    with pytest.raises(ValueError, match="use dtype=object"):
        U.pad_sequences([[1]], value="x")


def _windows(data, targets, length, stride=1, rate=1, start=None, end=None):
    """Reference windows from Keras's documented definition."""
    start = start or 0
    end = len(data) if end is None else end
    xs, ys = [], []
    i = start
    while i + (length - 1) * rate < end and (targets is None or i - start < len(targets)):
        xs.append(data[i:i + (length - 1) * rate + 1:rate])
        if targets is not None:
            ys.append(targets[i])
        i += stride
    return np.array(xs), (np.array(ys) if targets is not None else None)


@pytest.mark.parametrize("kw", [dict(sequence_length=3), dict(sequence_length=2, sequence_stride=3),
                                dict(sequence_length=3, sampling_rate=2, start_index=1, end_index=15)])
def test_timeseries_windows(kw):
    data = np.arange(20).reshape(20, 1) * 10
    targets = np.arange(20)
    ds = U.timeseries_dataset_from_array(data, targets, batch_size=4, **kw)
    xs = np.concatenate([b[0] for b in ds])
    ys = np.concatenate([b[1] for b in ds])
    want_x, want_y = _windows(data, targets, kw["sequence_length"], kw.get("sequence_stride", 1),
                              kw.get("sampling_rate", 1), kw.get("start_index"), kw.get("end_index"))
    np.testing.assert_array_equal(xs, want_x)
    if kw.get("start_index"):  # targets are indexed relative to the window start in the full array
        want_y = targets[want_x[:, 0, 0] // 10]
    np.testing.assert_array_equal(ys, want_y)
    assert len(ds) == -(-len(want_x) // 4)


def test_timeseries_docstring_example_shuffle_and_errors():
    data = np.arange(10)
    ds = U.timeseries_dataset_from_array(data[:-3], data[3:], sequence_length=3, batch_size=2)
    x, y = ds[0]
    np.testing.assert_array_equal(x, [[0, 1, 2], [1, 2, 3]])
    np.testing.assert_array_equal(y, [3, 4])
    a = U.timeseries_dataset_from_array(data, None, sequence_length=2, batch_size=None, shuffle=True, seed=3)
    b = U.timeseries_dataset_from_array(data, None, sequence_length=2, batch_size=None, shuffle=True, seed=3)
    wa = np.array(list(a))
    np.testing.assert_array_equal(wa, np.array(list(b)))
    assert sorted(wa[:, 0].tolist()) == list(range(9))
    with pytest.raises(ValueError, match="timeseries_dataset_from_array: `sampling_rate` must be higher than 0"):
        U.timeseries_dataset_from_array(data, None, 2, sampling_rate=0)
    with pytest.raises(ValueError, match="`start_index` must be lower than the length"):
        U.timeseries_dataset_from_array(data, None, 2, start_index=10)


def test_split_dataset_arrays_and_datasets():
    x, y = np.arange(10), np.arange(10) * 2
    left, right = U.split_dataset((x, y), left_size=0.8)
    assert (len(left), len(right)) == (8, 2)
    np.testing.assert_array_equal(np.array([s[0] for s in left]), x[:8])
    np.testing.assert_array_equal(np.array([s[1] for s in right]), y[8:])
    left, right = U.split_dataset(x, right_size=3, shuffle=True, seed=1)
    together = sorted([int(v) for v in left] + [int(v) for v in right])
    assert together == list(range(10)) and len(right) == 3
    ds = U.timeseries_dataset_from_array(x, None, 2, batch_size=3)
    left, right = U.split_dataset(ds, left_size=5)
    assert left.batch_size == 3 and len(left) == 2
    np.testing.assert_array_equal(left[0], [[0, 1], [1, 2], [2, 3]])

    class Pairs(U.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return np.arange(3) + 3 * i, np.arange(3) + 3 * i

        def __iter__(self):  # like Keras 2's image iterators: iterating never ends
            while True:
                yield self[0]

    left, right = U.split_dataset(Pairs(), left_size=4)
    assert len(left) == 4 and [int(s[0]) for s in right] == [4, 5]
    with pytest.raises(ValueError, match="split_dataset: `left_size` must be a positive int"):
        U.split_dataset(x, left_size=20)
    with pytest.raises(ValueError, match="split_dataset: pass at least one"):
        U.split_dataset(x)


def test_lazy_exports_resolve():
    for name in U._LAZY:
        assert callable(getattr(U, name)), name
    assert U.Sequence is U.PyDataset
    assert issubclass(U.BatchDataset, U.PyDataset)


def test_batch_dataset_conveniences():
    reads = []

    def fetch(indices):
        reads.append(list(indices))
        return np.asarray(indices) * 10, np.asarray(indices)

    ds = U.BatchDataset(fetch, 7, batch_size=3)
    assert len(ds) == 3 and ds.cardinality() == 3
    np.testing.assert_array_equal(ds[-1][0], [60])
    with pytest.raises(IndexError, match="BatchDataset: batch index 3 out of range"):
        ds[3]
    samples = ds.unbatch().map(lambda x, y: (x + 1, y))  # per-sample map, tf.data style
    assert samples[2] == (21, 2)
    rebatched = ds.unbatch().batch(4)
    np.testing.assert_array_equal(rebatched[1][1], [4, 5, 6])
    np.testing.assert_array_equal(ds.skip(1).take(1)[0][1], [3, 4, 5])
    cached = ds.cache()
    reads.clear()
    cached[0], cached[0]
    assert reads == [[0, 1, 2]]  # the second read comes from memory
    shuffled = ds.shuffle(100, seed=4)
    assert sorted(np.concatenate([b[1] for b in shuffled]).tolist()) == list(range(7))
    with pytest.raises(ValueError, match="BatchDataset: `batch_size` must be a positive integer"):
        U.BatchDataset(fetch, 3, batch_size=0)
    with pytest.raises(ValueError, match="already batched"):
        ds.batch(2)
