"""FarmHash / SipHash against published reference values; Hashing and HashedCrossing against Keras's
documented bins (Keras needs TensorFlow for these layers, so the oracle cannot run them)."""

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.layers.preprocessing.feature import hash_functions as H
from tests.conftest import to_np

M64 = (1 << 64) - 1


# Reference fingerprints: Guava's FarmHashFingerprint64Test and the FarmHash ports that copy its vectors
# (lengths 0..80 cover every code path of farmhashna::Hash64).
@pytest.mark.parametrize("text,expected", [
    ("", 11160318154034397263),
    ("Q", 13816109650407654260),
    ("WW5", 6316074107149058620),
    ("test", 8581389452482819506),
    ("#cDR^sLO", 328147020574120176),
    ("/dWQW6&i7h$1@", 11452602314494946942),
    ("bF&d$MYIhB.Ac=qC", 17582099205024456557),
    ("9JqLl0AW7e69Y.&vMHQ5C", 2827089714349584095),
    ("test" * 8, -4196240717365766262 & M64),
    ("2/?98ns)xbzEVL^:wCS$7l3@_g!zP^<D.-bd6", 9728733090894310797),
    ("F7479877-4690-4A44-AFC9-8FE987EA512F:some_other_id", 6862335115798125349),
    ("0376d8dc-a717-425a-9dd2-d4b36bcaddac:65d52a5d-4f88-4a78-97c9-08464d44bbb6", 14340110469024474010),
    ("test" * 64, 3500507768004279527),
])
def test_fingerprint64_reference_values(text, expected):
    assert H.fingerprint64(text.encode()) == expected


def test_fingerprint64_all_lengths_up_to_3200_bytes():
    # Guava's testMultipleLengths: a running hash over buffers of every length, vs the C++ reference.
    buf, n, h = bytearray(800 * 4), 0, 0

    def step(h, length):
        h ^= H.fingerprint64(bytes(buf[:length]))
        h ^= h >> 41
        return (h * 949921979) & M64

    for i in range(800):
        h = step(h, i)
        buf[n] = ord("a") + (h & 0xFFFFF) % 26
        n += 1
        h = step(h, i * i % n)
        buf[n] = ord("a") + (h & 0xFFFFF) % 26
        n += 1
        h = step(h, i * i * i % n)
        buf[n] = ord("a") + (h & 0xFFFFF) % 26
        n += 1
        h = step(h, n)
        buf[n] = ord("a") + (h & 0xFFFFF) % 26
        n += 1
        x0, x1, x2, x3 = buf[n - 1], buf[n - 2], buf[n - 3], buf[n // 2]
        buf[((x0 << 16) + (x1 << 8) + x2) % n] ^= x3
        buf[((x1 << 16) + (x2 << 8) + x3) % n] ^= i % 256
    assert h == 0x7A1D67C50EC7E167


def test_siphash_reference_vector():
    # SipHash-2-4 paper (Aumasson & Bernstein), appendix A: key 00..0f, message 00..0e.
    key = (int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little"))
    assert H.siphash64(key, bytes(range(15))) == 0xA129CA6149BE45E5


FIVE = np.array([["A"], ["B"], ["C"], ["D"], ["E"]])
WIRE = np.array([["omar"], ["stringer"], ["marlo"], ["wire"], ["skywalker"]])


# Expected bins: Keras's Hashing docstring and its hashing_test.py (computed there with TensorFlow).
@pytest.mark.parametrize("kwargs,data,expected", [
    ({"num_bins": 3}, FIVE, [1, 0, 1, 1, 2]),
    ({"num_bins": 3, "mask_value": ""}, np.array([["A"], ["B"], [""], ["C"], ["D"]]), [1, 1, 0, 2, 2]),
    ({"num_bins": 3, "salt": [133, 137]}, FIVE, [1, 2, 1, 0, 2]),
    ({"num_bins": 3, "salt": 133}, FIVE, [0, 0, 2, 1, 0]),
    ({"num_bins": 2}, WIRE, [0, 0, 1, 0, 0]),
    ({"num_bins": 3, "mask_value": ""}, WIRE, [1, 1, 2, 1, 1]),
    ({"num_bins": 3, "mask_value": "omar"}, WIRE, [0, 1, 2, 1, 1]),
    ({"num_bins": 2, "salt": [133, 137]}, WIRE, [0, 1, 0, 1, 0]),
    ({"num_bins": 2, "salt": [211, 137]}, WIRE, [1, 0, 1, 0, 1]),
    ({"num_bins": 3}, np.array([[0], [1], [2], [3], [4]]), [1, 0, 1, 0, 2]),
    ({"num_bins": 3, "salt": [133, 137]}, np.array([[0], [1], [2], [3], [4]]), [1, 1, 2, 0, 1]),
    ({"num_bins": 1}, FIVE, [0, 0, 0, 0, 0]),
])
def test_hashing_matches_keras_documented_bins(kwargs, data, expected):
    out = layers.Hashing(**kwargs)(data)
    assert lamina.ops.is_tensor(out)
    np.testing.assert_array_equal(to_np(out), np.array(expected).reshape(-1, 1))
    assert str(to_np(out).dtype) == ("int32" if lamina.config.backend() == "jax" else "int64")


def test_hashing_list_input_and_float_values():
    layer = layers.Hashing(num_bins=3)
    np.testing.assert_array_equal(to_np(layer([["A"], ["B"]])), [[1], [0]])
    # Floats are truncated to int64 before hashing, as in Keras.
    np.testing.assert_array_equal(to_np(layer(np.array([[0.7], [3.2]]))), to_np(layer(np.array([[0], [3]]))))


@pytest.mark.parametrize("mode,data,expected", [
    ("one_hot", np.array([["A"], ["B"], ["C"]]), [[0, 1, 0], [1, 0, 0], [0, 1, 0]]),
    ("multi_hot", np.array([[0, 1, 2, 3, 4]]), [[1.0, 1.0, 1.0]]),
    ("count", np.array([[0, 1, 2, 3, 4]]), [[2.0, 2.0, 1.0]]),
])
def test_hashing_output_modes(mode, data, expected):
    layer = layers.Hashing(num_bins=3, output_mode=mode)
    out = layer(data)
    np.testing.assert_array_equal(to_np(out), expected)
    assert str(to_np(out).dtype) == "float32"
    sym = layer(lamina.KerasTensor((None, data.shape[1]), dtype=str(data.dtype) if data.dtype.kind == "i"
                                   else "string"))
    assert sym.shape == (None, 3) and sym.dtype == "float32"


def test_hashing_config_and_errors():
    layer = layers.Hashing(num_bins=4, salt=7, mask_value="")
    config = layer.get_config()
    assert config["salt"] == [7, 7] and config["num_bins"] == 4 and config["mask_value"] == ""
    assert config["dtype"]["config"]["name"] == "int64"
    clone = layers.Hashing.from_config(config)
    np.testing.assert_array_equal(to_np(clone(WIRE)), to_np(layer(WIRE)))
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="salt"):
        layers.Hashing(num_bins=2, salt="string")
    with pytest.raises(ValueError, match="salt"):
        layers.Hashing(num_bins=2, salt=[1, 2, 3])
    with pytest.raises(ValueError, match="output_mode"):
        layers.Hashing(num_bins=2, output_mode="tf_idf")
    with pytest.raises(ValueError, match="dtype"):
        layers.Hashing(num_bins=2, dtype="float32")


def test_hashed_crossing_documented_bins():
    feat1 = np.array(["A", "B", "A", "B", "A"])
    feat2 = np.array([101, 101, 101, 102, 102])
    out = layers.HashedCrossing(num_bins=5)((feat1, feat2))
    np.testing.assert_array_equal(to_np(out), [1, 4, 1, 1, 3])
    one_hot = layers.HashedCrossing(num_bins=5, output_mode="one_hot")((feat1, feat2))
    np.testing.assert_array_equal(to_np(one_hot), np.eye(5)[[1, 4, 1, 1, 3]])
    assert str(to_np(one_hot).dtype) == "float32"
    # Scalars and (batch, 1) inputs keep their rank.
    assert int(to_np(layers.HashedCrossing(num_bins=10)((np.array("A"), np.array(101))))) == 1
    col = layers.HashedCrossing(num_bins=5)((feat1[:, None], feat2[:, None]))
    np.testing.assert_array_equal(to_np(col), [[1], [4], [1], [1], [3]])


def test_hashed_crossing_symbolic_config_and_errors():
    layer = layers.HashedCrossing(num_bins=7, output_mode="one_hot")
    sym = layer((lamina.KerasTensor((None, 1), dtype="string"), lamina.KerasTensor((None, 1), dtype="int64")))
    assert sym.shape == (None, 7) and sym.dtype == "float32"
    assert layer.get_config() == {"num_bins": 7, "output_mode": "one_hot", "sparse": False, "name": layer.name,
                                  "dtype": "float32"}
    assert layers.HashedCrossing(num_bins=2).get_config()["dtype"] == "int64"
    with pytest.raises(ValueError, match="list or tuple"):
        layers.HashedCrossing(num_bins=10)(np.array([1]))
    with pytest.raises(ValueError, match="at least two"):
        layers.HashedCrossing(num_bins=10)([np.array([1])])
    with pytest.raises(ValueError, match="integer or string"):
        layers.HashedCrossing(num_bins=10)((np.array([1.0]), np.array([1.0])))
    with pytest.raises(ValueError, match="shape"):
        layers.HashedCrossing(num_bins=10)((np.array([[[1]]]), np.array([[[1]]])))
