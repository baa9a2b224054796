"""get_file (local paths, file:// URLs, hashes, safe extraction) and plot_model/model_to_dot."""

import hashlib
import io
import os
import pathlib
import tarfile
import zipfile

import numpy as np
import pytest

import lamina

U = lamina.utils


def _tar(path, members, mode="w:gz"):
    """members: list of (name, bytes) or tarfile.TarInfo objects (links)."""
    with tarfile.open(path, mode) as tar:
        for m in members:
            if isinstance(m, tarfile.TarInfo):
                tar.addfile(m)
            else:
                info = tarfile.TarInfo(m[0])
                info.size = len(m[1])
                tar.addfile(info, io.BytesIO(m[1]))
    return path


def test_get_file_local_and_file_url_with_hashes(tmp_path):
    src = tmp_path / "data.csv"
    src.write_bytes(b"a,b\n1,2\n")
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    md5 = hashlib.md5(src.read_bytes()).hexdigest()
    cache = tmp_path / "cache"
    path = U.get_file("data.csv", origin=pathlib.Path(src).as_uri(), file_hash=sha, cache_dir=cache)
    assert path == os.path.join(cache, "datasets", "data.csv")
    assert open(path, "rb").read() == src.read_bytes()
    # cached: a changed origin is not fetched again while the hash still matches
    src.write_bytes(b"changed")
    assert U.get_file("data.csv", origin=str(src), md5_hash=md5, cache_dir=cache) == path
    assert open(path, "rb").read() == b"a,b\n1,2\n"
    # force_download fetches again; no name -> taken from the origin
    path2 = U.get_file(origin=str(src), cache_dir=cache, cache_subdir="other", force_download=True)
    assert path2.endswith(os.path.join("other", "data.csv")) and open(path2, "rb").read() == b"changed"


def test_get_file_wrong_checksum_and_missing(tmp_path):
    src = tmp_path / "f.bin"
    src.write_bytes(b"123")
    with pytest.raises(ValueError, match=r"get_file: incomplete or corrupted file .*sha256 hash is .* expected 0+"):
        U.get_file("f.bin", origin=str(src), file_hash="0" * 64, cache_dir=tmp_path / "c")
    assert not os.path.exists(tmp_path / "c" / "datasets" / "f.bin")
    with pytest.raises(FileNotFoundError, match="get_file: the origin .* is not an existing file"):
        U.get_file("g", origin=str(tmp_path / "nope"), cache_dir=tmp_path / "c")
    with pytest.raises(ValueError, match='get_file: pass the "origin" argument'):
        U.get_file("g")
    with pytest.raises(ValueError, match="`fname` must be a file name, not a path"):
        U.get_file("a/b", origin=str(src), cache_dir=tmp_path / "c")


def test_get_file_extracts_tar_and_zip(tmp_path):
    archive = _tar(tmp_path / "pack.tar.gz", [("pack/a.txt", b"A"), ("pack/sub/b.txt", b"B")])
    out = U.get_file("pack.tar.gz", origin=str(archive), extract=True, cache_dir=tmp_path / "c")
    assert out == os.path.join(tmp_path / "c", "datasets", "pack_extracted")
    assert open(os.path.join(out, "pack", "sub", "b.txt")).read() == "B"
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as zf:
        zf.writestr("z/one.txt", "1")
    out = U.get_file("z.zip", origin=str(tmp_path / "z.zip"), extract=True, cache_dir=tmp_path / "c")
    assert open(os.path.join(out, "z", "one.txt")).read() == "1"
    legacy = U.get_file("old", origin=str(archive), untar=True, cache_dir=tmp_path / "c")
    assert os.path.isfile(os.path.join(legacy, "pack", "a.txt"))


def _link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.mark.parametrize("member", [("../escape.txt", b"x"), ("/abs/escape.txt", b"x"), ("a/../../escape.txt", b"x"),
                                    _link("evil", "/etc/passwd"), _link("hard", "../../x", tarfile.LNKTYPE)])
def test_get_file_refuses_escaping_tar_members(tmp_path, member):
    archive = _tar(tmp_path / "bad.tar", [("ok.txt", b"fine"), member], mode="w")
    with pytest.raises(ValueError, match=r"get_file: refusing to extract .*bad.tar"):
        U.get_file("bad.tar", origin=str(archive), extract=True, cache_dir=tmp_path / "c")
    assert not (tmp_path / "escape.txt").exists()
    assert not (tmp_path / "c" / "datasets" / "bad_extracted").exists()


def test_get_file_refuses_escaping_zip_member(tmp_path):
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as zf:
        zf.writestr("../../escape.txt", "x")
    with pytest.raises(ValueError, match="member '../../escape.txt' would be written outside"):
        U.get_file("bad.zip", origin=str(tmp_path / "bad.zip"), extract=True, cache_dir=tmp_path / "c")


def _model():
    inp = lamina.Input((4,), name="features")
    hidden = lamina.layers.Dense(3, activation="relu", name="hidden")(inp)
    a = lamina.layers.Dense(1, name="head_a")(hidden)
    b = lamina.layers.Dense(2, name="head_b")(hidden)
    return lamina.Model(inp, lamina.layers.Concatenate(name="cat")([a, b]))


def test_model_to_dot_text():
    pytest.importorskip("pydot")
    model = _model()
    dot = U.model_to_dot(model, show_shapes=True, show_layer_activations=True)
    text = dot.to_string()
    ids = {layer.name: str(id(layer)) for layer in model.layers}
    assert len(dot.get_nodes()) - 1 == len(model.layers)  # + the node-defaults entry
    for src, dst in [("features", "hidden"), ("hidden", "head_a"), ("hidden", "head_b"), ("head_a", "cat"),
                     ("head_b", "cat")]:
        assert f"{ids[src]} -> {ids[dst]}" in text
    assert len(dot.get_edges()) == 5
    assert "hidden (Dense)" in text and "Output shape: (None, 3)" in text and "Activation: relu" in text
    assert "Output shape: (None, 3)" in text.split("cat (Concatenate)")[1]
    with pytest.raises(ValueError, match="model_to_dot: the model .* is not built"):
        U.model_to_dot(lamina.Sequential([lamina.layers.Dense(1)]))


def test_plot_model_dot_file_and_clear_error_without_graphviz(tmp_path):
    pytest.importorskip("pydot")
    model = _model()
    U.plot_model(model, to_file=str(tmp_path / "m.dot"), show_shapes=True)
    assert "head_b" not in (tmp_path / "m.dot").read_text()  # show_layer_names=False by default, as Keras
    assert "Dense" in (tmp_path / "m.dot").read_text()
    import shutil

    if shutil.which("dot") is None:
        with pytest.raises(OSError, match="plot_model: could not render .*Install the Graphviz `dot` program"):
            U.plot_model(model, to_file=str(tmp_path / "m.png"))
    else:  # pragma: no cover - graphviz not installed in CI
        U.plot_model(model, to_file=str(tmp_path / "m.png"))
        assert (tmp_path / "m.png").stat().st_size > 0
    assert np.all([layer.built for layer in model.layers])
