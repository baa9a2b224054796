"""Loading never runs code from a file: hostile, corrupt and truncated files raise a clear ValueError
naming the file and the problem, nothing a file names is executed (marker files stay absent), and a save
that fails midway leaves the previous file intact."""

import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import weights_h5
from tests.conftest import to_np


def _model():
    return lamina.Sequential([lamina.Input((4,)), layers.Dense(3, activation="relu"), layers.Dense(2)])


@pytest.fixture
def saved(tmp_path):
    model = _model()
    path = tmp_path / "good.keras"
    model.save(path)
    return model, path


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _write_zip(path, members, infos=None):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            if infos and name in infos:
                infos[name](info)
            zf.writestr(info, data)
    return path


def _with_config(tmp_path, saved_path, mutate, name="hostile.keras"):
    members = _members(saved_path)
    config = json.loads(members["config.json"])
    mutate(config)
    members["config.json"] = json.dumps(config).encode()
    return _write_zip(tmp_path / name, members)


def _marker_command(marker):
    return f"touch {marker}"


# --------------------------------------------------------------------------- code named by a config
@pytest.mark.parametrize("module,name", [("os", "system"), ("builtins", "eval"), ("subprocess", "Popen"),
                                         ("posix", "system"), ("keras.src.saving.saving_api", "load_model"),
                                         ("lamina.saving", "load_model"), ("keras.utils", "get_file"),
                                         ("keras.config", "enable_unsafe_deserialization")])
def test_config_naming_unregistered_callables_is_refused(tmp_path, saved, module, name):
    marker = tmp_path / "pwned"

    def mutate(config):
        config["config"]["layers"][1] = {"module": module, "class_name": name, "registered_name": name,
                                         "config": {"command": _marker_command(marker), "filepath": str(marker)}}

    path = _with_config(tmp_path, saved[1], mutate)
    with pytest.raises(ValueError, match=r"hostile\.keras.*" + name):
        lamina.models.load_model(path)
    assert not marker.exists()


def test_function_reference_to_os_system_is_refused(tmp_path, saved):
    marker = tmp_path / "pwned"

    def mutate(config):
        config["config"]["layers"][1]["config"]["activation"] = {
            "module": "os", "class_name": "function", "config": "system", "registered_name": "system"}

    path = _with_config(tmp_path, saved[1], mutate)
    with pytest.raises(ValueError, match=r"hostile\.keras.*system"):
        lamina.models.load_model(path)
    assert not marker.exists()


def test_denylist_holds_even_when_custom_objects_allow_it(tmp_path, saved):
    def mutate(config):
        config["config"]["layers"][1]["config"]["activation"] = {
            "module": None, "class_name": "function", "config": "system", "registered_name": "system"}

    path = _with_config(tmp_path, saved[1], mutate)
    with pytest.raises(ValueError, match=r"hostile\.keras.*'system'.*never call"):
        lamina.models.load_model(path, custom_objects={"system": os.system})
    with pytest.raises(ValueError, match=r"never call"):
        with lamina.saving.custom_object_scope({"system": os.system}):
            lamina.models.load_model(path)


def test_functional_entry_that_is_not_a_layer_is_refused(tmp_path):
    inputs = lamina.Input((4,), name="x")
    model = lamina.Model(inputs, layers.Dense(2, name="d")(inputs))
    model.save(tmp_path / "f.keras")

    def mutate(config):
        entry = config["config"]["layers"][1]
        entry.update({"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": 1}})
        entry.pop("build_config", None)

    path = _with_config(tmp_path, tmp_path / "f.keras", mutate)
    with pytest.raises(ValueError, match=r"hostile\.keras.*not a layer"):
        lamina.models.load_model(path)


def test_inconsistent_graph_is_refused(tmp_path):
    inputs = lamina.Input((4,), name="x")
    model = lamina.Model(inputs, layers.Dense(2, name="d")(inputs))
    model.save(tmp_path / "f.keras")

    def mutate(config):
        arg = config["config"]["layers"][1]["inbound_nodes"][0]["args"][0]
        arg["config"]["keras_history"] = ["d", 0, 0]  # the layer waits for its own output

    path = _with_config(tmp_path, tmp_path / "f.keras", mutate)
    with pytest.raises(ValueError, match=r"hostile\.keras.*cannot be rebuilt"):
        lamina.models.load_model(path)


# --------------------------------------------------------------------------- Lambda
def _lambda_file(tmp_path, marker):
    lamina.config.enable_unsafe_deserialization.__doc__  # the switch exists
    inputs = lamina.Input((3,))
    outputs = layers.Lambda(lambda x: x * 2.0)(inputs)
    model = lamina.Model(inputs, outputs)
    model.save(tmp_path / "lam.keras")

    def mutate(config):  # a payload that would leave a marker if its bytecode ever ran
        import base64
        import marshal

        code = compile(f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]", "<f>", "eval")
        fn = eval(code)
        lam = config["config"]["layers"][1]["config"]["function"]
        lam["config"]["code"] = base64.b64encode(marshal.dumps(fn.__code__)).decode()

    return _with_config(tmp_path, tmp_path / "lam.keras", mutate, name="lambda.keras")


@pytest.mark.parametrize("kwargs", [{}, {"safe_mode": True}, {"safe_mode": None}])
def test_lambda_refused_in_safe_mode(tmp_path, kwargs):
    marker = tmp_path / "ran"
    path = _lambda_file(tmp_path, marker)
    with pytest.raises(ValueError, match=r"lambda\.keras.*Lambda.*safe_mode=False"):
        lamina.models.load_model(path, **kwargs)
    assert not marker.exists()
    config = json.loads(_members(path)["config.json"])
    with pytest.raises(ValueError, match="Lambda"):
        lamina.models.model_from_json(json.dumps(config))
    assert not marker.exists()


def test_lambda_loads_with_safe_mode_false(tmp_path):
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, layers.Lambda(lambda x: x * 2.0)(inputs))
    model.save(tmp_path / "lam.keras")
    restored = lamina.models.load_model(tmp_path / "lam.keras", safe_mode=False)
    np.testing.assert_allclose(to_np(restored(np.ones((1, 3), "float32"))), 2.0)


def test_enable_unsafe_deserialization_turns_safe_mode_off_like_keras(tmp_path, monkeypatch):
    monkeypatch.setitem(lamina.config._unsafe, "enabled", False)  # restored after the test
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, layers.Lambda(lambda x: x * 2.0)(inputs))
    model.save(tmp_path / "lam.keras")
    with pytest.raises(ValueError, match="Lambda"):
        lamina.models.load_model(tmp_path / "lam.keras")
    assert not lamina.config.unsafe_deserialization_enabled()
    lamina.config.enable_unsafe_deserialization()
    assert lamina.config.unsafe_deserialization_enabled()
    # As keras.config.enable_unsafe_deserialization: it wins over load_model's safe_mode argument.
    for kwargs in ({}, {"safe_mode": True}):
        restored = lamina.models.load_model(tmp_path / "lam.keras", **kwargs)
        np.testing.assert_allclose(to_np(restored(np.ones((1, 3), "float32"))), 2.0)
    clone = lamina.models.model_from_json(model.to_json())
    np.testing.assert_allclose(to_np(clone(np.ones((1, 3), "float32"))), 2.0)


@pytest.mark.parametrize("unsafe", [False, True])
def test_config_naming_enable_unsafe_deserialization_is_refused(tmp_path, saved, monkeypatch, unsafe):
    """Even registered (or passed in custom_objects), and even after the switch, a file may not flip it."""
    monkeypatch.setitem(lamina.config._unsafe, "enabled", unsafe)

    def mutate(config):
        config["config"]["layers"][1]["config"]["activation"] = {
            "module": "lamina.config", "class_name": "function", "config": "enable_unsafe_deserialization",
            "registered_name": "enable_unsafe_deserialization"}

    path = _with_config(tmp_path, saved[1], mutate)
    custom = {"enable_unsafe_deserialization": lamina.config.enable_unsafe_deserialization}
    for kwargs in ({}, {"custom_objects": custom}, {"custom_objects": custom, "safe_mode": False}):
        with pytest.raises(ValueError, match=r"hostile\.keras.*enable_unsafe_deserialization"):
            lamina.models.load_model(path, **kwargs)
    assert lamina.config.unsafe_deserialization_enabled() is unsafe


# --------------------------------------------------------------------------- archive members
@pytest.mark.parametrize("member", ["../evil.txt", "/abs/evil.txt", "assets\\..\\evil.txt", "assets/../../x",
                                    "C:/evil.txt"])
def test_path_traversal_members_are_refused(tmp_path, saved, member):
    members = _members(saved[1])
    members[member] = b"owned"
    path = _write_zip(tmp_path / "trav.keras", members)
    with pytest.raises(ValueError, match=r"trav\.keras.*refusing archive member"):
        lamina.models.load_model(path)
    assert not (tmp_path.parent / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()


def test_symlink_member_is_refused(tmp_path, saved):
    members = _members(saved[1])
    members["assets/link"] = b"/etc/passwd"

    def as_symlink(info):
        info.external_attr = (0o120777 << 16)
        info.create_system = 3

    path = _write_zip(tmp_path / "link.keras", members, {"assets/link": as_symlink})
    with pytest.raises(ValueError, match=r"link\.keras.*link or special file"):
        lamina.models.load_model(path)


def test_zip_bomb_member_is_refused(tmp_path, saved):
    members = _members(saved[1])
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr("assets/bomb.bin", b"\0" * (80 * 1024 * 1024))
    with pytest.raises(ValueError, match=r"bomb\.keras.*decompression bomb"):
        lamina.models.load_model(path)


# --------------------------------------------------------------------------- corrupt and truncated files
def test_truncated_and_garbage_archives(tmp_path, saved):
    data = saved[1].read_bytes()
    (tmp_path / "trunc.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"trunc\.keras.*(zip|archive)"):
        lamina.models.load_model(tmp_path / "trunc.keras")
    (tmp_path / "junk.keras").write_bytes(os.urandom(2000))
    with pytest.raises(ValueError, match=r"junk\.keras.*bad zip"):
        lamina.models.load_model(tmp_path / "junk.keras")
    (tmp_path / "empty.keras").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.keras"):
        lamina.models.load_model(tmp_path / "empty.keras")


def test_missing_members_bad_json_and_bad_weights(tmp_path, saved):
    members = _members(saved[1])
    no_weights = {k: v for k, v in members.items() if k != "model.weights.h5"}
    with pytest.raises(ValueError, match=r"nw\.keras.*missing weights"):
        lamina.models.load_model(_write_zip(tmp_path / "nw.keras", no_weights))
    no_config = {k: v for k, v in members.items() if k != "config.json"}
    with pytest.raises(ValueError, match=r"nc\.keras.*config\.json"):
        lamina.models.load_model(_write_zip(tmp_path / "nc.keras", no_config))
    with pytest.raises(ValueError, match=r"bj\.keras.*not valid JSON"):
        lamina.models.load_model(_write_zip(tmp_path / "bj.keras", {**members, "config.json": b"{not json"}))
    deep = b"[" * 100000 + b"]" * 100000
    with pytest.raises(ValueError, match=r"dj\.keras"):
        lamina.models.load_model(_write_zip(tmp_path / "dj.keras", {**members, "config.json": deep}))
    bad_h5 = {**members, "model.weights.h5": b"\x89HDF\r\n\x1a\n" + os.urandom(500)}
    with pytest.raises(ValueError, match=r"bh\.keras.*not a valid HDF5"):
        lamina.models.load_model(_write_zip(tmp_path / "bh.keras", bad_h5))


def _h5_bytes(build):
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        build(f)
    return buffer.getvalue()


def _copy_weights_into(f, model, edit):
    weights_h5.write_weights(model, f)
    edit(f)


@pytest.mark.parametrize("case", ["wrong_shape", "missing_dataset", "missing_layer", "string_dtype",
                                  "soft_link", "external_link", "huge_shape", "external_storage"])
def test_hostile_or_inconsistent_weights(tmp_path, saved, case):
    model, path = saved
    target = tmp_path / "target.bin"

    def edit(f):
        if case == "wrong_shape":
            del f["layers/dense/vars/0"]
            f["layers/dense/vars/0"] = np.zeros((5, 3), "float32")
        elif case == "missing_dataset":
            del f["layers/dense_1/vars/1"]
        elif case == "missing_layer":
            del f["layers/dense_1"]
        elif case == "string_dtype":
            del f["layers/dense/vars/1"]
            f["layers/dense/vars/1"] = np.array([b"a", b"b", b"c"])
        elif case == "soft_link":
            del f["layers/dense/vars/0"]
            f["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense_1/vars/0")
        elif case == "external_link":
            del f["layers/dense/vars/0"]
            f["layers/dense/vars/0"] = h5py.ExternalLink(str(target), "/data")
        elif case == "huge_shape":
            del f["layers/dense/vars/0"]
            f.create_dataset("layers/dense/vars/0", shape=(1 << 20, 1 << 20), dtype="float32", chunks=(1, 16),
                             compression="gzip")
        elif case == "external_storage":
            del f["layers/dense/vars/0"]
            f.create_dataset("layers/dense/vars/0", shape=(4, 3), dtype="float32", external=[(str(target), 0, 48)])

    members = _members(path)
    members["model.weights.h5"] = _h5_bytes(lambda f: _copy_weights_into(f, model, edit))
    bad = _write_zip(tmp_path / "w.keras", members)
    expected = {"wrong_shape": r"shape \(5, 3\).*expects \(4, 3\)", "missing_dataset": "expects 2 variables",
                "missing_layer": "expects 2 variables", "string_dtype": "not a numeric array",
                "soft_link": "SoftLink", "external_link": "ExternalLink", "huge_shape": r"shape \(1048576",
                "external_storage": "external files"}[case]
    with pytest.raises(ValueError, match=r"w\.keras.*" + expected):
        lamina.models.load_model(bad)
    assert not target.exists()


def test_fuzzed_archives_load_or_raise_value_error(tmp_path, saved):
    data = bytearray(saved[1].read_bytes())
    rng = np.random.default_rng(0)
    outcomes = {"ok": 0, "refused": 0}
    for i in range(120):
        mutated = bytearray(data)
        if i % 4 == 0:
            mutated = mutated[: int(rng.integers(0, len(data)))]
        else:
            for _ in range(int(rng.integers(1, 8))):
                mutated[int(rng.integers(0, len(mutated)))] = int(rng.integers(0, 256))
        p = tmp_path / f"fz{i}.keras"
        p.write_bytes(bytes(mutated))
        try:
            lamina.models.load_model(p)
            outcomes["ok"] += 1
        except ValueError as e:
            assert f"fz{i}.keras" in str(e), str(e)
            outcomes["refused"] += 1
        p.unlink()
    assert outcomes["refused"] > 30


def test_weights_file_corruption_raises_value_error(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "m.weights.h5")
    data = (tmp_path / "m.weights.h5").read_bytes()
    (tmp_path / "t.weights.h5").write_bytes(data[: len(data) // 3])
    with pytest.raises(ValueError, match=r"t\.weights\.h5.*HDF5"):
        model.load_weights(tmp_path / "t.weights.h5")


# --------------------------------------------------------------------------- atomic saving
def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    model = _model()
    path = tmp_path / "m.keras"
    model.save(path)
    wpath = tmp_path / "m.weights.h5"
    model.save_weights(wpath)
    before, wbefore = path.read_bytes(), wpath.read_bytes()
    other = _model()

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    real_writestr = zipfile.ZipFile.writestr

    def writestr_then_fail(self, name, data, *a, **k):
        if name == "model.weights.h5":
            real_writestr(self, name, data[: len(data) // 2], *a, **k)
            raise OSError("interrupted midway")
        return real_writestr(self, name, data, *a, **k)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr_then_fail)
    with pytest.raises(OSError, match="interrupted"):
        other.save(path)
    monkeypatch.undo()
    monkeypatch.setattr(weights_h5, "_own_variables", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        other.save_weights(wpath)
    monkeypatch.undo()
    assert path.read_bytes() == before and wpath.read_bytes() == wbefore
    assert sorted(os.listdir(tmp_path)) == ["m.keras", "m.weights.h5"]  # no temporary files left behind
    restored = lamina.models.load_model(path)
    np.testing.assert_array_equal(restored.get_weights()[0], model.get_weights()[0])


# --------------------------------------------------------------------------- legacy HDF5
def _legacy_file(path, model_config):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(model_config)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([], dtype="S1")
    return path


@pytest.mark.parametrize("kwargs", [{}, {"safe_mode": True}])
def test_legacy_h5_lambda_refused_in_safe_mode(tmp_path, kwargs):
    marker = tmp_path / "ran"
    lam = _lambda_file(tmp_path, marker)
    config = json.loads(_members(lam)["config.json"])
    path = _legacy_file(tmp_path / "lam.h5", config)
    with pytest.raises(ValueError, match=r"lam\.h5.*Lambda"):
        lamina.models.load_model(path, **kwargs)
    assert not marker.exists()


def test_legacy_h5_hostile_class_refused(tmp_path):
    marker = tmp_path / "pwned"
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 3], "name": "i"}},
        {"class_name": "Popen", "module": "subprocess", "config": {"args": ["touch", str(marker)]}}]}}
    path = _legacy_file(tmp_path / "evil.h5", config)
    with pytest.raises(ValueError, match=r"evil\.h5.*Popen"):
        lamina.models.load_model(path)
    assert not marker.exists()
    (tmp_path / "junk.h5").write_bytes(os.urandom(1000))
    with pytest.raises(ValueError, match=r"junk\.h5.*HDF5"):
        lamina.models.load_model(tmp_path / "junk.h5")
