"""Memory is bounded by the file: hostile checkpoints and IDX files are refused with a clear
error before anything near their declared size is allocated (peak traced by tracemalloc,
which sees NumPy's allocations)."""

import gzip
import hashlib
import io
import json
import re
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

from minigrad import CheckpointError, load, save, tensor
from minigrad._npz import BoundedReader
from minigrad.datasets import DatasetError, read_idx

LIMIT = 50 << 20  # peak bytes any refusal below may allocate
ZEROS = bytes(1 << 20)


def _peak(fn, exc, match):
    """Run ``fn``: it must raise ``exc`` matching ``match`` with a traced peak under LIMIT
    (checked first, so a missing check shows as memory, not just as another message)."""
    tracemalloc.start()
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - judged below
        err = e
    else:
        err = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < LIMIT, f"peak {peak} bytes; raised {err!r}"
    assert isinstance(err, exc), f"expected {exc.__name__}, got {err!r}"
    assert re.search(match, str(err)), str(err)
    return str(err)


def _npy_header(shape, dtype="<f8"):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _manifest_entries(arrays):
    """The __manifest__ members for ``{name: (shape, dtype str, sha256)}``, root = first."""
    first = next(iter(arrays))
    blob = json.dumps({"format": "minigrad.checkpoint", "version": 1,
                       "root": {"$ndarray": first},
                       "arrays": {k: {"dtype": d, "shape": list(s), "sha256": h}
                                  for k, (s, d, h) in arrays.items()}}).encode()
    sha = hashlib.sha256(blob).hexdigest().encode()
    out = {}
    for name, data in (("__manifest__", blob), ("__manifest_sha256__", sha)):
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.frombuffer(data, np.uint8))
        out[name + ".npy"] = buf.getvalue()
    return out


def _patch_sizes(blob, compress_size, file_size):
    """Make the zip directory (central and local) claim other sizes for the first member."""
    blob = bytearray(blob)
    loc = blob.index(b"PK\x03\x04")
    struct.pack_into("<II", blob, loc + 18, compress_size, file_size)
    cen = blob.index(b"PK\x01\x02")
    struct.pack_into("<II", blob, cen + 20, compress_size, file_size)
    return bytes(blob)


def test_small_checkpoint_declaring_a_huge_shape(tmp_path):
    """The .npy header says 2 GiB of float64; the member (and file) holds 80 bytes."""
    path = tmp_path / "huge.ckpt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("arr_0.npy", _npy_header((1 << 28,)) + bytes(80))
        for name, data in _manifest_entries({"arr_0": ((1 << 28,), "<f8", "0")}).items():
            z.writestr(name, data)
    msg = _peak(lambda: load(path), CheckpointError, "zip directory says")
    assert str(path) in msg and "'arr_0.npy'" in msg and "268435456" in msg


def test_zip_directory_lying_about_a_stored_member(tmp_path):
    """Header and directory both claim 2 GiB, consistently; the file is a few hundred bytes."""
    path = tmp_path / "lie.ckpt"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("arr_0.npy", _npy_header((1 << 28,)) + bytes(80))
    size = len(_npy_header((1 << 28,))) + (8 << 28)
    path.write_bytes(_patch_sizes(buf.getvalue(), size, size))
    msg = _peak(lambda: load(path), CheckpointError, "exceeds the whole file")
    assert str(path) in msg and "'arr_0.npy'" in msg and str(size) in msg


def _bomb(path, mib, header_shape, true_size=True):
    """A deflated member: an .npy header then ``mib`` MiB of zeros (a few hundred KB on disk),
    with a manifest that matches, so only the ratio limit stands between it and a load."""
    head = _npy_header(header_shape)
    sha = hashlib.sha256()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("arr_0.npy", "w") as f:
            f.write(head)
            for _ in range(mib):
                f.write(ZEROS)
                sha.update(ZEROS)
        entries = _manifest_entries({"arr_0": (header_shape, "<f8", sha.hexdigest())})
        for name, data in entries.items():
            z.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return head


def test_deflate_bomb_checkpoint(tmp_path):
    """256 MiB of zeros in ~260 KB: valid in every other way, refused by the ratio limit."""
    path = tmp_path / "bomb.ckpt"
    _bomb(path, 256, (32 << 20,))
    assert path.stat().st_size < 1 << 20
    msg = _peak(lambda: load(path), CheckpointError, "ratio limit")
    assert str(path) in msg and "'arr_0.npy'" in msg and str(256 << 20) in msg


def test_directory_understating_a_deflate_stream(tmp_path):
    """The directory (and header) say 8000 bytes; the stream inflates to 256 MiB. Reading
    stops at the declared size, and the CRC/checksum refuses what was read."""
    path = tmp_path / "under.ckpt"
    head = _bomb(path, 256, (1000,))
    blob = path.read_bytes()
    cen = blob.index(b"PK\x01\x02")
    (compressed,) = struct.unpack_from("<I", blob, cen + 20)
    path.write_bytes(_patch_sizes(blob, compressed, len(head) + 8000))
    msg = _peak(lambda: load(path), CheckpointError, "under.ckpt")
    assert "CRC" in msg or "checksum" in msg


def test_bounded_reader_never_reads_past_its_limit():
    class Endless(io.RawIOBase):
        def read(self, n=-1):
            return bytes(1 << 16 if n is None or n < 0 else n) * 2  # even more than asked

    r = BoundedReader(Endless(), 1000)
    assert len(r.read()) == 1000 and r.read(5) == b"" and r.pos == 1000
    buf = bytearray(5000)
    assert BoundedReader(Endless(), 3000).readinto(memoryview(buf)) == 3000


def test_max_bytes_caps_the_total_and_normal_files_load(tmp_path):
    path = tmp_path / "ok.ckpt"
    save({"w": tensor(np.ones((64, 64), np.float32)), "b": tensor(np.zeros(64))}, path)
    with pytest.raises(CheckpointError, match=r"ok.ckpt.*declare \d+ bytes.*max_bytes=1000"):
        load(path, max_bytes=1000)
    np.testing.assert_array_equal(load(path, max_bytes=1 << 20)["w"]._data, 1)
    with pytest.raises(TypeError, match="max_bytes"):
        load(path, max_bytes=-1)
    # a compressed npz of real-looking weights is within the ratio limit
    e = {}
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            e[n] = z.read(n)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for n, data in e.items():
            z.writestr(n, data)
    assert load(path)["w"].shape == (64, 64)


def _idx_header(shape, code=0x08):
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def test_idx_header_declaring_a_billion_images_in_1kb(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes((_idx_header((10**9, 28, 28)) + bytes(1024))[:1024])
    msg = _peak(lambda: read_idx(path), DatasetError, "size mismatch")
    assert str(path) in msg and "(1000000000, 28, 28)" in msg and "1024 bytes" in msg


def _gz(path, header, mib):
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(header)
        for _ in range(mib):
            gz.write(ZEROS)


def test_small_gz_declaring_gigabytes(tmp_path):
    """A header declaring ~160 MB that really inflates to it, from ~160 KB of gzip."""
    path = tmp_path / "train-images-idx3-ubyte.gz"
    n = (160 << 20) // 784
    _gz(path, _idx_header((n, 28, 28)), 160)
    msg = _peak(lambda: read_idx(path), DatasetError, "64:1 limit")
    assert str(path) in msg and f"({n}, 28, 28)" in msg and str(path.stat().st_size) in msg


def test_small_gz_inflating_far_beyond_its_header(tmp_path):
    """The header declares 10 images; the stream goes on for 256 MiB: cut after 1 byte more."""
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    _gz(path, _idx_header((10, 28, 28)) + bytes(7840), 256)
    msg = _peak(lambda: read_idx(path), DatasetError, "extra bytes")
    assert str(path) in msg and "7840" in msg


def test_expected_shape_is_checked_before_the_data_is_read(tmp_path):
    """MNIST's loader expects 60000 images: a 62 MB file of 80000 is refused from its header."""
    path = tmp_path / "train-images-idx3-ubyte.gz"
    _gz(path, _idx_header((80_000, 28, 28)), 59)  # truncated too; the header speaks first
    msg = _peak(lambda: read_idx(path, expect_shape=(60_000, 28, 28)), DatasetError,
                      "wrong dims")
    assert str(path) in msg and "(80000, 28, 28)" in msg
